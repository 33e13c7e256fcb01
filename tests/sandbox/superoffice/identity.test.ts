// The simulated SuperOffice identity host, driven over HTTPS with real clients: undici's fetch
// trusting the sandbox CA, jsonwebtoken verifying id_tokens against the JWKS by kid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { RequestInit } from 'undici';
import type { SuperOfficeSeed } from '../../../sandbox/superoffice/seed.ts';
import type { SuperOfficeStore } from '../../../sandbox/superoffice/store.ts';
import { startIdentitySim, type IdentitySim } from './identity-harness.ts';

const REDIRECT = 'https://app.example/superoffice/callback';
const C = 'http://schemes.superoffice.net/identity/';

let h: IdentitySim;
let sim: IdentitySim['sim'];
let store: SuperOfficeStore;
let seed: SuperOfficeSeed;

before(async () => {
  h = await startIdentitySim({ redirectUris: [REDIRECT, 'https://app.example/other'], stateChangeUrl: null });
  ({ sim, store, seed } = h);
});
after(() => h.close());

const call = (path: string, init?: RequestInit) => h.call(path, init);

function pkce(method: 'S256' | 'plain' = 'S256') {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return { verifier, challenge, method };
}

interface AuthorizeInput {
  user: string;
  clientId?: string;
  redirectUri?: string;
  challenge?: { challenge: string; method: string };
  nonce?: string;
  state?: string;
  decision?: string;
  extra?: Record<string, string>;
}

function authorizeParams(i: AuthorizeInput): Record<string, string> {
  return {
    client_id: i.clientId ?? seed.app.clientId,
    redirect_uri: i.redirectUri ?? REDIRECT,
    response_type: 'code',
    scope: 'openid',
    state: i.state ?? 'st-1',
    ...(i.nonce ? { nonce: i.nonce } : {}),
    ...(i.challenge ? { code_challenge: i.challenge.challenge, code_challenge_method: i.challenge.method } : {}),
    acr_values: 'tenant:Cust12345',
    ...i.extra,
  };
}

/** Opens the sign-in page, then submits it as the chosen user; returns the final response. */
async function signIn(i: AuthorizeInput) {
  const params = authorizeParams(i);
  const page = await call(`/login/common/oauth/authorize?${new URLSearchParams(params)}`);
  assert.equal(page.status, 200, await page.clone().text());
  await page.text();
  return call('/login/common/oauth/authorize', {
    method: 'POST',
    body: new URLSearchParams({ ...params, user: i.user, decision: i.decision ?? 'approve' }),
  });
}

async function codeFrom(res: Awaited<ReturnType<typeof call>>): Promise<string> {
  assert.equal(res.status, 302, await res.clone().text());
  const loc = new URL(res.headers.get('location')!);
  assert.equal(`${loc.origin}${loc.pathname}`, REDIRECT);
  assert.equal(loc.searchParams.get('state'), 'st-1');
  return loc.searchParams.get('code')!;
}

async function tokens(body: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await call('/login/common/oauth/tokens', { method: 'POST', body: new URLSearchParams(body), headers });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

function exchange(code: string, verifier?: string, extra: Record<string, string> = {}) {
  return tokens({
    grant_type: 'authorization_code',
    client_id: seed.app.clientId,
    client_secret: seed.app.clientSecret,
    code,
    redirect_uri: REDIRECT,
    ...(verifier ? { code_verifier: verifier } : {}),
    ...extra,
  });
}

async function verifyIdToken(token: string, nonce?: string): Promise<jwt.JwtPayload> {
  const { keys } = (await (await call('/login/.well-known/jwks')).json()) as { keys: Array<Record<string, string>> };
  const kid = jwt.decode(token, { complete: true })?.header.kid;
  const jwk = keys.find((k) => k.kid === kid);
  assert.ok(jwk, 'the id_token kid is in the JWKS');
  const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  return jwt.verify(token, key, { algorithms: ['RS256'], issuer: sim.url, audience: seed.app.clientId, ...(nonce ? { nonce } : {}) }) as jwt.JwtPayload;
}

async function principal(accessToken: string) {
  const res = await call('/sod2/Cust12345/api/v1/User/currentPrincipal', { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

test('discovery document and JWKS describe the simulator', async () => {
  const doc = (await (await call('/login/.well-known/openid-configuration')).json()) as Record<string, unknown>;
  assert.equal(doc.issuer, sim.url);
  assert.equal(doc.authorization_endpoint, `${sim.url}/login/common/oauth/authorize`);
  assert.equal(doc.token_endpoint, `${sim.url}/login/common/oauth/tokens`);
  assert.equal(doc.jwks_uri, `${sim.url}/login/.well-known/jwks`);
  assert.deepEqual(doc.id_token_signing_alg_values_supported, ['RS256']);
  const { keys } = (await (await call('/login/.well-known/jwks')).json()) as { keys: Array<Record<string, string>> };
  assert.equal(keys.length, 1);
  assert.equal(keys[0]!.kty, 'RSA');
  assert.equal(keys[0]!.alg, 'RS256');
  assert.match(keys[0]!.kid!, /^[0-9a-f]{16}$/);
});

test('the sign-in page lists the tenant users, preselects login_hint and refuses framing', async () => {
  const params = authorizeParams({ user: '', extra: { login_hint: 'Carla.Mendes@demo-company.example' } });
  const res = await call(`/login/common/oauth/authorize?${new URLSearchParams(params)}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  const html = await res.text();
  for (const email of ['ada.lindqvist@', 'bjorn.haugen@', 'carla.mendes@', 'daniel.okafor@']) assert.ok(html.includes(email), email);
  assert.match(html, /value="Cust12345:7" checked/);
  assert.doesNotMatch(html, /System/, 'the system user is not offered');
});

test('without login_hint the sign-in page offers the tenant\'s web-client user, as single sign-on would', async () => {
  const page = async (extra: Record<string, string> = {}) =>
    (await call(`/login/common/oauth/authorize?${new URLSearchParams(authorizeParams({ user: '', extra }))}`)).text();
  assert.doesNotMatch(await page(), /checked/, 'nobody chosen yet');
  store.setWebClientUser('Cust12345', 8);
  try {
    assert.match(await page(), /value="Cust12345:8" checked/);
    assert.match(await page({ login_hint: 'carla.mendes@demo-company.example' }), /value="Cust12345:7" checked/, 'a login_hint wins');
    store.setWebClientUser('Cust12345', 999);
    assert.doesNotMatch(await page(), /checked/, 'an associate the tenant does not have is not offered');
  } finally {
    store.setWebClientUser('Cust12345', 0);
  }
});

test('code flow with PKCE S256 and nonce: an administrator gets every claim and the system token', async () => {
  const p = pkce('S256');
  const code = await codeFrom(await signIn({ user: 'Cust12345:5', challenge: p, nonce: 'n-0S6_WzA2Mj' }));
  const { status, json } = await exchange(code, p.verifier);
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.token_type, 'Bearer');
  assert.equal((json as Record<string, unknown>).expires_in, 3600);
  assert.ok(json.refresh_token);
  assert.doesNotMatch(json.access_token!, /^ey/, 'the access token is opaque, not a JWT');

  const claims = await verifyIdToken(json.id_token!, 'n-0S6_WzA2Mj');
  assert.equal(claims.sub, 'ada.lindqvist@demo-company.example');
  assert.equal(claims[`${C}ctx`], 'Cust12345');
  assert.equal(claims[`${C}associateid`], '5');
  assert.equal(claims[`${C}is_administrator`], 'True');
  assert.equal(claims[`${C}email`], 'ada.lindqvist@demo-company.example');
  assert.equal(claims[`${C}company_name`], 'Demo Company');
  assert.equal(claims[`${C}webapi_url`], `${sim.url}/sod2/Cust12345/api/`);
  assert.match(String(claims[`${C}serial`]), /^\d+$/);
  assert.match(String(claims[`${C}system_token`]), /^Calendar Sync for SuperOffice-.{10}$/);
  assert.equal(typeof claims.iat, 'string', 'SuperOffice writes iat as a string');
  assert.equal(claims.exp! - Number(claims.iat), 300);
  assert.equal(claims.nbf! <= Number(claims.iat), true);

  const me = await principal(json.access_token!);
  assert.equal(me.status, 200);
  assert.equal(me.json.AssociateId, 5);
  assert.equal(me.json.EMailAddress, 'ada.lindqvist@demo-company.example');
  assert.equal(me.json.DatabaseContextIdentifier, 'Cust12345');
});

test('an ordinary user signs in with client_secret_basic and gets no system token', async () => {
  const p = pkce('plain');
  const code = await codeFrom(await signIn({ user: 'Cust12345:6', challenge: p, nonce: 'n-2' }));
  const basic = Buffer.from(`${seed.app.clientId}:${seed.app.clientSecret}`).toString('base64');
  const { status, json } = await tokens(
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: p.verifier },
    { authorization: `Basic ${basic}` },
  );
  assert.equal(status, 200, JSON.stringify(json));
  const claims = await verifyIdToken(json.id_token!, 'n-2');
  assert.equal(claims[`${C}is_administrator`], 'False');
  assert.equal(claims[`${C}associateid`], '6');
  assert.equal(claims[`${C}system_token`], undefined);
});

test('token parameters in the query string, as the SuperOffice sample sends them, are accepted', async () => {
  const code = await codeFrom(await signIn({ user: 'Cust12345:7' }));
  const qs = new URLSearchParams({ grant_type: 'authorization_code', client_id: seed.app.clientId, client_secret: seed.app.clientSecret, code, redirect_uri: REDIRECT });
  const res = await call(`/login/common/oauth/tokens?${qs}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(res.status, 200);
  const claims = await verifyIdToken(((await res.json()) as { id_token: string }).id_token);
  assert.equal(claims.nonce, undefined);
});

test('a wrong or unregistered redirect_uri and an unknown client get an error page, never a redirect', async () => {
  for (const params of [
    authorizeParams({ user: '', redirectUri: 'https://app.example/superoffice/callback/' }),
    authorizeParams({ user: '', redirectUri: 'https://evil.example/cb' }),
    authorizeParams({ user: '', clientId: 'no-such-client' }),
  ]) {
    const res = await call(`/login/common/oauth/authorize?${new URLSearchParams(params)}`);
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
    await res.text();
  }
  // The same holds for the form post that tries to skip the page.
  const forged = await call('/login/common/oauth/authorize', {
    method: 'POST',
    body: new URLSearchParams({ ...authorizeParams({ user: '', redirectUri: 'https://evil.example/cb' }), user: 'Cust12345:5', decision: 'approve' }),
  });
  assert.equal(forged.status, 400);
  assert.equal(forged.headers.get('location'), null);
});

test('bad requests after the redirect_uri is trusted go back with error and state', async () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ response_type: 'token' }, 'unsupported_response_type'],
    [{ scope: 'profile' }, 'invalid_scope'],
    [{ acr_values: 'tenant:Cust99999' }, 'invalid_request'],
    [{ code_challenge: 'short', code_challenge_method: 'S256' }, 'invalid_request'],
  ];
  for (const [extra, error] of cases) {
    const res = await call(`/login/common/oauth/authorize?${new URLSearchParams({ ...authorizeParams({ user: '' }), ...extra })}`);
    assert.equal(res.status, 302);
    const loc = new URL(res.headers.get('location')!);
    assert.equal(loc.searchParams.get('error'), error, JSON.stringify(extra));
    assert.equal(loc.searchParams.get('state'), 'st-1');
  }
  const cancelled = await signIn({ user: 'Cust12345:5', decision: 'cancel' });
  assert.equal(new URL(cancelled.headers.get('location')!).searchParams.get('error'), 'access_denied');
});

test('a bad verifier, a missing verifier, a wrong redirect_uri and a reused code are rejected', async () => {
  const p = pkce('S256');
  const code = await codeFrom(await signIn({ user: 'Cust12345:5', challenge: p }));
  const bad = await exchange(code, pkce().verifier);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error, 'invalid_grant');
  assert.equal((await exchange(code)).json.error, 'invalid_grant');
  assert.equal((await exchange(code, p.verifier, { redirect_uri: 'https://app.example/other' })).json.error, 'invalid_grant');
  const wrongSecret = await exchange(code, p.verifier, { client_secret: 'nope' });
  assert.equal(wrongSecret.status, 401);
  assert.equal(wrongSecret.json.error, 'invalid_client');

  assert.equal((await exchange(code, p.verifier)).status, 200);
  const again = await exchange(code, p.verifier);
  assert.equal(again.status, 400);
  assert.equal(again.json.error, 'invalid_grant');
});

test('an expired code is rejected', async () => {
  const code = await codeFrom(await signIn({ user: 'Cust12345:5' }));
  store.settings.clockOffsetMs = 10 * 60_000 + 1000;
  try {
    assert.equal((await exchange(code)).json.error, 'invalid_grant');
  } finally {
    store.settings.clockOffsetMs = 0;
  }
});

test('refresh works until the administrator revokes the consent, then invalid_grant', async () => {
  const code = await codeFrom(await signIn({ user: 'Cust12345:8', nonce: 'n-3' }));
  const first = await exchange(code);
  assert.equal(first.status, 200);
  const refreshed = await tokens({ grant_type: 'refresh_token', client_id: seed.app.clientId, client_secret: seed.app.clientSecret, refresh_token: first.json.refresh_token! });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json));
  assert.notEqual(refreshed.json.access_token, first.json.access_token);
  assert.equal((await verifyIdToken(refreshed.json.id_token!))[`${C}associateid`], '8');
  assert.equal((await principal(refreshed.json.access_token!)).status, 200);

  const revoke = await call(`/control/tenants/Cust12345/consents/${seed.app.clientId}`, { method: 'DELETE' });
  assert.equal(revoke.status, 204);
  const after = await tokens({ grant_type: 'refresh_token', client_id: seed.app.clientId, client_secret: seed.app.clientSecret, refresh_token: first.json.refresh_token! });
  assert.equal(after.status, 400);
  assert.equal(after.json.error, 'invalid_grant');
  const denied = await principal(refreshed.json.access_token!);
  assert.equal(denied.status, 401);
  assert.equal(denied.json.Error, true);

  // Without consent only an administrator can sign in (and so consent again), with a new system token.
  const refused = await signIn({ user: 'Cust12345:6' });
  assert.equal(refused.status, 403);
  assert.match(await refused.text(), /administrator must approve/);
  const again = await exchange(await codeFrom(await signIn({ user: 'Cust12345:5' })));
  assert.equal(again.status, 200);
});

test('an app without server-to-server access never gets a system token', async () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const res = await call('/control/apps', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Web Only', publicKey, redirectUris: [REDIRECT], serverToServer: false }),
  });
  assert.equal(res.status, 201);
  const other = (await res.json()) as { clientId: string; clientSecret: string };
  const code = await codeFrom(await signIn({ user: 'Cust12345:5', clientId: other.clientId }));
  const t = await tokens({ grant_type: 'authorization_code', client_id: other.clientId, client_secret: other.clientSecret, code, redirect_uri: REDIRECT });
  assert.equal(t.status, 200);
  const claims = jwt.decode(t.json.id_token!) as jwt.JwtPayload;
  assert.equal(claims.aud, other.clientId);
  assert.equal(claims[`${C}is_administrator`], 'True');
  assert.equal(claims[`${C}system_token`], undefined);
});
