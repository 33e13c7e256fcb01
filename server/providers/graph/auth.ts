// Microsoft sign-in through msal-node (graph-ews spec 1): app-only tokens by client credentials for
// a tenant-wide admin consent, and per-user tokens from a refresh token kept sealed in `credentials`.
//
// msal talks through `system.networkClient`, our fetch (egressFetch: the proxy, and the sandbox CA
// when one is given), so neither a global agent nor NODE_EXTRA_CA_CERTS is needed. A local authority
// (the simulator) is named by base URL and listed in `knownAuthorities`, which skips Microsoft's
// instance discovery; msal then reads `<authority>/v2.0/.well-known/openid-configuration` from it.
import * as msal from '@azure/msal-node';
import { z } from 'zod';
import type { Knex } from 'knex';
import { loadCredential, saveCredential, type CredentialRef } from '../../db/credentials.ts';
import type { Keyring } from '../../security/secrets.ts';
import { AuthorizationRevoked, Transient } from '../../sync/errors.ts';
import { classifyAuthFailure, retryAfterMs } from './errors.ts';

const DEFAULT_AUTHORITY_BASE = 'https://login.microsoftonline.com';
const GRAPH_APP_SCOPE = 'https://graph.microsoft.com/.default';
/** What a user consents to for delegated sync; msal adds openid, profile and offline_access. */
export const DELEGATED_SCOPES = ['Calendars.ReadWrite', 'User.Read'];

/** An app registration in the customer's tenant. */
export interface AppRegistration {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface SignInOptions {
  /** Default https://login.microsoftonline.com; the simulator's loginUrl in the sandbox and tests. */
  authorityBase?: string;
  fetch: typeof fetch;
}

/** Gives a bearer token for Graph; throws only the sync engine's errors. */
export interface TokenSource {
  /** `fresh`: not the cached one (Graph refused it before it expired: revoked sessions, a re-granted consent). */
  token(fresh?: boolean): Promise<string>;
}

/** Where a user's refresh token lives; `save` replaces it (Microsoft rotates it on every refresh). */
export interface RefreshTokenStore {
  load(): Promise<string | null>;
  save(refreshToken: string): Promise<void>;
}

/** A refresh token sealed in `credentials` (kind e.g. `graph_refresh_token`, owner the link). */
export function credentialRefreshTokens(db: Knex, keyring: Keyring, ref: CredentialRef): RefreshTokenStore {
  return {
    load: () => loadCredential(db, keyring, ref),
    save: (secret) => saveCredential(db, keyring, { ...ref, secret }),
  };
}

/** msal retries nothing of its own for these flows, but remembers a 429/5xx and refuses to ask again for a while (60 s without Retry-After). */
const TOKEN_BLOCK_MS = 60_000;

interface SignIn {
  app: msal.ConfidentialClientApplication;
  /** Until when the token endpoint told us (or msal will insist) to stay away. */
  blockedUntil(): number;
}

function createSignIn(reg: AppRegistration, opts: SignInOptions): SignIn {
  let blockedUntil = 0;
  const send = async <T>(url: string, method: 'GET' | 'POST', options?: msal.NetworkRequestOptions, timeout?: number): Promise<msal.NetworkResponse<T>> => {
    let res: Response;
    try {
      res = await opts.fetch(url, {
        method,
        headers: options?.headers,
        ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
        ...(timeout ? { signal: AbortSignal.timeout(timeout) } : {}),
      });
    } catch (err) {
      throw new msal.AuthError('network_error', options?.correlationId ?? '', `Network request failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
    const raw = await res.text();
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      body = undefined;
    }
    if (res.status === 429 || res.status >= 500) blockedUntil = Date.now() + (retryAfterMs(headers['retry-after']) ?? TOKEN_BLOCK_MS);
    if (typeof body !== 'object' || body === null) {
      // An HTML error page from a proxy or gateway: say so in the fields msal reads.
      body = res.ok ? {} : { error: res.status >= 500 || res.status === 429 ? 'temporarily_unavailable' : 'invalid_request', error_description: `HTTP ${res.status} from ${new URL(url).host}` };
    }
    return { headers, body: body as T, status: res.status };
  };
  const base = (opts.authorityBase ?? DEFAULT_AUTHORITY_BASE).replace(/\/+$/, '');
  const host = new URL(base).host;
  const app = new msal.ConfidentialClientApplication({
    auth: {
      clientId: reg.clientId,
      clientSecret: reg.clientSecret,
      authority: `${base}/${reg.tenantId}`,
      ...(host === new URL(DEFAULT_AUTHORITY_BASE).host ? {} : { knownAuthorities: [host] }),
    },
    system: {
      networkClient: { sendGetRequestAsync: (u, o, t) => send(u, 'GET', o, t), sendPostRequestAsync: (u, o) => send(u, 'POST', o) },
      // msal would log through console; tokens and errors reach our logs as domain errors instead.
      loggerOptions: { loggerCallback: () => {}, piiLoggingEnabled: false, logLevel: msal.LogLevel.Error },
    },
  });
  return { app, blockedUntil: () => blockedUntil };
}

/**
 * App-only tokens for one profile. msal keeps the token in this app's cache and only asks again
 * five minutes before it expires, so build one per profile and keep it (client.ts does).
 */
export function applicationTokens(reg: AppRegistration, opts: SignInOptions): TokenSource {
  const signIn = createSignIn(reg, opts);
  return {
    async token(fresh = false) {
      let result: msal.AuthenticationResult | null;
      try {
        result = await signIn.app.acquireTokenByClientCredential({ scopes: [GRAPH_APP_SCOPE], skipCache: fresh });
      } catch (err) {
        throw classifyAuthFailure(err, signIn.blockedUntil());
      }
      if (!result?.accessToken) throw new Transient('Microsoft sign-in answered without an access token');
      return result.accessToken;
    },
  };
}

const cacheSchema = z.object({ RefreshToken: z.record(z.string(), z.object({ secret: z.string() })).optional() });

/** The refresh token a fresh app's cache holds after one sign-in (msal never hands it out otherwise). */
function refreshTokenOf(app: msal.ConfidentialClientApplication): string | undefined {
  const cache = cacheSchema.safeParse(JSON.parse(app.getTokenCache().serialize()));
  return cache.success ? Object.values(cache.data.RefreshToken ?? {}).at(-1)?.secret : undefined;
}

const EARLY_MS = 5 * 60_000;

/**
 * A user's tokens: the access token is kept in memory until five minutes before it expires; a
 * refresh reads the newest refresh token from `store` (another node may have rotated it) and saves
 * the one Microsoft sends back. Each refresh uses a fresh msal app, whose cache then holds this
 * user only, so the rotated token is read back unambiguously.
 */
export function delegatedTokens(reg: AppRegistration, opts: SignInOptions, store: RefreshTokenStore, scopes = DELEGATED_SCOPES): TokenSource {
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const refresh = async (): Promise<string> => {
    const refreshToken = await store.load();
    if (!refreshToken) throw new AuthorizationRevoked('No Microsoft 365 sign-in is stored for this user: they have to connect their calendar.');
    const signIn = createSignIn(reg, opts);
    let result: msal.AuthenticationResult | null;
    try {
      result = await signIn.app.acquireTokenByRefreshToken({ refreshToken, scopes, forceCache: true });
    } catch (err) {
      throw classifyAuthFailure(err, signIn.blockedUntil());
    }
    if (!result?.accessToken) throw new Transient('Microsoft sign-in answered without an access token');
    const next = refreshTokenOf(signIn.app);
    if (next && next !== refreshToken) await store.save(next);
    cached = { token: result.accessToken, expiresAt: result.expiresOn?.getTime() ?? Date.now() + 30 * 60_000 };
    return result.accessToken;
  };
  return {
    token(fresh = false) {
      if (fresh) cached = undefined;
      if (cached && cached.expiresAt - EARLY_MS > Date.now()) return Promise.resolve(cached.token);
      pending ??= refresh().finally(() => (pending = undefined));
      return pending;
    },
  };
}

/** Where to send a user to sign in (and consent to delegated access): the first step of the code flow. */
export async function authorizationUrl(
  reg: AppRegistration,
  opts: SignInOptions,
  req: { redirectUri: string; state: string; nonce: string; loginHint?: string; codeChallenge?: string; scopes?: string[]; prompt?: string },
): Promise<string> {
  const { app, blockedUntil } = createSignIn(reg, opts);
  try {
    return await app.getAuthCodeUrl({
      scopes: req.scopes ?? DELEGATED_SCOPES,
      redirectUri: req.redirectUri,
      state: req.state,
      nonce: req.nonce,
      ...(req.prompt ? { prompt: req.prompt } : {}),
      ...(req.loginHint ? { loginHint: req.loginHint } : {}),
      ...(req.codeChallenge ? { codeChallenge: req.codeChallenge, codeChallengeMethod: 'S256' } : {}),
    });
  } catch (err) {
    throw classifyAuthFailure(err, blockedUntil());
  }
}

interface CodeRedemption {
  code: string;
  /** The nonce the sign-in was sent with: msal refuses an id_token whose nonce differs (we check again when verifying). */
  nonce: string;
  redirectUri: string;
  codeVerifier?: string;
  scopes?: string[];
}

async function acquireByCode(reg: AppRegistration, opts: SignInOptions, req: CodeRedemption): Promise<{ app: msal.ConfidentialClientApplication; idToken: string }> {
  const { app, blockedUntil } = createSignIn(reg, opts);
  let result: msal.AuthenticationResult;
  try {
    result = await app.acquireTokenByCode({
      code: req.code,
      redirectUri: req.redirectUri,
      nonce: req.nonce,
      scopes: req.scopes ?? DELEGATED_SCOPES,
      ...(req.codeVerifier ? { codeVerifier: req.codeVerifier } : {}),
    });
  } catch (err) {
    throw classifyAuthFailure(err, blockedUntil());
  }
  // msal only decodes it; the caller verifies it (id-token.ts) before believing a claim.
  if (!result.idToken) throw new AuthorizationRevoked('Microsoft 365 answered the sign-in without an id_token.');
  return { app, idToken: result.idToken };
}

/** Redeems a sign-in's code for its raw id_token only (no tokens are kept): proof of who signed in. */
export async function redeemSignIn(reg: AppRegistration, opts: SignInOptions, req: CodeRedemption): Promise<string> {
  return (await acquireByCode(reg, opts, req)).idToken;
}

/**
 * Redeems the code of a user's delegated consent: returns the raw id_token (to verify before the
 * account is believed) and the refresh token, which the caller stores once the account checks out.
 */
export async function redeemAuthorizationCode(reg: AppRegistration, opts: SignInOptions, req: CodeRedemption): Promise<{ idToken: string; refreshToken: string }> {
  const { app, idToken } = await acquireByCode(reg, opts, req);
  const refreshToken = refreshTokenOf(app);
  if (!refreshToken) throw new AuthorizationRevoked('Microsoft 365 gave no refresh token: the consent must include offline access.');
  return { idToken, refreshToken };
}

/**
 * An OpenID Connect sign-in at one organisation (code flow, PKCE S256, nonce), built by hand like the
 * admin-consent URL: the organisation comes from a redirect anyone can forge, and msal would first
 * fetch its metadata, so a forged one would make us call Microsoft (and fail differently for a
 * tenant that does not exist).
 */
export function signInUrl(req: { tenantId: string; clientId: string; redirectUri: string; state: string; nonce: string; codeChallenge: string; scopes: string[]; authorityBase?: string }): string {
  const base = (req.authorityBase ?? DEFAULT_AUTHORITY_BASE).replace(/\/+$/, '');
  const q = new URLSearchParams({
    client_id: req.clientId,
    response_type: 'code',
    redirect_uri: req.redirectUri,
    response_mode: 'query',
    scope: req.scopes.join(' '),
    state: req.state,
    nonce: req.nonce,
    code_challenge: req.codeChallenge,
    code_challenge_method: 'S256',
  });
  return `${base}/${encodeURIComponent(req.tenantId)}/oauth2/v2.0/authorize?${q}`;
}

/** The tenant-wide admin consent page for the app (application permissions, graph-ews spec 1.1). */
export function adminConsentUrl(req: { tenantId: string; clientId: string; redirectUri: string; state: string; authorityBase?: string }): string {
  const base = (req.authorityBase ?? DEFAULT_AUTHORITY_BASE).replace(/\/+$/, '');
  const q = new URLSearchParams({ client_id: req.clientId, scope: GRAPH_APP_SCOPE, redirect_uri: req.redirectUri, state: req.state });
  return `${base}/${encodeURIComponent(req.tenantId)}/v2.0/adminconsent?${q}`;
}
