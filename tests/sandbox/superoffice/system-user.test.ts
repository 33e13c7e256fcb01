// The system-user flow against the simulator over HTTPS: sign `<system_token>.<yyyyMMddHHmm>` with
// node's crypto, trade it at PartnerSystemUser/Authenticate, verify the returned JWT against the
// JWKS with jsonwebtoken, then call the tenant API with the ticket through @superoffice/webapi,
// unchanged but for its base URL and the TLS trust.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, randomBytes, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import jwt from 'jsonwebtoken';
import { UserAgent } from '@superoffice/webapi';
import type { RequestInit } from 'undici';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TENANT_API_MOUNT, soPrincipal, tenantAuth } from '../../../sandbox/superoffice/auth.ts';
import { parseRsaKey } from '../../../sandbox/superoffice/identity/jwt.ts';
import { superOfficeInfo } from '../../../sandbox/superoffice/identity/sandbox-info.ts';
import { seedSuperOffice, type SuperOfficeSeed } from '../../../sandbox/superoffice/seed.ts';
import { createSuperOfficeStore, type SuperOfficeStore } from '../../../sandbox/superoffice/store.ts';
import { startIdentitySim, type IdentitySim } from './identity-harness.ts';

const REDIRECT = 'https://app.example/superoffice/callback';
const C = 'http://schemes.superoffice.net/identity/';

let h: IdentitySim;
let caPem: string;
let sim: IdentitySim['sim'];
let store: SuperOfficeStore;
let seed: SuperOfficeSeed;
/** From the administrator's consent. */
let systemToken: string;
let serial: string;

/** currentPrincipal has no SDK method; this reuses the SDK's own axios set-up for it. */
class PrincipalAgent extends UserAgent {
  constructor(
    private readonly apiBase: string,
    config: { headers: Record<string, string>; httpsAgent: HttpsAgent },
  ) {
    super(apiBase, config);
  }

  async currentPrincipal(): Promise<Record<string, unknown>> {
    const config = UserAgent.GetAxiosRequestConfig(undefined, this._options);
    config.baseURL = this.apiBase;
    return (await this._axios.get('v1/User/currentPrincipal', config)).data as Record<string, unknown>;
  }
}

before(async () => {
  h = await startIdentitySim({
    redirectUris: [REDIRECT],
    stateChangeUrl: null,
    prepare(st) {
      const other = st.createTenant({ contextIdentifier: 'Cust54321', companyName: 'Other Company' });
      st.addAssociate(other, { firstName: 'Olga', lastName: 'Other', email: 'olga@other.example', isAdministrator: true });
    },
    // Stands in for the rest of the tenant API: proves tenantAuth works as mount middleware.
    mount: (app, st) => app.use(TENANT_API_MOUNT, tenantAuth(st), (_req, res) => void res.json(soPrincipal(res))),
  });
  ({ sim, store, seed, caPem } = h);

  // The administrator consents through the code flow; the id_token carries the system token.
  const params = { client_id: seed.app.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 's', acr_values: 'tenant:Cust12345' };
  const approved = await call('/login/common/oauth/authorize', { method: 'POST', body: new URLSearchParams({ ...params, user: 'Cust12345:5', decision: 'approve' }) });
  const code = new URL(approved.headers.get('location')!).searchParams.get('code')!;
  const tokens = await call('/login/common/oauth/tokens', {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: seed.app.clientId, client_secret: seed.app.clientSecret, code, redirect_uri: REDIRECT }),
  });
  const claims = jwt.decode(((await tokens.json()) as { id_token: string }).id_token) as jwt.JwtPayload;
  systemToken = claims[`${C}system_token`] as string;
  serial = claims[`${C}serial`] as string;
  assert.ok(systemToken);
});
after(() => h.close());

const call = (path: string, init?: RequestInit) => h.call(path, init);

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}

function signed(token: string, key: KeyObject | string, at = new Date()): string {
  const data = `${token}.${stamp(at)}`;
  return `${data}.${sign('RSA-SHA256', Buffer.from(data), key).toString('base64')}`;
}

async function authenticate(body: Record<string, unknown>) {
  const res = await call('/Login/api/PartnerSystemUser/Authenticate', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as { IsSuccessful: boolean; Token: string | null; ErrorMessage: string };
}

async function ticketFor(key: KeyObject | string = seed.privateKeyPem): Promise<string> {
  const r = await authenticate({ SignedSystemToken: signed(systemToken, key), ApplicationToken: seed.app.clientSecret, ContextIdentifier: 'Cust12345', ReturnTokenType: 'JWT' });
  assert.equal(r.IsSuccessful, true, r.ErrorMessage);
  return (jwt.decode(r.Token!) as jwt.JwtPayload)[`${C}ticket`] as string;
}

function principalVia(headers: Record<string, string>, host = 'sod2', ctx = 'Cust12345') {
  return call(`/${host}/${ctx}/api/v1/User/currentPrincipal`, { headers: { accept: 'application/json', ...headers } });
}

async function jwksKey(token: string): Promise<KeyObject> {
  const { keys } = (await (await call('/login/.well-known/jwks')).json()) as { keys: JsonWebKey[] };
  const kid = jwt.decode(token, { complete: true })?.header.kid;
  return createPublicKey({ key: keys.find((k) => k.kid === kid)!, format: 'jwk' });
}

test('a correctly signed system token buys a ticket in an RS256 JWT that verifies against the JWKS', async () => {
  const r = await authenticate({ SignedSystemToken: signed(systemToken, seed.privateKeyPem), ApplicationToken: seed.app.clientSecret, ContextIdentifier: 'Cust12345', ReturnTokenType: 'JWT' });
  assert.equal(r.IsSuccessful, true, r.ErrorMessage);
  assert.equal(r.ErrorMessage, '');
  const claims = jwt.verify(r.Token!, await jwksKey(r.Token!), { algorithms: ['RS256'], issuer: 'SuperOffice AS', audience: `spn:${serial}` }) as jwt.JwtPayload;
  assert.equal(claims[`${C}ctx`], 'Cust12345');
  assert.match(String(claims[`${C}ticket`]), /^7T:/);
  assert.equal(claims[`${C}webapi_url`], `${sim.url}/sod2/Cust12345/api/`);
});

test('the ticket JWT can name no kid, or one the JWKS lacks (setting ticketKid), and is still signed by the JWKS key', async () => {
  const settings = async (ticketKid: string) => {
    const res = await call('/control/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ticketKid }) });
    assert.equal(res.status, 200);
  };
  const { keys } = (await (await call('/login/.well-known/jwks')).json()) as { keys: JsonWebKey[] };
  assert.equal(keys.length, 1);
  const key = createPublicKey({ key: keys[0]!, format: 'jwk' });
  const ticketJwt = async () => {
    const r = await authenticate({ SignedSystemToken: signed(systemToken, seed.privateKeyPem), ApplicationToken: seed.app.clientSecret, ContextIdentifier: 'Cust12345' });
    assert.equal(r.IsSuccessful, true, r.ErrorMessage);
    return r.Token!;
  };
  try {
    assert.equal(jwt.decode(await ticketJwt(), { complete: true })?.header.kid, keys[0]!.kid, 'by default the JWKS key\'s kid');
    await settings('none');
    const bare = await ticketJwt();
    assert.equal(jwt.decode(bare, { complete: true })?.header.kid, undefined);
    jwt.verify(bare, key, { algorithms: ['RS256'], issuer: 'SuperOffice AS', audience: `spn:${serial}` });
    await settings('unlisted');
    const unlisted = await ticketJwt();
    const kid = jwt.decode(unlisted, { complete: true })?.header.kid;
    assert.ok(kid && kid !== keys[0]!.kid);
    jwt.verify(unlisted, key, { algorithms: ['RS256'], issuer: 'SuperOffice AS', audience: `spn:${serial}` });
    const bad = await call('/control/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ticketKid: 'x5t' }) });
    assert.equal(bad.status, 400);
  } finally {
    await settings('listed');
  }
});

test('the SDK reaches currentPrincipal with the ticket, only its base URL and TLS trust changed', async () => {
  const ticket = await ticketFor();
  const agent = new PrincipalAgent(`${sim.url}/sod2/Cust12345/api/`, {
    headers: { Authorization: `SOTicket ${ticket}`, 'SO-AppToken': seed.app.clientSecret },
    httpsAgent: new HttpsAgent({ ca: caPem }),
  });
  const me = await agent.currentPrincipal();
  assert.equal(me.UserType, 'SystemAssociate');
  assert.equal(me.AssociateId, store.tenant('Cust12345')!.systemAssociateId);
  assert.equal(me.DatabaseContextIdentifier, 'Cust12345');

  // The SDK maps an auth failure to an axios error carrying SuperOffice's error body.
  const stale = new PrincipalAgent(`${sim.url}/sod2/Cust12345/api/`, {
    headers: { Authorization: 'SOTicket 7T:nonsense', 'SO-AppToken': seed.app.clientSecret },
    httpsAgent: new HttpsAgent({ ca: caPem }),
  });
  await assert.rejects(stale.currentPrincipal(), (err: { response?: { status: number; data: Record<string, unknown> } }) => {
    assert.equal(err.response?.status, 401);
    assert.equal(err.response?.data.Error, true);
    assert.equal(typeof err.response?.data.ErrorType, 'string');
    assert.equal(typeof err.response?.data.Message, 'string');
    assert.equal(typeof err.response?.data.ErrorSource, 'string');
    return true;
  });
});

test('the same key in the portal\'s RSA XML format signs just as well, and an app registered with an XML public key works', async () => {
  assert.ok(await ticketFor(parseRsaKey(seed.privateKeyXml)));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const std = (v?: string) => Buffer.from(v ?? '', 'base64url').toString('base64');
  const xml = `<RSAKeyValue><Modulus>${std(jwk.n)}</Modulus><Exponent>${std(jwk.e)}</Exponent></RSAKeyValue>`;
  const reg = await call('/control/apps', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Xml App', publicKey: xml, redirectUris: [REDIRECT], serverToServer: true }),
  });
  assert.equal(reg.status, 201);
  const xmlApp = (await reg.json()) as { clientId: string; clientSecret: string };
  const consent = store.grantConsent(store.apps.get(xmlApp.clientId)!, store.tenant('Cust12345')!, 5);
  const r = await authenticate({ SignedSystemToken: signed(consent.systemToken, privateKey), ApplicationToken: xmlApp.clientSecret, ContextIdentifier: 'Cust12345' });
  assert.equal(r.IsSuccessful, true, r.ErrorMessage);
});

test('a bad signature, a stale or future timestamp, a wrong app token or tenant are refused', async () => {
  const wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const good = { ApplicationToken: seed.app.clientSecret, ContextIdentifier: 'Cust12345' };
  const tampered = signed(systemToken, seed.privateKeyPem).replace(/\.(\d{12})\./, (_m, s: string) => `.${String(Number(s) - 1)}.`);
  const cases: Array<[string, Record<string, unknown>]> = [
    ['wrong key', { ...good, SignedSystemToken: signed(systemToken, wrongKey) }],
    ['tampered timestamp', { ...good, SignedSystemToken: tampered }],
    ['garbage signature', { ...good, SignedSystemToken: `${systemToken}.${stamp(new Date())}.${randomBytes(256).toString('base64')}` }],
    ['stale', { ...good, SignedSystemToken: signed(systemToken, seed.privateKeyPem, new Date(Date.now() - 10 * 60_000)) }],
    ['future', { ...good, SignedSystemToken: signed(systemToken, seed.privateKeyPem, new Date(Date.now() + 10 * 60_000)) }],
    ['wrong app token', { ...good, ApplicationToken: 'not-the-secret', SignedSystemToken: signed(systemToken, seed.privateKeyPem) }],
    ['other tenant', { ...good, ContextIdentifier: 'Cust54321', SignedSystemToken: signed(systemToken, seed.privateKeyPem) }],
    ['unknown tenant', { ...good, ContextIdentifier: 'Cust00000', SignedSystemToken: signed(systemToken, seed.privateKeyPem) }],
    ['not a token', { ...good, SignedSystemToken: 'nothing-here' }],
  ];
  for (const [name, body] of cases) {
    const r = await authenticate(body);
    assert.equal(r.IsSuccessful, false, name);
    assert.equal(r.Token, null, name);
    assert.ok(r.ErrorMessage.length > 0, name);
  }
  // The control case: the same request, correctly signed now, succeeds.
  assert.equal((await authenticate({ ...good, SignedSystemToken: signed(systemToken, seed.privateKeyPem) })).IsSuccessful, true);
  // A lowercase path and camelCase fields, as some clients send them, are accepted.
  const res = await call('/login/api/PartnerSystemUser/Authenticate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ signedSystemToken: signed(systemToken, seed.privateKeyPem), applicationToken: seed.app.clientSecret, contextIdentifier: 'Cust12345' }),
  });
  assert.equal(((await res.json()) as { IsSuccessful: boolean }).IsSuccessful, true);
});

test('the tenant API answers 401 without valid credentials and 403 for another tenant\'s ticket', async () => {
  const ticket = await ticketFor();
  assert.equal((await principalVia({ authorization: `SOTicket ${ticket}`, 'so-apptoken': seed.app.clientSecret })).status, 200);
  const attempts: Array<Record<string, string>> = [
    {},
    { authorization: `SOTicket ${ticket}` },
    { authorization: `SOTicket ${ticket}`, 'so-apptoken': 'wrong' },
    { authorization: 'SOTicket 7T:unknown', 'so-apptoken': seed.app.clientSecret },
    { authorization: 'Bearer 8A:Cust12345.unknown' },
    { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
  ];
  for (const headers of attempts) {
    const res = await principalVia(headers);
    assert.equal(res.status, 401, JSON.stringify(headers));
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['Error', 'ErrorSource', 'ErrorType', 'Message']);
    assert.equal(body.Error, true);
  }
  const foreign = (await (await call('/control/tenants/Cust54321/tickets', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: seed.app.clientId }),
  })).json()) as { ticket: string };
  const res = await principalVia({ authorization: `SOTicket ${foreign.ticket}`, 'so-apptoken': seed.app.clientSecret });
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as { Error: boolean }).Error, true);
});

test('tenantAuth mounted before another router hands it the principal', async () => {
  const ticket = await ticketFor();
  const res = await call('/sod2/Cust12345/api/v1/Anything/else', { headers: { authorization: `SOTicket ${ticket}`, 'so-apptoken': seed.app.clientSecret } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ctx: 'Cust12345', associateId: store.tenant('Cust12345')!.systemAssociateId, appClientId: seed.app.clientId, via: 'SOTicket' });
});

test('tickets expire a lifetime after their last use, and each use slides the window', async () => {
  const settings = async (body: Record<string, number>) => {
    const res = await call('/control/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200);
  };
  const headers = (t: string) => ({ authorization: `SOTicket ${t}`, 'so-apptoken': seed.app.clientSecret });
  try {
    // On the simulator's clock: uses 1.5 s apart keep a 2 s ticket alive well past 2 s.
    await settings({ ticketLifetimeMs: 2000, clockOffsetMs: 0 });
    const ticket = await ticketFor();
    for (const offset of [1500, 3000, 4500]) {
      await settings({ clockOffsetMs: offset });
      assert.equal((await principalVia(headers(ticket))).status, 200, `used again at +${offset} ms`);
    }
    await settings({ clockOffsetMs: 4500 + 2100 });
    assert.equal((await principalVia(headers(ticket))).status, 401);

    // And in real time: a 1 s ticket left alone for longer is gone.
    await settings({ ticketLifetimeMs: 1000, clockOffsetMs: 0 });
    const short = await ticketFor();
    assert.equal((await principalVia(headers(short))).status, 200);
    await sleep(1500);
    assert.equal((await principalVia(headers(short))).status, 401);
  } finally {
    await settings({ ticketLifetimeMs: 6 * 3600_000, clockOffsetMs: 0 });
  }
});

test('revoking the consent ends the tickets and the system token', async () => {
  const ticket = await ticketFor();
  assert.equal((await call(`/control/tenants/Cust12345/consents/${seed.app.clientId}`, { method: 'DELETE' })).status, 204);
  assert.equal((await principalVia({ authorization: `SOTicket ${ticket}`, 'so-apptoken': seed.app.clientSecret })).status, 401);
  const r = await authenticate({ SignedSystemToken: signed(systemToken, seed.privateKeyPem), ApplicationToken: seed.app.clientSecret, ContextIdentifier: 'Cust12345' });
  assert.equal(r.IsSuccessful, false);
});

test('sandbox info lists the seeded tenant with a working ticket, reused across calls', async () => {
  const info = superOfficeInfo(store, seed.app);
  const demo = info.tenants.find((t) => t.contextIdentifier === 'Cust12345')!;
  assert.equal(demo.webApiUrl, `${sim.url}/sod2/Cust12345/api/`);
  assert.equal(demo.appToken, seed.app.clientSecret);
  assert.deepEqual(
    demo.users.map((u) => [u.associateId, u.email, u.isAdministrator, u.calendarSystem, u.mailbox]),
    [
      [5, 'ada.lindqvist@demo-company.example', true, 'graph', 'ada.lindqvist@demo-company.example'],
      [6, 'bjorn.haugen@demo-company.example', false, 'google', 'bjorn.haugen@demo-company.example'],
      [7, 'carla.mendes@demo-company.example', false, 'ews', 'carla.mendes@exchange.demo-company.example'],
      [8, 'daniel.okafor@demo-company.example', false, 'graph', 'daniel.okafor@demo-company.example'],
    ],
  );
  const res = await call(new URL(`${demo.webApiUrl}v1/User/currentPrincipal`).pathname, { headers: { authorization: `SOTicket ${demo.ticket}`, 'so-apptoken': demo.appToken } });
  assert.equal(res.status, 200);
  assert.equal(superOfficeInfo(store, seed.app).tenants[0]!.ticket, demo.ticket);
});

test('with a dataDir the seed keeps the app credentials and consents across restarts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'calsync-so-seed-'));
  try {
    const first = createSuperOfficeStore();
    const a = seedSuperOffice(first, { redirectUris: [REDIRECT], stateChangeUrl: null, dataDir: dir });
    const consent = first.grantConsent(a.app, a.tenant, 5);
    const second = createSuperOfficeStore();
    const b = seedSuperOffice(second, { redirectUris: [REDIRECT], stateChangeUrl: null, dataDir: dir });
    assert.equal(b.app.clientId, a.app.clientId);
    assert.equal(b.app.clientSecret, a.app.clientSecret);
    assert.equal(b.privateKeyPem, a.privateKeyPem);
    assert.equal(second.consent(b.app.clientId, 'Cust12345')?.systemToken, consent.systemToken);
    second.revokeConsent(b.app.clientId, 'Cust12345');
    const third = createSuperOfficeStore();
    const c = seedSuperOffice(third, { redirectUris: [REDIRECT], stateChangeUrl: null, dataDir: dir });
    assert.equal(third.consent(c.app.clientId, 'Cust12345'), undefined);
    // Without a dataDir every seed is fresh.
    assert.notEqual(seedSuperOffice(createSuperOfficeStore(), { redirectUris: [], stateChangeUrl: null }).app.clientId, a.app.clientId);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
