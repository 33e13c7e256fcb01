// Tenant-wide admin consent: GET /{tenant}/adminconsent?client_id&redirect_uri&state (the older form)
// and /{tenant}/v2.0/adminconsent?client_id&scope=https://graph.microsoft.com/.default&redirect_uri&state.
// A global administrator signs in and accepts; the app's application permissions (APP_ROLES) are then
// granted and client credentials work. Success redirects with `admin_consent=True&tenant&state`
// (plus `scope` on the v2 form); a refusal with `error=access_denied`. `sim_consent=accept|cancel`
// (with `sim_user` naming an administrator; default the first one) skips the page for tests. Accepting
// signs the administrator in to the simulated browser session (sso.ts).
import express, { Router, type Request, type Response } from 'express';
import { APP_ROLES, type DirUser } from '../directory.ts';
import { param, redirectUriAllowed, tenantSegment, type IdentityContext } from './context.ts';
import { sendConsentPage } from './consent-page.ts';
import { rememberSignIn } from './sso.ts';
import { errorPage } from './errors.ts';
import { GRAPH_RESOURCE } from './scopes.ts';

function stringParams(source: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof source === 'object' && source !== null) for (const [k, v] of Object.entries(source)) if (typeof v === 'string') out[k] = v;
  return out;
}

function handle(ctx: IdentityContext, v2: boolean, req: Request, res: Response, p: Record<string, string>, decision: string | undefined, userRef: string | undefined): void {
  const segment = tenantSegment(req);
  if (!ctx.dir.knowsTenant(segment)) return void res.status(400).type('html').send(errorPage(90002, `Tenant '${segment}' not found.`));
  const clientId = p.client_id ?? '';
  if (clientId !== ctx.dir.app.clientId) {
    return void res.status(400).type('html').send(errorPage(700016, `Application with identifier '${clientId}' was not found in the directory '${ctx.dir.tenantName}'.`));
  }
  const redirectUri = p.redirect_uri ?? '';
  if (!redirectUriAllowed(ctx.dir.app, redirectUri)) {
    return void res.status(400).type('html').send(errorPage(50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`));
  }
  const back = (fields: Record<string, string>) => {
    const url = new URL(redirectUri);
    for (const [k, val] of Object.entries({ ...fields, ...(p.state !== undefined ? { state: p.state } : {}) })) url.searchParams.set(k, val);
    res.redirect(302, url.href);
  };
  if (v2) {
    const scopes = (p.scope ?? '').split(/\s+/).filter(Boolean);
    if (!scopes.length || !scopes.every((s) => s.toLowerCase() === `${GRAPH_RESOURCE}/.default`)) {
      return back({ error: 'invalid_request', error_description: `AADSTS70011: The provided value for the input parameter 'scope' is not valid. Use ${GRAPH_RESOURCE}/.default.` });
    }
  }
  if (decision === 'cancel') return back({ error: 'access_denied', error_description: 'AADSTS65004: User declined to consent to access the app.' });
  const admins = ctx.dir.users.filter((u) => u.isAdmin);
  const user: DirUser | undefined = userRef ? ctx.dir.user(userRef) : decision === 'accept' && p.sim_consent ? admins[0] : undefined;
  if (decision === 'accept' && user) {
    if (!user.isAdmin) {
      return back({ error: 'access_denied', error_description: 'AADSTS90094: The grant requires admin permission.' });
    }
    ctx.dir.grantAdminConsent(user.id);
    rememberSignIn(res, user);
    return back({ admin_consent: 'True', tenant: ctx.dir.tenantId, ...(v2 ? { scope: `${GRAPH_RESOURCE}/.default` } : {}) });
  }
  sendConsentPage(res, {
    heading: 'Permissions requested for your organization',
    appName: ctx.dir.app.displayName,
    action: req.originalUrl.split('?')[0] ?? '',
    params: p,
    users: ctx.dir.users.filter((u) => !u.bulk),
    selectedUserId: user?.id ?? admins[0]?.id ?? null,
    permissions: APP_ROLES.map((r) => `${r} (application, all mailboxes)`),
    notice: decision === 'accept' ? 'Choose an administrator account.' : undefined,
  });
}

export function adminConsentRoutes(ctx: IdentityContext): Router {
  const r = Router();
  for (const [path, v2] of [['/:tenant/adminconsent', false], ['/:tenant/v2.0/adminconsent', true]] as const) {
    r.get(path, (req, res) => {
      const p = stringParams(req.query);
      const auto = p.sim_consent === 'accept' ? 'accept' : p.sim_consent === 'cancel' ? 'cancel' : undefined;
      handle(ctx, v2, req, res, p, auto, param(req.query, 'sim_user'));
    });
    r.post(path, express.urlencoded({ extended: false, limit: '64kb' }), (req, res) => {
      handle(ctx, v2, req, res, stringParams(req.body), param(req.body, 'decision'), param(req.body, 'user'));
    });
  }
  return r;
}
