// The token endpoint (spec §2.2): authorization_code (with PKCE) and refresh_token grants, client
// authentication by client_secret_post or client_secret_basic, parameters in the form body or, as
// SuperOffice's own sample does, in the query string.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { RegisteredApp, SuperOfficeStore } from '../store.ts';
import { TOKENS_PATH } from './discovery.ts';
import { idToken } from './id-token.ts';

type Params = Record<string, string>;

function params(req: Request): Params {
  const out: Params = {};
  for (const src of [req.query, req.body] as Array<Record<string, unknown> | undefined>) {
    for (const [k, v] of Object.entries(src ?? {})) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

function oauthError(res: Response, status: number, error: string, description: string): void {
  res.status(status).set({ 'cache-control': 'no-store', pragma: 'no-cache' }).json({ error, error_description: description });
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The authenticated client, or undefined after answering 401. */
function authenticateClient(store: SuperOfficeStore, req: Request, res: Response, p: Params): RegisteredApp | undefined {
  let clientId = p.client_id;
  let secret = p.client_secret;
  const basic = /^Basic\s+(.+)$/i.exec(req.get('authorization') ?? '');
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      // RFC 6749 §2.3.1: both halves are form-urlencoded before base64.
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    }
  }
  const app = clientId ? store.apps.get(clientId) : undefined;
  if (!app || !secret || !sameSecret(secret, app.clientSecret)) {
    if (basic) res.set('www-authenticate', 'Basic realm="SuperOffice"');
    oauthError(res, 401, 'invalid_client', 'Unknown client or wrong client secret.');
    return undefined;
  }
  return app;
}

function pkceMatches(challenge: string, method: 'S256' | 'plain', verifier: string): boolean {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return sameSecret(computed, challenge);
}

export function tokenRoutes(store: SuperOfficeStore): Router {
  const r = Router();
  r.post(TOKENS_PATH, (req, res) => {
    const p = params(req);
    const app = authenticateClient(store, req, res, p);
    if (!app) return;

    if (p.grant_type === 'authorization_code') {
      const code = p.code ? store.codes.get(p.code) : undefined;
      if (!code || code.clientId !== app.clientId) return oauthError(res, 400, 'invalid_grant', 'Unknown authorization code.');
      if (code.used) return oauthError(res, 400, 'invalid_grant', 'The authorization code has already been used.');
      if (store.now() > code.expiresAt) return oauthError(res, 400, 'invalid_grant', 'The authorization code has expired.');
      if (p.redirect_uri !== code.redirectUri) return oauthError(res, 400, 'invalid_grant', 'redirect_uri does not match the authorization request.');
      if (code.codeChallenge !== null && !pkceMatches(code.codeChallenge, code.codeChallengeMethod, p.code_verifier ?? '')) {
        return oauthError(res, 400, 'invalid_grant', 'The code_verifier does not match the code_challenge.');
      }
      code.used = true;
      const tenant = store.tenant(code.ctx);
      const user = tenant?.associates.get(code.associateId);
      const consent = store.consent(app.clientId, code.ctx);
      if (!tenant || !user || !consent) return oauthError(res, 400, 'invalid_grant', 'The consent for this tenant has been revoked.');
      const base = { clientId: app.clientId, ctx: tenant.contextIdentifier, associateId: user.associateId, consentId: consent.id };
      const access = store.issueAccessToken(base);
      const refresh = store.issueRefreshToken(base);
      res.set({ 'cache-control': 'no-store', pragma: 'no-cache' }).json({
        access_token: access.token,
        token_type: 'Bearer',
        expires_in: store.settings.accessTokenLifetimeS,
        refresh_token: refresh.token,
        id_token: idToken(store, { app, tenant, user, nonce: code.nonce }),
      });
      return;
    }

    if (p.grant_type === 'refresh_token') {
      const refresh = p.refresh_token ? store.refreshTokens.get(p.refresh_token) : undefined;
      const consent = refresh ? store.consent(refresh.clientId, refresh.ctx) : undefined;
      // Revoking consent deletes the refresh tokens; the consent id check also covers a re-consent.
      if (!refresh || refresh.clientId !== app.clientId || !consent || consent.id !== refresh.consentId) {
        return oauthError(res, 400, 'invalid_grant', 'The refresh token is invalid or has been revoked.');
      }
      const tenant = store.tenant(refresh.ctx);
      const user = tenant?.associates.get(refresh.associateId);
      if (!tenant || !user) return oauthError(res, 400, 'invalid_grant', 'The user no longer exists.');
      const access = store.issueAccessToken({ clientId: app.clientId, ctx: tenant.contextIdentifier, associateId: user.associateId, consentId: consent.id });
      res.set({ 'cache-control': 'no-store', pragma: 'no-cache' }).json({
        access_token: access.token,
        token_type: 'Bearer',
        expires_in: store.settings.accessTokenLifetimeS,
        id_token: idToken(store, { app, tenant, user, nonce: null }),
      });
      return;
    }

    oauthError(res, 400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token.');
  });
  return r;
}
