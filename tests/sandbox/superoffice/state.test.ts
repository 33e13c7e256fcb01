// Tenant state against the simulator over HTTPS: the status endpoint, the numbered host that moves
// (421 on the old one), the API closing while the tenant is not running (503), and state-change
// pushes to the app's URL with a Token that verifies against the JWKS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import jwt from 'jsonwebtoken';
import type { RequestInit } from 'undici';
import type { SuperOfficeSeed } from '../../../sandbox/superoffice/seed.ts';
import { startIdentitySim, type IdentitySim } from './identity-harness.ts';

const C = 'http://schemes.superoffice.net/identity/';

let h: IdentitySim;
let sim: IdentitySim['sim'];
let seed: SuperOfficeSeed;
let receiver: Server;
const received: Array<Record<string, unknown>> = [];
let ticket: string;

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      received.push({ ...(JSON.parse(body) as Record<string, unknown>), _contentType: req.headers['content-type'], _path: req.url });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as { port: number }).port;

  h = await startIdentitySim({
    redirectUris: [],
    stateChangeUrl: `http://127.0.0.1:${port}/superoffice/state-change`,
    prepare(st, sd) {
      st.createTenant({ contextIdentifier: 'Cust54321', companyName: 'Not Consented' });
      st.grantConsent(sd.app, sd.tenant, 5);
    },
  });
  ({ sim, seed } = h);
  ticket = ((await (await control('POST', '/tenants/Cust12345/tickets', { clientId: seed.app.clientId })).json()) as { ticket: string }).ticket;
});
after(async () => {
  await h.close();
  await new Promise((resolve) => receiver.close(resolve));
});

const call = (path: string, init?: RequestInit) => h.call(path, init);

function control(method: string, path: string, body?: unknown) {
  return call(`/control${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

async function state(ctx = 'Cust12345') {
  const res = await call(`/api/state/${ctx}`);
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, unknown>;
}

async function principalAt(host: string) {
  const res = await call(`/${host}/Cust12345/api/v1/User/currentPrincipal`, { headers: { authorization: `SOTicket ${ticket}`, 'so-apptoken': seed.app.clientSecret } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

test('the status endpoint says where the tenant lives and whether it runs', async () => {
  const s = await state();
  assert.equal(s.ContextIdentifier, 'Cust12345');
  assert.equal(s.State, 'Running');
  assert.equal(s.IsRunning, true);
  assert.equal(s.Endpoint, `${sim.url}/sod2/Cust12345`);
  assert.equal(s.Api, `${sim.url}/sod2/Cust12345/api`);
  assert.ok(Date.parse(String(s.ValidUntil)) > Date.now());
  // The fields of the response example in docs/en/developer-portal/best-practices/tenant-status/check-status.md.
  assert.deepEqual(Object.keys(s).sort(), ['Api', 'ContextIdentifier', 'Endpoint', 'IsRunning', 'State', 'ValidUntil', 'Version']);
  assert.match(String(s.Version), /^Release_\d+\.\d+/);
  const unknown = await state('Cust00000');
  assert.equal(unknown.State, 'Unknown');
  assert.equal(unknown.IsRunning, false);
});

test('a moved tenant answers 421 on its old numbered host and works on the new one', async () => {
  assert.equal((await principalAt('sod2')).status, 200);
  const moved = (await (await control('POST', '/tenants/Cust12345/move', {})).json()) as Record<string, string>;
  assert.equal(moved.hostAlias, 'sod3');
  assert.equal(moved.webApiUrl, `${sim.url}/sod3/Cust12345/api/`);
  const old = await principalAt('sod2');
  assert.equal(old.status, 421);
  assert.equal(old.json.Message, 'Wrong subdomain used to access tenant');
  assert.equal(old.json.Error, true);
  assert.equal((await principalAt('sod3')).status, 200);
  assert.equal((await state()).Endpoint, `${sim.url}/sod3/Cust12345`);
  // The un-numbered host is for authentication only.
  assert.equal((await principalAt('sod')).status, 421);
  await control('POST', '/tenants/Cust12345/move', { hostNumber: 2 });
  assert.equal((await principalAt('sod2')).status, 200);
  const missing = await call('/sod2/Cust00000/api/v1/User/currentPrincipal');
  assert.equal(missing.status, 404);
});

test('the API is unavailable (503) while the tenant is not running, and back afterwards', async () => {
  for (const [name, code, running] of [
    ['OfflineMaintenance', 503, false],
    ['Suspended', 503, false],
    ['OnlineMaintenance', 200, true],
    ['Running', 200, true],
  ] as const) {
    const set = await control('PUT', '/tenants/Cust12345/state', { state: name });
    assert.equal(set.status, 200);
    const s = await state();
    assert.equal(s.State, name);
    assert.equal(s.IsRunning, running);
    const res = await principalAt('sod2');
    assert.equal(res.status, code, name);
    if (code === 503) assert.equal(res.json.Error, true);
  }
  assert.equal((await control('PUT', '/tenants/Cust12345/state', { state: 'Sleeping' })).status, 400);
});

async function push(body: Record<string, unknown>, ctx = 'Cust12345') {
  const res = await control('POST', `/tenants/${ctx}/state-change`, body);
  assert.equal(res.status, 200);
  return (await res.json()) as { deliveries: Array<{ clientId: string; status: number | null; error: string | null }> };
}

async function verifyPushToken(token: string): Promise<jwt.JwtPayload> {
  const { keys } = (await (await call('/login/.well-known/jwks')).json()) as { keys: JsonWebKey[] };
  const kid = jwt.decode(token, { complete: true })?.header.kid;
  const key = createPublicKey({ key: keys.find((k) => k.kid === kid)!, format: 'jwk' });
  return jwt.verify(token, key, { algorithms: ['RS256'], issuer: 'SuperOffice AS', audience: `spn:${seed.app.clientId}` }) as jwt.JwtPayload;
}

test('state changes are applied and pushed to the app with a token signed by the JWKS key', async () => {
  received.length = 0;
  const suspend = await push({ changeType: 2 });
  assert.deepEqual(suspend.deliveries.map((d) => [d.clientId, d.status]), [[seed.app.clientId, 200]]);
  assert.equal(received.length, 1);
  const msg = received[0]!;
  assert.equal(msg._path, '/superoffice/state-change');
  assert.match(String(msg._contentType), /^application\/json/);
  assert.equal(msg.ChangeType, 2);
  assert.equal(msg.ContextIdentifier, 'Cust12345');
  assert.equal(typeof msg.VersionName, 'string');
  assert.equal(typeof msg.FileVersion, 'string');
  assert.equal(msg.PublicEndpoint, undefined);
  const claims = await verifyPushToken(String(msg.Token));
  assert.equal(claims[`${C}ctx`], 'Cust12345');
  assert.equal((await state()).State, 'Suspended');
  assert.equal((await principalAt('sod2')).status, 503);

  await push({ changeType: 3 });
  assert.equal((await state()).State, 'Running');
  assert.equal((await principalAt('sod2')).status, 200);

  await push({ changeType: 0, versionName: 'Release_10.4.1', fileVersion: '10.4.1.2025' });
  assert.equal(received.at(-1)!.VersionName, 'Release_10.4.1');
  assert.equal(received.at(-1)!.FileVersion, '10.4.1.2025');

  await push({ changeType: 5 });
  const move = received.at(-1)!;
  assert.equal(move.ChangeType, 5);
  assert.equal(move.PublicEndpoint, `${new URL(sim.url).host}/sod3`);
  assert.equal((await principalAt('sod3')).status, 200);
  assert.equal((await principalAt('sod2')).status, 421);
  await verifyPushToken(String(move.Token));

  // A token from anyone else does not verify.
  const forged = jwt.sign({ [`${C}ctx`]: 'Cust12345' }, 'secret', { issuer: 'SuperOffice AS', audience: `spn:${seed.app.clientId}` });
  await assert.rejects(verifyPushToken(forged));

  // Tenants without the app's consent tell it nothing.
  const before = received.length;
  assert.deepEqual((await push({ changeType: 2 }, 'Cust54321')).deliveries, []);
  assert.equal(received.length, before);
  assert.equal((await control('POST', '/tenants/Cust12345/state-change', { changeType: 9 })).status, 400);
});
