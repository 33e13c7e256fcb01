// The app's side of SuperOffice OpenID Connect (specs/superoffice.md 2.2-2.4): the authorize URL
// with PKCE (S256), state, nonce and acr_values, and the code exchange whose id_token is verified
// against the environment's JWKS (issuer, audience, expiry, nonce).
import { createHash, randomBytes } from 'node:crypto';
import type jwt from 'jsonwebtoken';
import { CLAIM, type SuperOfficeKeys } from './jwks.ts';
import { InvalidSuperOfficeToken } from './errors.ts';

export interface OidcSettings {
  /** The environment's root, e.g. https://sod.superoffice.com: issuer and identity host. */
  identityBaseUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface AuthorizeRequest {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

const b64url = (b: Buffer) => b.toString('base64url');

export function authorizeRequest(s: OidcSettings, opts: { contextIdentifier?: string }): AuthorizeRequest {
  const state = b64url(randomBytes(24));
  const nonce = b64url(randomBytes(24));
  const codeVerifier = b64url(randomBytes(48));
  const url = new URL(`${s.identityBaseUrl.replace(/\/$/, '')}/login/common/oauth/authorize`);
  url.search = new URLSearchParams({
    client_id: s.clientId,
    redirect_uri: s.redirectUri,
    response_type: 'code',
    scope: 'openid',
    state,
    nonce,
    code_challenge: b64url(createHash('sha256').update(codeVerifier).digest()),
    code_challenge_method: 'S256',
    ...(opts.contextIdentifier && { acr_values: `tenant:${opts.contextIdentifier}` }),
  }).toString();
  return { url: url.toString(), state, nonce, codeVerifier };
}

/** What the app uses of a verified id_token. Claim values arrive as strings ("5", "False"). */
export interface SuperOfficeIdentity {
  contextIdentifier: string;
  associateId: number;
  email: string | undefined;
  /** The `firstname` and `lastname` claims (specs/superoffice.md 2.3); SuperOffice may leave them out. */
  firstName: string | undefined;
  lastName: string | undefined;
  isAdministrator: boolean;
  companyName: string | undefined;
  serial: string | undefined;
  webApiUrl: string | undefined;
  systemToken: string | undefined;
}

export function identityFrom(claims: jwt.JwtPayload): SuperOfficeIdentity {
  const str = (name: string) => {
    const v = claims[CLAIM(name)];
    return typeof v === 'string' && v ? v : undefined;
  };
  const ctx = str('ctx');
  const associateId = Number(str('associateid'));
  if (!ctx || !Number.isInteger(associateId)) throw new InvalidSuperOfficeToken('the id_token lacks the ctx or associateid claim');
  return {
    contextIdentifier: ctx,
    associateId,
    email: str('email'),
    firstName: str('firstname')?.trim() || undefined,
    lastName: str('lastname')?.trim() || undefined,
    isAdministrator: str('is_administrator')?.toLowerCase() === 'true',
    companyName: str('company_name'),
    serial: str('serial'),
    webApiUrl: str('webapi_url'),
    systemToken: str('system_token'),
  };
}

export class OidcError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OidcError';
  }
}

/** Trades the code for tokens and returns the verified identity. The refresh token is not kept. */
export async function exchangeCode(
  s: OidcSettings,
  keys: SuperOfficeKeys,
  input: { code: string; codeVerifier: string; nonce: string },
  fetchFn: typeof fetch = fetch,
): Promise<SuperOfficeIdentity> {
  const res = await fetchFn(`${s.identityBaseUrl.replace(/\/$/, '')}/login/common/oauth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: s.clientId,
      client_secret: s.clientSecret,
      code: input.code,
      redirect_uri: s.redirectUri,
      code_verifier: input.codeVerifier,
    }),
  });
  const body = (await res.json().catch(() => ({}))) as { id_token?: string; error?: string; error_description?: string };
  if (!res.ok || !body.id_token) {
    throw new OidcError(body.error ?? `http_${res.status}`, body.error_description ?? `SuperOffice answered HTTP ${res.status} to the code exchange`);
  }
  const claims = await keys.verify(body.id_token, {
    issuer: s.identityBaseUrl.replace(/\/$/, ''),
    audience: s.clientId,
    nonce: input.nonce,
  });
  if (!claims.sub) throw new InvalidSuperOfficeToken('the id_token has no sub');
  return identityFrom(claims);
}
