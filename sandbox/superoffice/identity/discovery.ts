// OpenID Connect discovery for the simulated identity host: the metadata document of spec §2.1 with
// the simulator's URLs, and the JWKS holding the one RS256 key (by `kid`) that signs every token.
import { Router } from 'express';
import type { SuperOfficeStore } from '../store.ts';
import { jwks } from './jwt.ts';

export const AUTHORIZE_PATH = '/login/common/oauth/authorize';
export const TOKENS_PATH = '/login/common/oauth/tokens';
export const JWKS_PATH = '/login/.well-known/jwks';

export function discoveryRoutes(store: SuperOfficeStore): Router {
  const r = Router();
  r.get('/login/.well-known/openid-configuration', (_req, res) => {
    const base = store.baseUrl;
    // Copied from SuperOffice's document, including response types the simulator does not implement
    // (only `code`): a client that reads this list should see what the real one advertises.
    res.json({
      issuer: base,
      authorization_endpoint: `${base}${AUTHORIZE_PATH}`,
      token_endpoint: `${base}${TOKENS_PATH}`,
      jwks_uri: `${base}${JWKS_PATH}`,
      scopes_supported: ['openid'],
      response_modes_supported: ['form_post', 'fragment', 'query'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      grant_types_supported: ['implicit', 'authorization_code', 'refresh_token'],
    });
  });
  r.get(JWKS_PATH, (_req, res) => {
    res.json(jwks(store));
  });
  return r;
}
