// The authorization endpoint (spec §2.2): GET validates the request and shows the sign-in/consent
// page; the page's POST signs the chosen user in and redirects back with a single-use code.
//
// As in OAuth, an unknown client or an unregistered redirect_uri is answered here (400 page) and
// never redirected; every later error goes back to the redirect_uri with `error` and `state`.
import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { RegisteredApp, SuperOfficeStore, Tenant } from '../store.ts';
import { AUTHORIZE_PATH } from './discovery.ts';
import { consentPage, errorPage } from './consent-page.ts';

const PARAMS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'acr_values',
  'login_hint',
] as const;

type Params = Partial<Record<(typeof PARAMS)[number], string>>;

interface Valid {
  app: RegisteredApp;
  params: Params;
  redirectUri: string;
  /** The tenants the user may pick from: the one acr_values names, else all. */
  tenants: Tenant[];
  codeChallengeMethod: 'S256' | 'plain';
}

class RedirectError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

function readParams(source: unknown): Params {
  const p: Params = {};
  const obj = (source ?? {}) as Record<string, unknown>;
  for (const k of PARAMS) if (typeof obj[k] === 'string' && obj[k] !== '') p[k] = obj[k];
  return p;
}

/** Throws a string for a 400 page, a RedirectError for an error redirect. */
function validate(store: SuperOfficeStore, params: Params): Valid {
  const app = params.client_id ? store.apps.get(params.client_id) : undefined;
  if (!app) throw 'Unknown client_id.';
  if (!params.redirect_uri || !app.redirectUris.includes(params.redirect_uri)) {
    throw 'The redirect_uri is not one of the redirect URLs registered for this application.';
  }
  if (params.response_type !== 'code') throw new RedirectError('unsupported_response_type', 'Only response_type=code is supported.');
  if (!(params.scope ?? '').split(' ').includes('openid')) throw new RedirectError('invalid_scope', 'The scope must include openid.');
  if (params.response_mode && !['query', 'fragment', 'form_post'].includes(params.response_mode)) {
    throw new RedirectError('invalid_request', 'Unsupported response_mode.');
  }
  const method = params.code_challenge_method ?? 'plain';
  if (method !== 'S256' && method !== 'plain') throw new RedirectError('invalid_request', 'code_challenge_method must be S256 or plain.');
  if (params.code_challenge && !/^[A-Za-z0-9._~-]{43,128}$/.test(params.code_challenge)) {
    throw new RedirectError('invalid_request', 'Malformed code_challenge.');
  }
  if (params.code_challenge_method && !params.code_challenge) throw new RedirectError('invalid_request', 'code_challenge is missing.');
  let tenants = store.tenants();
  const tenantHint = (params.acr_values ?? '').split(' ').find((v) => v.startsWith('tenant:'));
  if (tenantHint) {
    const tenant = store.tenant(tenantHint.slice('tenant:'.length));
    if (!tenant) throw new RedirectError('invalid_request', 'Unknown tenant in acr_values.');
    tenants = [tenant];
  }
  return { app, params, redirectUri: params.redirect_uri, tenants, codeChallengeMethod: method };
}

function redirectBack(res: Response, v: Valid, values: Record<string, string>): void {
  const all = { ...values, ...(v.params.state !== undefined ? { state: v.params.state } : {}) };
  const mode = v.params.response_mode ?? 'query';
  if (mode === 'form_post') {
    const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    const inputs = Object.entries(all).map(([k, val]) => `<input type="hidden" name="${esc(k)}" value="${esc(val)}">`).join('');
    res.type('html').send(
      `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${esc(v.redirectUri)}">${inputs}` +
        `<noscript><button>Continue</button></noscript></form></body></html>`,
    );
    return;
  }
  const qs = new URLSearchParams(all).toString();
  const url = mode === 'fragment' ? `${v.redirectUri}#${qs}` : `${v.redirectUri}${v.redirectUri.includes('?') ? '&' : '?'}${qs}`;
  res.redirect(302, url);
}

/** The validated request, or undefined when the answer (400 page or error redirect) was already sent. */
function validOrAnswered(res: Response, store: SuperOfficeStore, params: Params): Valid | undefined {
  try {
    return validate(store, params);
  } catch (err) {
    handleInvalid(res, store, params, err);
    return undefined;
  }
}

function handleInvalid(res: Response, store: SuperOfficeStore, params: Params, err: unknown): void {
  if (typeof err === 'string') {
    res.status(400).type('html').send(errorPage(err));
    return;
  }
  if (err instanceof RedirectError) {
    // validate() only throws RedirectError after client and redirect_uri passed.
    const app = store.apps.get(params.client_id ?? '')!;
    const v: Valid = { app, params, redirectUri: params.redirect_uri!, tenants: [], codeChallengeMethod: 'plain' };
    redirectBack(res, v, { error: err.code, error_description: err.message });
    return;
  }
  throw err;
}

function showPage(res: Response, store: SuperOfficeStore, v: Valid, selected: string | null, notice?: string, status = 200): void {
  const params: Record<string, string> = {};
  for (const [k, val] of Object.entries(v.params)) if (val !== undefined) params[k] = val;
  res
    .status(status)
    // Identity pages refuse to be framed (which is why embedded apps sign in through a popup).
    .set({ 'cache-control': 'no-store', 'content-security-policy': "frame-ancestors 'none'", 'x-frame-options': 'DENY' })
    .type('html')
    .send(consentPage({ appName: v.app.name, action: AUTHORIZE_PATH, params, tenants: v.tenants, users: (t) => store.users(t), selected, notice }));
}

export function authorizeRoutes(store: SuperOfficeStore): Router {
  const r = Router();

  r.get(AUTHORIZE_PATH, (req: Request, res: Response) => {
    const params = readParams(req.query);
    const v = validOrAnswered(res, store, params);
    if (!v) return;
    const hint = params.login_hint?.toLowerCase();
    let selected: string | null = null;
    for (const t of v.tenants) {
      const u = store.users(t).find((a) => a.email.toLowerCase() === hint);
      if (u) selected = `${t.contextIdentifier}:${u.associateId}`;
    }
    // Without a hint, the one tenant's web-client user, as SuperID's single sign-on would know them.
    const only = v.tenants.length === 1 ? v.tenants[0] : undefined;
    const current = only && store.webClientUser(only.contextIdentifier);
    if (!selected && only && current !== undefined && store.users(only).some((a) => a.associateId === current)) {
      selected = `${only.contextIdentifier}:${current}`;
    }
    showPage(res, store, v, selected);
  });

  r.post(AUTHORIZE_PATH, (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const params = readParams(body);
    const v = validOrAnswered(res, store, params);
    if (!v) return;
    if (body.decision !== 'approve') {
      redirectBack(res, v, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' });
      return;
    }
    const [ctx, idText] = String(body.user ?? '').split(':');
    const tenant = v.tenants.find((t) => t.contextIdentifier === ctx);
    const user = tenant ? store.users(tenant).find((a) => a.associateId === Number(idText)) : undefined;
    if (!tenant || !user) {
      showPage(res, store, v, null, 'Choose a user to sign in as.', 400);
      return;
    }
    // Apps need an administrator's consent once per tenant before ordinary users can sign in to them.
    if (!store.consent(v.app.clientId, tenant.contextIdentifier)) {
      if (!user.isAdministrator) {
        showPage(res, store, v, null, `${v.app.name} is not approved for ${tenant.companyName} yet: an administrator must approve it first.`, 403);
        return;
      }
      store.grantConsent(v.app, tenant, user.associateId);
    }
    const code = randomBytes(32).toString('base64url');
    store.codes.set(code, {
      code,
      clientId: v.app.clientId,
      redirectUri: v.redirectUri,
      ctx: tenant.contextIdentifier,
      associateId: user.associateId,
      nonce: params.nonce ?? null,
      codeChallenge: params.code_challenge ?? null,
      codeChallengeMethod: v.codeChallengeMethod,
      expiresAt: store.now() + store.settings.authorizationCodeTtlMs,
      used: false,
    });
    redirectBack(res, v, { code });
  });

  return r;
}
