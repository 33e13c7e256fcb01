// POST /{tenant}/oauth2/v2.0/token: client credentials, authorization code (+PKCE) and refresh token
// grants, form-encoded as msal-node sends them (its x-client-* telemetry fields and the
// client-request-id query parameter are ignored).
//
// Client credentials need a specific tenant, `https://graph.microsoft.com/.default`, a valid secret,
// and the tenant's admin consent. Without consent the app has no service principal in the tenant, so
// Entra answers AADSTS700016 "application not found in the directory" (that is what a never-consented
// or removed enterprise app gives; an app whose service principal exists but lacks roles would get a
// token without `roles` instead, which this simulator does not model).
//
// Refresh tokens rotate: every redemption returns a new one. The old one keeps working, as Entra's
// do, until the user's sessions are revoked (AADSTS50173) or it sits unused past its lifetime
// (AADSTS700082); both are `invalid_grant`, which msal turns into InteractionRequiredAuthError.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import { param, tenantSegment, type IdentityContext, issuerFor } from './context.ts';
import { AadError, sendAadError } from './errors.ts';
import { GRAPH_RESOURCE, parseScopes } from './scopes.ts';
import { appAccessToken, clientInfo, idToken, userAccessToken } from './tokens.ts';
import type { DirUser } from '../directory.ts';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function authenticateClient(ctx: IdentityContext, req: Request): void {
  let clientId = param(req.body, 'client_id');
  let secret = param(req.body, 'client_secret');
  const basic = /^Basic\s+(.+)$/i.exec(req.get('authorization') ?? '');
  if (basic?.[1]) {
    const [id, s] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    // RFC 6749 2.3.1: both halves are form-encoded before base64.
    const decode = (v: string) => {
      try {
        return decodeURIComponent(v.replace(/\+/g, ' '));
      } catch {
        return v;
      }
    };
    clientId ??= decode(id ?? '');
    secret ??= decode(s ?? '');
  }
  if (!clientId) throw new AadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  if (clientId !== ctx.dir.app.clientId) {
    throw new AadError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${ctx.dir.tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
  }
  if (param(req.body, 'client_assertion')) {
    // No certificate is registered for our app here; the connector uses a secret.
    throw new AadError(401, 'invalid_client', 700027, 'Client assertion failed signature validation: no certificate is registered for this application in the simulator.');
  }
  if (!secret) throw new AadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  if (!safeEqual(secret, ctx.dir.app.clientSecret)) {
    throw new AadError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
  }
}

type TokenBody = Record<string, string | number>;

function clientCredentials(ctx: IdentityContext, req: Request): TokenBody {
  if (['common', 'organizations'].includes(tenantSegment(req).toLowerCase())) {
    throw new AadError(400, 'invalid_request', 700016, "Use a tenant-specific endpoint or configure the application to be multi-tenant: client credentials need the tenant's id or domain.");
  }
  const scope = param(req.body, 'scope') ?? '';
  if (scope.trim().toLowerCase() !== `${GRAPH_RESOURCE}/.default`) {
    throw new AadError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  }
  if (!ctx.dir.adminConsent) {
    throw new AadError(400, 'unauthorized_client', 700016, `Application with identifier '${ctx.dir.app.clientId}' was not found in the directory '${ctx.dir.tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
  }
  const lifetime = ctx.settings.accessTokenLifetimeS;
  return { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: appAccessToken(ctx.dir, lifetime) };
}

function delegatedResponse(ctx: IdentityContext, user: DirUser, scopes: string[], nonce: string | null): TokenBody {
  const lifetime = ctx.settings.accessTokenLifetimeS;
  const graph = scopes.filter((s) => s !== 'offline_access');
  const body: TokenBody = {
    token_type: 'Bearer',
    scope: graph.join(' '),
    expires_in: lifetime,
    ext_expires_in: lifetime,
    access_token: userAccessToken(ctx.dir, user, graph, lifetime),
  };
  if (scopes.includes('offline_access')) {
    const token = `1.AR${randomBytes(64).toString('base64url')}`;
    const now = ctx.dir.now();
    ctx.dir.addRefreshToken(token, { userId: user.id, clientId: ctx.dir.app.clientId, scopes, issuedAt: now, lastUsedAt: now, revoked: false });
    body.refresh_token = token;
  }
  if (scopes.includes('openid')) body.id_token = idToken(ctx.dir, issuerFor(ctx), user, nonce, 3600, ctx.settings.directoryRolesInIdTokens);
  body.client_info = clientInfo(ctx.dir, user);
  return body;
}

function authorizationCode(ctx: IdentityContext, req: Request): TokenBody {
  const code = param(req.body, 'code') ?? '';
  const grant = ctx.dir.codes.get(code);
  if (!grant) throw new AadError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
  ctx.dir.codes.delete(code);
  if (grant.expiresAt < ctx.dir.now()) throw new AadError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
  if (grant.clientId !== param(req.body, 'client_id')) throw new AadError(400, 'invalid_grant', 70000, 'The provided value for the code parameter was issued to another client.');
  if (grant.redirectUri !== param(req.body, 'redirect_uri')) {
    throw new AadError(400, 'invalid_grant', 500112, 'The reply address does not match the reply address provided when requesting Authorization code.');
  }
  if (grant.codeChallenge) {
    const verifier = param(req.body, 'code_verifier');
    if (!verifier) throw new AadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'code_verifier'.");
    const derived = grant.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
    if (!safeEqual(derived, grant.codeChallenge)) {
      throw new AadError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
    }
  }
  const user = ctx.dir.user(grant.userId);
  if (!user) throw new AadError(400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
  return delegatedResponse(ctx, user, grant.scopes, grant.nonce);
}

function refreshToken(ctx: IdentityContext, req: Request): TokenBody {
  const token = param(req.body, 'refresh_token') ?? '';
  const rt = ctx.dir.refreshTokens.get(token);
  if (!rt || rt.clientId !== ctx.dir.app.clientId) throw new AadError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
  if (rt.revoked) {
    throw new AadError(400, 'invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.', 'bad_token');
  }
  const now = ctx.dir.now();
  if (now - rt.lastUsedAt > ctx.settings.refreshTokenLifetimeS * 1000) {
    throw new AadError(400, 'invalid_grant', 700082, `The refresh token has expired due to inactivity. The token was issued on ${new Date(rt.issuedAt).toISOString()} and was inactive for ${Math.round((now - rt.lastUsedAt) / 1000)} seconds.`, 'bad_token');
  }
  const user = ctx.dir.user(rt.userId);
  if (!user) throw new AadError(400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
  const asked = parseScopes(param(req.body, 'scope') ?? '');
  const granted = new Set(rt.scopes);
  const missing = asked.graph.filter((s) => !granted.has(s));
  if (missing.length) {
    throw new AadError(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${rt.clientId}'. Send an interactive authorization request for this user and resource (${missing.join(' ')}).`, 'consent_required');
  }
  rt.lastUsedAt = now;
  return delegatedResponse(ctx, user, rt.scopes, null);
}

/** Applies an injected fault, if one is queued; true when it answered. */
function injected(ctx: IdentityContext, res: Response): boolean {
  const f = ctx.loginFaults[0];
  if (!f) return false;
  if (--f.count <= 0) ctx.loginFaults.shift();
  if (f.kind === 'status') {
    res.status(f.status).set('retry-after', String(f.retryAfterS));
    sendAadError(res, new AadError(f.status, f.status === 429 ? 'temporarily_unavailable' : 'server_error', f.status === 429 ? 50196 : 50000, 'Injected by the simulator.'), ctx.dir.now());
  } else if (f.error === 'invalid_grant') {
    sendAadError(res, new AadError(400, 'invalid_grant', 50173, 'The provided grant has expired due to it being revoked (injected by the simulator).', 'bad_token'), ctx.dir.now());
  } else {
    sendAadError(res, new AadError(400, 'interaction_required', 50076, 'Due to a configuration change made by your administrator, you must use multi-factor authentication (injected by the simulator).'), ctx.dir.now());
  }
  return true;
}

export function tokenRoutes(ctx: IdentityContext): Router {
  const r = Router();
  r.post('/:tenant/oauth2/v2.0/token', express.urlencoded({ extended: false, limit: '64kb' }), (req, res) => {
    const correlation = param(req.body, 'client-request-id') ?? req.get('client-request-id');
    try {
      const segment = tenantSegment(req);
      if (!ctx.dir.knowsTenant(segment)) throw new AadError(400, 'invalid_request', 90002, `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID.`);
      if (injected(ctx, res)) return;
      authenticateClient(ctx, req);
      const grantType = param(req.body, 'grant_type');
      const body =
        grantType === 'client_credentials' ? clientCredentials(ctx, req)
        : grantType === 'authorization_code' ? authorizationCode(ctx, req)
        : grantType === 'refresh_token' ? refreshToken(ctx, req)
        : null;
      if (!body) throw new AadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType ?? ''}'.`);
      res.set({ 'cache-control': 'no-store, no-cache', pragma: 'no-cache' }).json(body);
    } catch (err) {
      if (!(err instanceof AadError)) throw err;
      sendAadError(res, err, ctx.dir.now(), correlation);
    }
  });
  return r;
}
