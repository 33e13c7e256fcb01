// Panel sign-in and sessions (docs/panel-api.md, "Signing in"). The panels are framed inside
// SuperOffice, whose identity pages refuse frames, so a panel opens GET /panel-auth/start in a
// popup; GET /panel-auth/callback checks that the id_token's tenant and associate are the ones the
// panel URL named, sets the cookie `cs_session_<ctx>` and answers a page that tells the panel (its
// opener) and closes. Everything under /api/panel then needs that session, and every changing
// request its CSRF token.
import { Router, type RequestHandler, type Response } from 'express';
import type { Db } from '../db/knex.ts';
import { savePendingLogin, takePendingLogin } from '../db/pending-logins.ts';
import { createSession, csrfMatches, csrfTokenOf, deleteSession, findSession, isInstalled, SESSION_TTL_MS, touchSession, type PanelSession } from '../panel/sessions.ts';
import type { Keyring } from '../security/secrets.ts';
import { InvalidSuperOfficeToken } from '../superoffice/errors.ts';
import type { SuperOfficeKeys } from '../superoffice/jwks.ts';
import { authorizeRequest, exchangeCode, OidcError, type OidcSettings } from '../superoffice/oidc.ts';
import { HttpError } from './errors.ts';
import { htmlPage } from './html-page.ts';

const PANEL_AUTH_START = '/panel-auth/start';
const PANEL_AUTH_CALLBACK = '/panel-auth/callback';
const RESULT_SCRIPT = '/panel-auth/result.js';

const CTX_RE = /^[A-Za-z0-9_-]{1,64}$/;
const ASSOC_RE = /^[1-9][0-9]{0,9}$/;
const NOT_ADMINISTRATOR = 'Only a SuperOffice administrator can change Calendar Sync. Ask your administrator.';

export interface PanelAuthDeps {
  db: Db;
  keyring: Keyring;
  keys: SuperOfficeKeys;
  /** The app's SuperOffice OIDC settings; the redirect URI is replaced by `${publicUrl}/panel-auth/callback`. */
  oidc: OidcSettings;
  /** The app's public URL: the callback hangs off it, and its origin is the only one changing requests may come from. */
  publicUrl: string;
  fetch?: typeof fetch;
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
const cookieName = (ctx: string) => `cs_session_${ctx}`;
const publicOrigin = (publicUrl: string) => new URL(publicUrl).origin;

/** The Cookie header as name -> value; the first of duplicate names wins, as browsers send the most specific first. */
function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!name || out.has(name)) continue;
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      out.set(name, value);
    }
  }
  return out;
}

// SameSite=None because the panel reads it inside SuperOffice's frame (a third-party context);
// Secure is required with it, and browsers accept it from http://localhost in the sandbox.
const COOKIE_OPTIONS = { path: '/', secure: true, httpOnly: true, sameSite: 'none' } as const;

function setSessionCookie(res: Response, ctx: string, token: string): void {
  res.cookie(cookieName(ctx), token, { ...COOKIE_OPTIONS, maxAge: SESSION_TTL_MS });
}

class SignInRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The popup's answer: words for the person, and a same-origin script that tells the panel and closes. */
function resultPage(res: Response, publicUrl: string, status: number, title: string, message: string, ok: boolean): void {
  res
    .status(status)
    .set('cache-control', 'no-store')
    .type('html')
    .send(
      htmlPage(title, [message, 'You can close this window.'], {
        src: RESULT_SCRIPT,
        data: { type: ok ? 'signed-in' : 'sign-in-failed', message, 'target-origin': publicOrigin(publicUrl) },
      }),
    );
}

const RESULT_JS = `(function () {
  var d = document.currentScript.dataset;
  if (!window.opener) return;
  var msg = { source: 'calendar-sync', type: d.type };
  if (d.message) msg.message = d.message;
  try { window.opener.postMessage(msg, d.targetOrigin); } catch (e) { return; }
  setTimeout(function () { window.close(); }, 200);
})();
`;

export function panelAuthRouter(deps: PanelAuthDeps): Router {
  const oidc: OidcSettings = { ...deps.oidc, redirectUri: `${deps.publicUrl.replace(/\/$/, '')}${PANEL_AUTH_CALLBACK}` };
  const tenantRow = (ctx: string) => deps.db('tenants').where({ context_identifier: ctx }).first('id', 'name', 'installation_state');
  const r = Router();
  // Every answer here lands in the popup, which must keep its window.opener to tell the panel. The
  // app's usual COOP (same-origin-allow-popups) on the start's redirect or on the result page, both
  // reached from a document without it, would move the popup to a new browsing context group and
  // sever the opener (chromium applies COOP to redirects too).
  r.use('/panel-auth', (_req, res, next) => {
    res.set('cross-origin-opener-policy', 'unsafe-none');
    next();
  });

  r.get(RESULT_SCRIPT, (_req, res) => {
    res.set('cache-control', 'no-cache').type('text/javascript').send(RESULT_JS);
  });

  r.get(PANEL_AUTH_START, async (req, res) => {
    const ctx = q(req.query.ctx);
    const assoc = q(req.query.assoc);
    if (!ctx || !CTX_RE.test(ctx) || !assoc || !ASSOC_RE.test(assoc)) {
      req.log.warn({ code: 'bad_request' }, 'panel sign-in refused');
      resultPage(res, deps.publicUrl, 400, 'Sign-in could not start', 'This sign-in link does not name a SuperOffice customer and user. Open the panel from SuperOffice and sign in there.', false);
      return;
    }
    const tenant = await tenantRow(ctx);
    if (!tenant || !isInstalled(tenant.installation_state as string)) {
      req.log.warn({ code: 'not_installed', tenant: ctx }, 'panel sign-in refused');
      resultPage(res, deps.publicUrl, 400, 'Calendar Sync is not installed', `Calendar Sync is not installed for ${ctx}. Ask your SuperOffice administrator to install it.`, false);
      return;
    }
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
      if (error) throw new SignInRefused(error, `SuperOffice did not sign you in: ${q(req.query.error_description) || error}.`);
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
      const session = await createSession(deps.db, deps.keyring, { tenantId: tenant.id as string, associateId: who.associateId, isAdministrator: who.isAdministrator, userName });
      setSessionCookie(res, ctx, session.token);
      req.log.info({ tenant: ctx, associateId: who.associateId, isAdministrator: who.isAdministrator, sessionId: session.id }, 'panel user signed in');
      resultPage(res, deps.publicUrl, 200, 'Signed in', `You are signed in to Calendar Sync for ${tenant.name ?? ctx}.`, true);
    } catch (err) {
      if (err instanceof SignInRefused) {
        req.log.warn({ code: err.code, reason: err.message }, 'panel sign-in refused');
        resultPage(res, deps.publicUrl, 400, 'You are not signed in', err.message, false);
        return;
      }
      req.log.error({ err }, 'panel sign-in failed');
      resultPage(res, deps.publicUrl, 500, 'You are not signed in', `Something went wrong on our side; the error was logged (request ${String(req.id)}). Try again in a moment.`, false);
    }
  });
  return r;
}

// The verified session of the request, for this file's own routes (res.locals.panel is what others read).
const sessions = new WeakMap<Response, PanelSession>();
const signedOut = (message: string) => new HttpError(401, 'signed_out', message);

/** 401 signed_out unless the request carries the cookie of a live session for the tenant and user its X-Panel-* headers name. */
export function requirePanelSession(deps: Pick<PanelAuthDeps, 'db'>): RequestHandler {
  return async (req, res, next) => {
    res.set('cache-control', 'no-store');
    const ctx = req.get('x-panel-context');
    const assoc = req.get('x-panel-associate');
    if (!ctx || !CTX_RE.test(ctx) || !assoc || !ASSOC_RE.test(assoc)) {
      throw signedOut('The request does not say which SuperOffice customer and user the panel is for. Open the panel from SuperOffice.');
    }
    const token = parseCookies(req.get('cookie')).get(cookieName(ctx));
    if (!token) throw signedOut('You are not signed in. Sign in with SuperOffice.');
    const session = await findSession(deps.db, token, ctx);
    if (!session) throw signedOut('Your sign-in has expired. Sign in with SuperOffice again.');
    if (session.associateId !== Number(assoc)) throw signedOut('You are signed in as another SuperOffice user than this panel is for. Sign in again.');
    const expiresAt = await touchSession(deps.db, session);
    if (expiresAt) {
      session.expiresAt = expiresAt;
      setSessionCookie(res, ctx, token);
    }
    sessions.set(res, session);
    const panel: PanelLocals = {
      sessionId: session.id,
      tenantId: session.tenantId,
      contextIdentifier: session.contextIdentifier,
      associateId: session.associateId,
      isAdministrator: session.isAdministrator,
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
    const session = sessions.get(res);
    if (!session) throw signedOut('You are not signed in. Sign in with SuperOffice.');
    if (!csrfMatches(deps.keyring, session, req.get('x-csrf-token'))) {
      throw new HttpError(403, 'csrf', 'The request lacks the security token of your sign-in. Reload the panel and try again.');
    }
    next();
  };
}

/** After requirePanelSession: 403 not_administrator for everyone but SuperOffice administrators. */
export const requireAdministrator: RequestHandler = (_req, res, next) => {
  const panel = res.locals.panel as PanelLocals | undefined;
  if (!panel?.isAdministrator) throw new HttpError(403, 'not_administrator', NOT_ADMINISTRATOR);
  next();
};

/**
 * Everything under /api/panel: the session and CSRF checks, GET session and POST sign-out, then
 * `api` (server/panel-api's router; its administrator routes sit behind requireAdministrator).
 */
export function panelApiMount(deps: Pick<PanelAuthDeps, 'db' | 'keyring' | 'publicUrl'>, api: Router): Router {
  const r = Router();
  const own = Router();
  own.get('/session', (_req, res) => {
    const session = sessions.get(res)!;
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
    const session = sessions.get(res)!;
    await deleteSession(deps.db, session);
    res.clearCookie(cookieName(session.contextIdentifier), COOKIE_OPTIONS);
    req.log.info({ tenant: session.contextIdentifier, associateId: session.associateId }, 'panel user signed out');
    res.status(204).end();
  });
  r.use('/api/panel', requirePanelSession(deps), requirePanelCsrf(deps), own, api);
  return r;
}
