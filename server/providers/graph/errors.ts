// Graph and Microsoft sign-in failures in the sync engine's terms (graph-ews spec 1.1, 2.2, 3, 5.1;
// learn.microsoft.com/graph/errors). Pure: client.ts hands in what an answer said (status, error
// code, Retry-After), for whole responses and for `$batch` members alike, or the error msal threw.
import { AuthorizationRevoked, CursorExpired, NotFound, PreconditionFailed, RateLimited, SyncError, Transient } from '../../sync/errors.ts';

/** The user has no Exchange Online mailbox: nothing to sync until their licence includes one. */
export class MailboxNotEnabled extends AuthorizationRevoked {
  override readonly reconnectHelps = false;
  constructor(mailbox: string | undefined, options?: ErrorOptions) {
    super(
      `Microsoft 365 has no calendar for ${mailbox ?? 'this user'}: this user's Microsoft 365 plan has no Exchange Online mailbox ` +
        '(MailboxNotEnabledForRESTAPI). Assign a licence that includes Exchange Online, or unlink the user.',
      options,
    );
    // The base class pins `name` to its own; the engine still sees an AuthorizationRevoked.
    (this as { name: string }).name = 'MailboxNotEnabled';
  }
}

/** Graph refused the request as such (400 and the like): sending it again unchanged will not help. */
export class GraphRejected extends Error {
  override readonly name = 'GraphRejected';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly graphMessage: string,
  ) {
    super(`Microsoft Graph refused the request (${status}${code ? ` ${code}` : ''}): ${graphMessage || 'no message'}`);
  }
}

/** What a Graph answer said, as far as classification needs it. `status` <= 0: no answer at all. */
export interface GraphFailure {
  status: number;
  code?: string | null;
  message?: string | null;
  /** The Retry-After header as sent (seconds or an HTTP date). */
  retryAfter?: string | null;
}

export interface FailureContext {
  /** The item the request was about: 404 makes it NotFound, 409/412 PreconditionFailed. */
  itemId?: string;
  /** A delta read: an expired sync state is CursorExpired. */
  delta?: boolean;
  mailbox?: string;
  now?: number;
}

/** Used when Graph throttles without saying for how long (it should not). */
const DEFAULT_RETRY_AFTER_MS = 30_000;

/** Retry-After (delta-seconds or an HTTP date) in ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  const v = (value ?? '').trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return v && !Number.isNaN(at) ? Math.max(0, at - now) : undefined;
}

const DELTA_RESET = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid']);
const NO_MAILBOX = new Set(['mailboxnotenabledforrestapi', 'mailboxnotsupportedforrestapi']);
const NO_USER = new Set(['errorinvaliduser', 'errornonexistentmailbox', 'request_resourcenotfound']);

export function classifyGraphFailure(f: GraphFailure, ctx: FailureContext = {}): Error {
  const code = f.code ?? '';
  const lower = code.toLowerCase();
  const said = `${code || `HTTP ${f.status}`}${f.message ? `: ${f.message}` : ''}`;
  const status = f.status;
  if (status <= 0) return new Transient(`Microsoft Graph did not answer: ${f.message ?? 'network error'}`);
  if (ctx.delta && (status === 410 || DELTA_RESET.has(lower))) return new CursorExpired(`Graph no longer accepts the delta token (${said})`);
  const wait = retryAfterMs(f.retryAfter, ctx.now);
  if (status === 429) return new RateLimited(wait ?? DEFAULT_RETRY_AFTER_MS, `Microsoft Graph throttled the mailbox (${said})`);
  if ((status === 503 || status === 504) && wait !== undefined) return new RateLimited(wait, `Microsoft Graph is busy (${said})`);
  if (status >= 500 || status === 408) return new Transient(`Microsoft Graph failed (${status}): ${said}`);
  // The code decides, not the status: 404 is what is reported, but no document fixes it, and a
  // 400/401/403 carrying this code must not read as a bad request or a withdrawn consent.
  if (status >= 400 && NO_MAILBOX.has(lower)) return new MailboxNotEnabled(ctx.mailbox);
  if (status === 401) return new AuthorizationRevoked(`Microsoft 365 refused the app's access token (${said})`);
  if (status === 403) {
    if (lower === 'erroraccessdenied') {
      return new AuthorizationRevoked(
        `Microsoft 365 denied access to ${ctx.mailbox ?? 'the mailbox'} (${said}): the app's calendar permission was withdrawn, ` +
          'or an application access policy leaves this mailbox out.',
      );
    }
    return new AuthorizationRevoked(`Microsoft 365 refused the request (${said})`);
  }
  // Only about the mailbox a side works on; a directory lookup of a missing user is a plain 404.
  if (status === 404 && NO_USER.has(lower) && ctx.mailbox) return new AuthorizationRevoked(`Microsoft 365 has no user ${ctx.mailbox} any more (${said})`);
  if ((status === 404 || status === 410) && ctx.itemId) return new NotFound(ctx.itemId);
  if ((status === 412 || (status === 409 && lower === 'errorirresolvableconflict')) && ctx.itemId) return new PreconditionFailed(ctx.itemId);
  return new GraphRejected(status, code, f.message ?? '');
}

// Sign-in errors (AADSTS codes) worth a sentence of their own; the rest show Microsoft's text.
const AADSTS: Record<string, string> = {
  '50020': "the user's account comes from an identity provider this tenant does not accept",
  '50034': 'the user does not exist in this tenant',
  '50053': 'the account is locked',
  '50057': 'the user account is disabled',
  '50076': 'multi-factor authentication is required',
  '50079': 'multi-factor authentication is required',
  '50173': 'the sign-in was revoked (a password change or an administrator): the user has to connect again',
  '53003': 'a conditional access policy blocked the sign-in',
  '65001': 'the app has no consent in this tenant: an administrator has to grant it',
  '65004': 'the user declined consent',
  '70008': 'the sign-in expired: the user has to connect again',
  '90002': 'the tenant does not exist',
  '90094': 'an administrator has to grant consent',
  '500011': 'Microsoft Graph is missing from this tenant',
  '700016': 'the app is unknown in this tenant: an administrator has to grant consent (or the tenant id is wrong)',
  '700082': 'the sign-in expired after a long time unused: the user has to connect again',
  '7000112': 'the app is disabled in this tenant',
  '7000215': "the app's client secret is wrong",
  '7000222': "the app's client secret has expired: create a new one in the app registration",
};

interface AuthErrorLike {
  name?: string;
  errorCode?: string;
  errorMessage?: string;
  subError?: string;
  status?: number;
  message?: string;
}

/** A readable reason for a refused sign-in, naming the AADSTS code when Microsoft sent one. */
function signInReason(e: AuthErrorLike): string {
  const all = `${e.errorMessage ?? ''} ${e.message ?? ''}`;
  const m = /AADSTS(\d+):?\s*([^\r\n]*?)(?:\.\s|\r|\n|$)/.exec(all);
  if (m) return `Microsoft 365 refused the sign-in: ${AADSTS[m[1]!] ?? (m[2]?.trim() || 'no description')} (AADSTS${m[1]})`;
  const what = e.subError || e.errorCode || e.name || 'error';
  return `Microsoft 365 refused the sign-in (${what})${e.errorMessage ? `: ${e.errorMessage.split(/\r?\n| - /)[0]}` : ''}`;
}

/**
 * The engine's error for a failed token request: `blockedUntil` is when the token endpoint lets us
 * in again after a 429/5xx (msal refuses to ask before then anyway).
 */
export function classifyAuthFailure(err: unknown, blockedUntil = 0, now = Date.now()): SyncError {
  if (err instanceof SyncError) return err;
  if (blockedUntil > now) return Object.assign(new RateLimited(blockedUntil - now, 'Microsoft sign-in is throttling or unavailable'), { cause: err });
  const e = (err ?? {}) as AuthErrorLike;
  const code = (e.errorCode ?? '').toLowerCase();
  if (code === 'network_error' || code === 'temporarily_unavailable' || (e.status !== undefined && e.status >= 500)) {
    return new Transient(`Microsoft sign-in did not answer: ${e.errorMessage || e.message || code}`, { cause: err });
  }
  if (typeof e.errorCode === 'string') return new AuthorizationRevoked(signInReason(e), { cause: err });
  return new Transient(`Microsoft sign-in failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
