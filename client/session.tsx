// The panels' sign-in (docs/panel-api.md, "Signing in"). SessionGate asks for the session; signed
// out, it offers "Sign in with SuperOffice", which opens the sign-in in a popup (SuperOffice's
// identity pages refuse frames) and waits for the popup's message, whose one-time code it claims
// (POST /panel-auth/claim sets the session cookie); signed in, it hands the session to its children
// through useSession().
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, claimSignIn, onSignedOut, setCsrfToken } from './api.ts';
import type { PanelContext } from './panel-context.ts';

/** GET /api/panel/session. */
export interface Session {
  contextIdentifier: string;
  tenantName: string | null;
  associateId: number;
  /** The user's first and last name from SuperOffice; null when it sent none. */
  userName: string | null;
  isAdministrator: boolean;
  csrfToken: string;
  expiresAt: string;
}

export interface SessionValue {
  session: Session;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

/** The signed-in session; only inside a SessionGate. */
export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession() is used outside a <SessionGate>');
  return value;
}

type State =
  | { kind: 'loading' }
  | { kind: 'signed-out'; notice?: string }
  | { kind: 'signing-in' }
  | { kind: 'error'; message: string }
  | { kind: 'signed-in'; session: Session };

type SignInMessage =
  | { source: 'calendar-sync'; type: 'signed-in'; code: string; message?: string }
  | { source: 'calendar-sync'; type: 'sign-in-failed'; message?: string };

function isSignInMessage(data: unknown): data is SignInMessage {
  const d = data as { source?: unknown; type?: unknown; code?: unknown } | null;
  if (typeof d !== 'object' || d === null || d.source !== 'calendar-sync') return false;
  return (d.type === 'signed-in' && typeof d.code === 'string') || d.type === 'sign-in-failed';
}

const POPUP_FEATURES = 'popup,width=520,height=680';

// The claim's answer set the cookie (partitioned, so kept even where third-party cookies are
// blocked); still being signed out means the browser refused it anyway: it blocks all cookies for
// the app's host, or does not know partitioned cookies and blocks third-party ones.
const BLOCKED_COOKIE =
  'You signed in, but your browser did not keep the sign-in for this panel: it blocks cookies for this site inside SuperOffice. ' +
  `Allow cookies for ${window.location.host} in your browser's settings, then sign in again.`;

export interface SessionGateProps {
  context: PanelContext;
  /** Administrator views: everyone else sees the "ask your administrator" page. */
  requireAdmin?: boolean;
  children: ComponentChildren;
}

export function SessionGate({ context, requireAdmin = false, children }: SessionGateProps) {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const popup = useRef<Window | null>(null);

  /** `afterSignIn`: the claim worked, so still being signed out has a cause worth naming. */
  const load = useCallback(async (afterSignIn = false) => {
    try {
      const session = await api<Session>('GET', '/session');
      setCsrfToken(session.csrfToken);
      setState({ kind: 'signed-in', session });
    } catch (err) {
      setCsrfToken(null);
      if (err instanceof ApiError && err.code === 'signed_out') setState({ kind: 'signed-out', ...(afterSignIn ? { notice: BLOCKED_COOKIE } : {}) });
      else setState({ kind: 'error', message: err instanceof ApiError ? err.message : 'Calendar Sync could not be reached. Check the connection and reload the panel.' });
    }
  }, []);

  const claim = useCallback(
    async (code: string) => {
      try {
        await claimSignIn(code);
      } catch (err) {
        setState({
          kind: 'signed-out',
          notice: err instanceof ApiError ? err.message : 'Calendar Sync could not be reached to finish the sign-in. Check the connection and sign in again.',
        });
        return;
      }
      await load(true);
    },
    [load],
  );

  useEffect(() => {
    if (!context.contextIdentifier || !context.associateId) return undefined;
    void load();
    // A session that expires while the panel is open: any request's 401 brings the button back.
    return onSignedOut(() => {
      setCsrfToken(null);
      setState({ kind: 'signed-out', notice: 'Your sign-in has expired. Sign in again to continue.' });
    });
  }, [context.contextIdentifier, context.associateId, load]);

  // While the popup is open: its message says how the sign-in went; closing it without one (the
  // person gave up, or the message was lost) just asks the server again.
  useEffect(() => {
    if (state.kind !== 'signing-in') return undefined;
    const onMessage = (e: MessageEvent) => {
      if (e.origin !== window.location.origin || !isSignInMessage(e.data)) return;
      popup.current = null;
      if (e.data.type === 'signed-in') void claim(e.data.code);
      else setState({ kind: 'signed-out', notice: e.data.message ?? 'The sign-in did not succeed. Try again.' });
    };
    const timer = setInterval(() => {
      if (popup.current && popup.current.closed) {
        popup.current = null;
        void load();
      }
    }, 500);
    window.addEventListener('message', onMessage);
    return () => {
      clearInterval(timer);
      window.removeEventListener('message', onMessage);
    };
  }, [state.kind, load, claim]);

  const signIn = () => {
    const q = new URLSearchParams({ ctx: context.contextIdentifier ?? '', assoc: context.associateId ?? '' });
    const w = window.open(`/panel-auth/start?${q}`, 'calendar-sync-sign-in', POPUP_FEATURES);
    if (!w) {
      setState({ kind: 'signed-out', notice: 'Your browser blocked the sign-in window. Allow pop-ups for this site and try again.' });
      return;
    }
    popup.current = w;
    w.focus();
    setState({ kind: 'signing-in' });
  };

  const signOut = useCallback(async () => {
    await api<void>('POST', '/sign-out');
    setCsrfToken(null);
    setState({ kind: 'signed-out' });
  }, []);

  if (!context.contextIdentifier || !context.associateId) {
    return (
      <GatePage title="Open this panel from SuperOffice">
        <p>The panel's address does not say which SuperOffice customer and user it is for. Open it from SuperOffice.</p>
      </GatePage>
    );
  }
  switch (state.kind) {
    case 'loading':
      return (
        <GatePage title="Calendar Sync">
          <p role="status">Checking your sign-in…</p>
        </GatePage>
      );
    case 'error':
      return (
        <GatePage title="Calendar Sync">
          <p role="alert">{state.message}</p>
          <button type="button" onClick={() => void load()}>
            Try again
          </button>
        </GatePage>
      );
    case 'signed-out':
    case 'signing-in':
      return (
        <GatePage title="Sign in to Calendar Sync">
          <p>Sign in with your SuperOffice user to see Calendar Sync. The sign-in opens in a small window.</p>
          {state.kind === 'signed-out' && state.notice ? (
            <p class="hint hint-warn" role="alert">
              {state.notice}
            </p>
          ) : null}
          {state.kind === 'signing-in' ? <p role="status">Waiting for the sign-in window…</p> : null}
          <button type="button" data-action="sign-in" onClick={signIn}>
            Sign in with SuperOffice
          </button>
        </GatePage>
      );
    case 'signed-in':
      if (requireAdmin && !state.session.isAdministrator) {
        return (
          <GatePage title="Ask your administrator">
            <p role="alert">Only a SuperOffice administrator can change Calendar Sync. Ask your administrator.</p>
            <p class="hint">
              You are signed in as {state.session.userName ?? `user ${state.session.associateId}`} of {state.session.tenantName ?? state.session.contextIdentifier}.
            </p>
          </GatePage>
        );
      }
      return <SessionContext.Provider value={{ session: state.session, signOut }}>{children}</SessionContext.Provider>;
  }
}

function GatePage({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <div class="page" data-gate>
      <main class="page-body">
        <section class="card" aria-labelledby="gate-title">
          <h1 id="gate-title" class="panel-title">
            {title}
          </h1>
          {children}
        </section>
      </main>
    </div>
  );
}
