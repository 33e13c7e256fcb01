// Panel sign-in and sessions (docs/panel-api.md, "Signing in"). The panels are framed inside
// SuperOffice, whose identity pages refuse frames, so a panel opens GET /panel-auth/start in a
// popup; GET /panel-auth/callback checks that the id_token's tenant and associate are the ones the
// panel URL named, makes an unclaimed session and answers a page that passes its one-time hand-off
// code to the panel (its opener) and closes. The framed panel then claims the code with
// POST /panel-auth/claim, whose answer sets the cookie `cs_session_<ctx>`: set by a response to the
// frame's own request and Partitioned, it is kept even by browsers that block third-party cookies
// (a cookie set in the popup, a first-party window, would be third-party inside SuperOffice's frame).
// Everything under /api/panel then needs that session, and every changing request its CSRF token.
//
// What the sign-in pages must not tell a stranger: whether Calendar Sync is installed for a
// customer. The start therefore sends every well-formed request to SuperOffice's sign-in; only the
// callback, once the id_token proves who signed in, says "not installed". And nothing the query
// carries is shown as it came: an error from SuperOffice is shown as its known code in our words,
// and its error_description only logged.
//
// The administrator flag of a session is trusted only while SuperOffice's last confirmation of it
// is fresh (server/panel/sessions.ts); a request that needs it after that asks SuperOffice again
// (AdministratorCheck) and, when SuperOffice cannot be asked, refuses: never admin on a failure.
import { Router, type RequestHandler, type Response } from 'express';
import type { Db } from '../db/knex.ts';
import { savePendingLogin, takePendingLogin } from '../db/pending-logins.ts';
import type { AdministratorCheck } from '../panel/administrator-check.ts';
import {
  adminCheckDue, claimSession, createPendingSession, csrfMatches, csrfTokenOf, deleteSession, findSession, isInstalled, touchSession, type PanelSession,
} from '../panel/sessions.ts';
import type { Keyring } from '../security/secrets.ts';
import { InvalidSuperOfficeToken } from '../superoffice/errors.ts';
import type { SuperOfficeKeys } from '../superoffice/jwks.ts';
import { authorizeRequest, exchangeCode, OidcError, type OidcSettings } from '../superoffice/oidc.ts';
import { HttpError } from './errors.ts';
import { keepOpener, popupResultScript, sendPopupResult } from './popup-result.ts';
import { providerErrorText } from './provider-error-text.ts';
import { adminRefusal, confirmAdministrator, type AdminDeps, type AdminState } from './panel-admin.ts';
import { clearSessionCookie, sessionTokensOf, setSessionCookie } from './session-cookie.ts';

const PANEL_AUTH_START = '/panel-auth/start';
const PANEL_AUTH_CALLBACK = '/panel-auth/callback';
const PANEL_AUTH_CLAIM = '/panel-auth/claim';

const CTX_RE = /^[A-Za-z0-9_-]{1,64}$/;
const ASSOC_RE = /^[1-9][0-9]{0,9}$/;
/** A hand-off code: 32 random bytes, base64url. */
const CODE_RE = /^[A-Za-z0-9_-]{43}$/;

export interface PanelAuthDeps {
  db: Db;
  keyring: Keyring;
  keys: SuperOfficeKeys;
  /** The app's SuperOffice OIDC settings; the redirect URI is replaced by `${publicUrl}/panel-auth/callback`. */
  oidc: OidcSettings;
  /** The app's public URL: the callback hangs off it, and its origin is the only one changing requests may come from. */
  publicUrl: string;
  fetch?: typeof fetch;
  /**
   * Asks SuperOffice whether a user is still an administrator. Without it a session's administrator
   * flag counts only until its sign-in's confirmation is ADMIN_RECHECK_MS old.
   */
  administrators?: AdministratorCheck;
}

/** What every /api/panel handler reads from res.locals.panel. */
interface PanelLocals {
  sessionId: string;
  tenantId: string;
  contextIdentifier: string;
  associateId: number;
  isAdministrator: boolean;
}

const q = (v: unknown) => (typeof v === 'string' ? v : undefined);
const publicOrigin = (publicUrl: string) => new URL(publicUrl).origin;

class SignInRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The popup's answer (popup-result.ts); `code`: after a sign-in, the one-time hand-off code the panel claims the session with. */
function resultPage(res: Response, publicUrl: string, status: number, title: string, message: string, code?: string): void {
  sendPopupResult(res, publicUrl, { status, title, message, type: code ? 'signed-in' : 'sign-in-failed', ...(code ? { code } : {}) });
}

export function panelAuthRouter(deps: PanelAuthDeps): Router {
  const oidc: OidcSettings = { ...deps.oidc, redirectUri: `${deps.publicUrl.replace(/\/$/, '')}${PANEL_AUTH_CALLBACK}` };
  const tenantRow = (ctx: string) => deps.db('tenants').where({ context_identifier: ctx }).first('id', 'name', 'installation_state');
  const r = Router();
  // Every answer here lands in the popup, which must keep its window.opener to tell the panel.
  r.use('/panel-auth', keepOpener);
  r.use(popupResultScript());

  r.get(PANEL_AUTH_START, async (req, res) => {
    const ctx = q(req.query.ctx);
    const assoc = q(req.query.assoc);
    if (!ctx || !CTX_RE.test(ctx) || !assoc || !ASSOC_RE.test(assoc)) {
      req.log.warn({ code: 'bad_request' }, 'panel sign-in refused');
      resultPage(res, deps.publicUrl, 400, 'Sign-in could not start', 'This sign-in link does not name a SuperOffice customer and user. Open the panel from SuperOffice and sign in there.');
      return;
    }
    // Installed or not, the same redirect: the callback tells, to whoever proves to be a user there.
    const a = authorizeRequest(oidc, { contextIdentifier: ctx });
    await savePendingLogin(deps.db, deps.keyring, { state: a.state, purpose: 'panel', contextIdentifier: `${ctx}:${assoc}`, nonce: a.nonce, codeVerifier: a.codeVerifier });
    res.redirect(302, a.url);
  });

  r.get(PANEL_AUTH_CALLBACK, async (req, res) => {
    try {
      const state = q(req.query.state);
      const pending = state ? await takePendingLogin(deps.db, deps.keyring, state, 'panel') : undefined;
      if (!pending?.contextIdentifier) throw new SignInRefused('unknown_state', 'This sign-in has expired or was already used. Close this window and sign in again from the panel.');
      const [ctx = '', assocText = ''] = pending.contextIdentifier.split(':');
      const error = q(req.query.error);
      if (error) {
        // Anyone can send a browser here with any error_description: it is logged, never shown.
        req.log.warn({ code: error.slice(0, 100), description: q(req.query.error_description)?.slice(0, 500) }, 'panel sign-in: SuperOffice answered with an error');
        throw new SignInRefused('provider_error', providerErrorText(error));
      }
      const code = q(req.query.code);
      if (!code) throw new SignInRefused('no_code', 'SuperOffice did not send an authorization code.');
      let who;
      try {
        who = await exchangeCode(oidc, deps.keys, { code, codeVerifier: pending.codeVerifier, nonce: pending.nonce }, deps.fetch);
      } catch (err) {
        if (err instanceof OidcError) throw new SignInRefused(err.code, `SuperOffice refused the sign-in: ${err.message}`);
        if (err instanceof InvalidSuperOfficeToken) throw new SignInRefused('invalid_token', `SuperOffice's answer could not be verified: ${err.message}`);
        throw err;
      }
      if (who.contextIdentifier !== ctx || who.associateId !== Number(assocText)) {
        throw new SignInRefused(
          'wrong_user',
          `You signed in as user ${who.associateId} of ${who.contextIdentifier}, but this panel belongs to user ${assocText} of ${ctx}. Sign in as the SuperOffice user the panel was opened for.`,
        );
      }
      const tenant = await tenantRow(ctx);
      if (!tenant || !isInstalled(tenant.installation_state as string)) {
        throw new SignInRefused('not_installed', `Calendar Sync is not installed for ${ctx}. Ask your SuperOffice administrator to install it.`);
      }
      const userName = [who.firstName, who.lastName].filter(Boolean).join(' ') || null;
      const pendingSession = await createPendingSession(deps.db, deps.keyring, { tenantId: tenant.id as string, associateId: who.associateId, isAdministrator: who.isAdministrator, userName });
      req.log.info({ tenant: ctx, associateId: who.associateId, isAdministrator: who.isAdministrator, sessionId: pendingSession.id }, 'panel sign-in verified, waiting for the panel\'s claim');
      resultPage(res, deps.publicUrl, 200, 'Signed in', `You are signed in to Calendar Sync for ${tenant.name ?? ctx}.`, pendingSession.code);
    } catch (err) {
      if (err instanceof SignInRefused) {
        req.log.warn({ code: err.code, reason: err.message }, 'panel sign-in refused');
        resultPage(res, deps.publicUrl, 400, 'You are not signed in', err.message);
        return;
      }
      req.log.error({ err }, 'panel sign-in failed');
      resultPage(res, deps.publicUrl, 500, 'You are not signed in', `Something went wrong on our side; the error was logged (request ${String(req.id)}). Try again in a moment.`);
    }
  });

  // The framed panel's own request, so the cookie its answer sets belongs to the frame's partition.
  // No session yet, so no CSRF token: the code is the secret, the Origin must be ours when sent,
  // and the JSON body and X-Panel-* headers make any other site's request a refused preflight.
  const origin = publicOrigin(deps.publicUrl);
  r.post(PANEL_AUTH_CLAIM, async (req, res) => {
    res.set('cache-control', 'no-store');
    const given = req.get('origin');
    if (given !== undefined && given !== origin) {
      throw new HttpError(403, 'csrf', 'This sign-in came from another web site and was refused. Sign in from the Calendar Sync panel in SuperOffice.');
    }
    const ctx = req.get('x-panel-context');
    const assoc = req.get('x-panel-associate');
    if (!ctx || !CTX_RE.test(ctx) || !assoc || !ASSOC_RE.test(assoc)) {
      throw new HttpError(400, 'invalid_code', 'The request does not say which SuperOffice customer and user the panel is for. Open the panel from SuperOffice and sign in there.');
    }
    // JSON only: a form post, which another site can send without a preflight, is no claim.
    const code: unknown = req.is('application/json') ? (req.body as { code?: unknown } | undefined)?.code : undefined;
    if (typeof code !== 'string' || !CODE_RE.test(code)) throw new HttpError(400, 'invalid_code', 'The sign-in window sent no valid sign-in code. Sign in again.');
    const claimed = await claimSession(deps.db, code, { contextIdentifier: ctx, associateId: Number(assoc) });
    if (!claimed.ok) {
      throw new HttpError(
        400,
        'invalid_code',
        claimed.reason === 'wrong_user'
          ? 'This sign-in was for another SuperOffice user than this panel is for. Sign in again from this panel.'
          : 'The sign-in took too long or was already used. Sign in again.',
      );
    }
    setSessionCookie(res, ctx, claimed.token);
    req.log.info({ tenant: ctx, associateId: Number(assoc), sessionId: claimed.sessionId }, 'panel user signed in');
    res.status(204).end();
  });
  return r;
}

// The verified session of the request, for this file's own routes (res.locals.panel is what others
// read), with what confirming its administrator flag needs; that answer is asked once per request.
interface RequestSession {
  session: PanelSession;
  deps: AdminDeps;
  admin?: Promise<AdminState>;
}
const sessions = new WeakMap<Response, RequestSession>();

function adminStateOf(req: Parameters<RequestHandler>[0], res: Response): Promise<AdminState> {
  const s = sessions.get(res);
  if (!s) return Promise.resolve('never');
  s.admin ??= confirmAdministrator(s.deps, req, s.session).then((state) => {
    (res.locals.panel as PanelLocals).isAdministrator = state === 'confirmed';
    return state;
  });
  return s.admin;
}
const signedOut = (message: string) => new HttpError(401, 'signed_out', message);

/** 401 signed_out unless the request carries the cookie of a live session for the tenant and user its X-Panel-* headers name. */
export function requirePanelSession(deps: Pick<PanelAuthDeps, 'db' | 'administrators'>): RequestHandler {
  return async (req, res, next) => {
    res.set('cache-control', 'no-store');
    const ctx = req.get('x-panel-context');
    const assoc = req.get('x-panel-associate');
    if (!ctx || !CTX_RE.test(ctx) || !assoc || !ASSOC_RE.test(assoc)) {
      throw signedOut('The request does not say which SuperOffice customer and user the panel is for. Open the panel from SuperOffice.');
    }
    const tokens = sessionTokensOf(req, ctx);
    if (tokens.length === 0) throw signedOut('You are not signed in. Sign in with SuperOffice.');
    let token: string | undefined;
    let session: PanelSession | undefined;
    for (const candidate of tokens) {
      session = await findSession(deps.db, candidate, ctx);
      if (session) {
        token = candidate;
        break;
      }
    }
    if (!session || !token) throw signedOut('Your sign-in has expired. Sign in with SuperOffice again.');
    if (session.associateId !== Number(assoc)) throw signedOut('You are signed in as another SuperOffice user than this panel is for. Sign in again.');
    const expiresAt = await touchSession(deps.db, session);
    if (expiresAt) {
      session.expiresAt = expiresAt;
      setSessionCookie(res, ctx, token);
    }
    sessions.set(res, { session, deps });
    const panel: PanelLocals = {
      sessionId: session.id,
      tenantId: session.tenantId,
      contextIdentifier: session.contextIdentifier,
      associateId: session.associateId,
      // A flag SuperOffice has not confirmed lately counts for nothing until requireAdministrator
      // (or GET session) has asked again.
      isAdministrator: session.isAdministrator && !adminCheckDue(session),
    };
    res.locals.panel = panel;
    next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** After requirePanelSession: a changing request needs the session's X-CSRF-Token, and an Origin, when sent, of the app's own. */
export function requirePanelCsrf(deps: Pick<PanelAuthDeps, 'keyring' | 'publicUrl'>): RequestHandler {
  const origin = publicOrigin(deps.publicUrl);
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const given = req.get('origin');
    if (given !== undefined && given !== origin) {
      throw new HttpError(403, 'csrf', 'This request came from another web site and was refused. Use Calendar Sync from its panel in SuperOffice.');
    }
    const session = sessions.get(res)?.session;
    if (!session) throw signedOut('You are not signed in. Sign in with SuperOffice.');
    if (!csrfMatches(deps.keyring, session, req.get('x-csrf-token'))) {
      throw new HttpError(403, 'csrf', 'The request lacks the security token of your sign-in. Reload the panel and try again.');
    }
    next();
  };
}

/**
 * After requirePanelSession: 403 not_administrator for everyone but SuperOffice administrators,
 * confirmed with SuperOffice when the session's last confirmation is stale (panel-admin.ts).
 */
export const requireAdministrator: RequestHandler = async (req, res, next) => {
  const state = await adminStateOf(req, res);
  if (state !== 'confirmed') throw adminRefusal(state);
  next();
};

/**
 * Everything under /api/panel: the session and CSRF checks, GET session and POST sign-out, then
 * `api` (server/panel-api's router; its administrator routes sit behind requireAdministrator, and
 * check the flag themselves as well).
 */
export function panelApiMount(deps: Pick<PanelAuthDeps, 'db' | 'keyring' | 'publicUrl' | 'administrators'>, api: Router): Router {
  const r = Router();
  const own = Router();
  own.get('/session', async (req, res) => {
    const { session } = sessions.get(res)!;
    // Asked here too, so a demoted administrator's panel learns it and stops offering settings; a
    // failed check keeps the flag shown (the actions themselves are refused meanwhile).
    await adminStateOf(req, res);
    res.json({
      contextIdentifier: session.contextIdentifier,
      tenantName: session.tenantName,
      associateId: session.associateId,
      userName: session.userName,
      isAdministrator: session.isAdministrator,
      csrfToken: csrfTokenOf(deps.keyring, session),
      expiresAt: session.expiresAt.toISOString(),
    });
  });
  own.post('/sign-out', async (req, res) => {
    const { session } = sessions.get(res)!;
    await deleteSession(deps.db, session);
    clearSessionCookie(res, session.contextIdentifier);
    req.log.info({ tenant: session.contextIdentifier, associateId: session.associateId }, 'panel user signed out');
    res.status(204).end();
  });
  r.use('/api/panel', requirePanelSession(deps), requirePanelCsrf(deps), own);
  r.use('/api/panel/admin', requireAdministrator);
  r.use('/api/panel', api);
  return r;
}
