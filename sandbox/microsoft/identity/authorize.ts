// GET/POST /{tenant}/oauth2/v2.0/authorize: the delegated (per-user) consent of the auth code flow.
// GET validates what msal's getAuthCodeUrl sends and shows the consent page; its form POSTs back here.
// Tests skip the page with `sim_consent=accept|cancel` (and `sim_user` or `login_hint` naming the
// account), which msal passes through as extraQueryParameters.
//
// Success redirects to `redirect_uri?code&state&client_info&session_state`; a refusal to
// `?error=access_denied&error_description=AADSTS65004...&state`. An unknown client or a redirect URI
// that is not registered gets an error page instead of a redirect, as Entra does.
import { randomBytes, randomUUID } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type { DirUser } from '../directory.ts';
import { param, redirectUriAllowed, tenantSegment, type IdentityContext } from './context.ts';
import { sendConsentPage } from './consent-page.ts';
import { errorPage, esc } from './errors.ts';
import { parseScopes } from './scopes.ts';
import { rememberSignIn, silentUser } from './sso.ts';
import { clientInfo } from './tokens.ts';

type Outcome = { page: string } | { redirect: Record<string, string> } | { consent: { scopes: string[] } };

function fail(code: number, error: string, message: string): Outcome {
  return { redirect: { error, error_description: `AADSTS${code}: ${message}` } };
}

/** Checks an authorize request; the same for the GET that shows the page and the POST that answers it. */
function validate(ctx: IdentityContext, segment: string, p: Record<string, string>): Outcome {
  if (!ctx.dir.knowsTenant(segment)) return { page: errorPage(90002, `Tenant '${segment}' not found.`) };
  const clientId = p.client_id ?? '';
  if (clientId !== ctx.dir.app.clientId) {
    return { page: errorPage(700016, `Application with identifier '${clientId}' was not found in the directory '${ctx.dir.tenantName}'.`) };
  }
  const redirectUri = p.redirect_uri ?? '';
  if (!redirectUriAllowed(ctx.dir.app, redirectUri)) {
    return { page: errorPage(50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`) };
  }
  if (!(p.response_type ?? '').split(' ').includes('code')) {
    return fail(700054, 'unsupported_response_type', "response_type 'code' is required here.");
  }
  const scopes = parseScopes(p.scope ?? '');
  if (scopes.invalid.length) return fail(70011, 'invalid_scope', `The provided value for the input parameter 'scope' is not valid. The scope '${scopes.invalid.join(' ')}' does not exist.`);
  if (!scopes.graph.length && !scopes.isDefault && !scopes.oidc.length) return fail(900144, 'invalid_request', "The request body must contain the following parameter: 'scope'.");
  const method = p.code_challenge_method ?? (p.code_challenge ? 'plain' : undefined);
  if (method !== undefined && method !== 'S256' && method !== 'plain') return fail(501491, 'invalid_request', `Invalid code_challenge_method '${method}'.`);
  if (p.prompt === 'none') return fail(50058, 'login_required', 'A silent sign-in request was sent but no user is signed in.');
  // `.default` for a delegated flow means every permission the app lists; ours lists these.
  const graph = scopes.isDefault ? ['Calendars.ReadWrite', 'User.Read'] : scopes.graph;
  return { consent: { scopes: [...graph, ...scopes.oidc, ...(scopes.offline ? ['offline_access'] : [])] } };
}

function redirectTo(res: Response, p: Record<string, string>, fields: Record<string, string>): void {
  const url = new URL(p.redirect_uri ?? '');
  const all = { ...fields, ...(p.state !== undefined ? { state: p.state } : {}) };
  if (p.response_mode === 'fragment') {
    url.hash = new URLSearchParams(all).toString();
  } else if (p.response_mode === 'form_post') {
    // Entra auto-submits this with a script; without one a person presses the button.
    const inputs = Object.entries(all).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
    res.type('html').send(`<!doctype html><form method="post" action="${esc(url.href)}">${inputs}<button>Continue</button></form>`);
    return;
  } else {
    for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
  }
  res.redirect(302, url.href);
}

function issueCode(ctx: IdentityContext, p: Record<string, string>, user: DirUser, scopes: string[]): string {
  const code = `1.A${randomBytes(48).toString('base64url')}`;
  ctx.dir.codes.set(code, {
    clientId: p.client_id ?? '',
    redirectUri: p.redirect_uri ?? '',
    userId: user.id,
    scopes,
    codeChallenge: p.code_challenge ?? null,
    codeChallengeMethod: p.code_challenge_method === 'S256' ? 'S256' : 'plain',
    nonce: p.nonce ?? null,
    expiresAt: ctx.dir.now() + ctx.settings.authCodeLifetimeS * 1000,
  });
  ctx.dir.consentUser(user.id, scopes.filter((s) => !['openid', 'profile', 'email'].includes(s)));
  return code;
}

function stringParams(source: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof source !== 'object' || source === null) return out;
  for (const [k, v] of Object.entries(source)) if (typeof v === 'string') out[k] = v;
  return out;
}

function pageUsers(ctx: IdentityContext, selected: DirUser | undefined): DirUser[] {
  const users = ctx.dir.users.filter((u) => !u.bulk);
  return selected && !users.includes(selected) ? [...users, selected] : users;
}

function handle(ctx: IdentityContext, req: Request, res: Response, p: Record<string, string>, decision: string | undefined, userRef: string | undefined): void {
  const v = validate(ctx, tenantSegment(req), p);
  if ('page' in v) return void res.status(400).type('html').send(v.page);
  if ('redirect' in v) return redirectTo(res, p, v.redirect);
  const silent = decision === undefined && !userRef ? silentUser(ctx, req, v.consent.scopes, p.prompt) : undefined;
  const user = userRef ? ctx.dir.user(userRef) : silent;
  if (decision === 'cancel') {
    return redirectTo(res, p, { error: 'access_denied', error_description: 'AADSTS65004: User declined to consent to access the app.' });
  }
  if ((decision === 'accept' || silent) && user) {
    const code = issueCode(ctx, p, user, v.consent.scopes);
    rememberSignIn(res, user);
    return redirectTo(res, p, { code, client_info: clientInfo(ctx.dir, user), session_state: randomUUID() });
  }
  sendConsentPage(res, {
    heading: 'Permissions requested',
    appName: ctx.dir.app.displayName,
    action: req.originalUrl.split('?')[0] ?? '',
    params: p,
    users: pageUsers(ctx, user),
    selectedUserId: user?.id ?? null,
    permissions: v.consent.scopes,
    notice: decision === 'accept' ? 'Choose the account to sign in with.' : undefined,
  });
}

export function authorizeRoutes(ctx: IdentityContext): Router {
  const r = Router();
  r.get('/:tenant/oauth2/v2.0/authorize', (req, res) => {
    const p = stringParams(req.query);
    const auto = p.sim_consent === 'accept' ? 'accept' : p.sim_consent === 'cancel' ? 'cancel' : undefined;
    handle(ctx, req, res, p, auto, param(req.query, 'sim_user') ?? param(req.query, 'login_hint'));
  });
  r.post('/:tenant/oauth2/v2.0/authorize', express.urlencoded({ extended: false, limit: '64kb' }), (req, res) => {
    const p = stringParams(req.body);
    handle(ctx, req, res, p, param(req.body, 'decision'), param(req.body, 'user'));
  });
  return r;
}
