// SuperOffice's tenant state pushes, from the simulator to the app: verified, recorded once, applied.
// The token names no change type (SuperOffice documents no claim that would), so a token is spent
// once per change, and Suspend, Resume, Delete and Move are applied only when SuperOffice's state service agrees.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { createHttpApp } from '../../server/http/app.ts';
import { superOfficeStateChangeRouter } from '../../server/http/superoffice-state-change.ts';
import { createLogger } from '../../server/log.ts';
import { SuperOfficeKeys } from '../../server/superoffice/jwks.ts';
import { TenantStates } from '../../server/superoffice/tenant-state.ts';
import { CHANGE_TYPES, pushStateChange, stateChangeToken } from '../../sandbox/superoffice/control.ts';
import { CLAIM, SUPEROFFICE_AS, signJwt, timeClaims } from '../../sandbox/superoffice/identity/jwt.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';
import { startSuperOfficeSim, type SuperOfficeSim } from '../helpers/superoffice-sim.ts';

let so: SuperOfficeSim;
let t: MigratedDatabase;
let server: Server;
let appUrl: string;
let states: TenantStates;
/** While set, the app's calls to SuperOffice's state service fail as if it were unreachable. */
let stateServiceDown = false;
/** Every line the app logged, parsed. */
const logs: { level: number; msg: string }[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as { level: number; msg: string });
    done();
  },
});

before(async () => {
  t = await migratedDatabase();
  let handler: Parameters<typeof createServer>[1] = (_q, r) => r.end();
  server = createServer((q, r) => handler!(q, r)).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  so = await startSuperOfficeSim({ appUrl });
  const stateFetch: typeof fetch = (input, init) => (stateServiceDown ? Promise.reject(new TypeError('fetch failed')) : so.fetch(input, init));
  states = new TenantStates(so.sim.url, stateFetch);
  handler = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'production' },
    log: createLogger('info', logSink),
    readiness: () => [],
    routers: [
      superOfficeStateChangeRouter({ db: t.db, keys: new SuperOfficeKeys(`${so.sim.url}/login/.well-known/jwks`, so.fetch), states, clientId: so.seed.app.clientId, environmentIssuer: so.sim.url.replace(/\/+$/, '') }),
    ],
  }) as unknown as Parameters<typeof createServer>[1];
  await t.db('tenants').insert({ context_identifier: 'Cust12345', installation_state: 'active', tenant_state: 'Running' });
});
after(async () => {
  await so.close();
  await new Promise<void>((r) => server.close(() => r()));
  await t.close();
});

const tenant = () => t.db('tenants').where({ context_identifier: 'Cust12345' }).first();

test('Suspend pauses and Resume resumes the tenant, each recorded and audited', async () => {
  const [d] = await pushStateChange(so.store, so.tenant, { changeType: CHANGE_TYPES.Suspend });
  assert.equal(d!.status, 200, d!.error ?? '');
  assert.equal((await tenant()).tenant_state, 'Suspended');
  await pushStateChange(so.store, so.tenant, { changeType: CHANGE_TYPES.Resume });
  assert.equal((await tenant()).tenant_state, 'Running');
  assert.equal((await t.db('inbound_events').where({ source: 'tenant_state' })).length, 2);
  assert.deepEqual((await t.db('audit_log').orderBy('id').pluck('action')), ['tenant.suspend', 'tenant.resume']);
});

test('Move makes the app ask SuperOffice for the tenant\'s new API host', async () => {
  const before = (await states.get('Cust12345')).webApiUrl;
  const [d] = await pushStateChange(so.store, so.tenant, { changeType: CHANGE_TYPES.Move });
  assert.equal(d!.status, 200);
  const after = (await states.get('Cust12345')).webApiUrl;
  assert.notEqual(after, before);
  assert.equal(after, so.store.webApiUrl(so.tenant));
});

test('a forged or replayed notification changes nothing', async () => {
  const forged = await fetch(`${appUrl}/superoffice/state-change`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ChangeType: 4, ContextIdentifier: 'Cust12345', Token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' }),
  });
  assert.equal(forged.status, 401);
  assert.equal((await tenant()).installation_state, 'active');
  const malformed = await fetch(`${appUrl}/superoffice/state-change`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(malformed.status, 400);
});

const post = (body: unknown) =>
  fetch(`${appUrl}/superoffice/state-change`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const events = async () => (await t.db('inbound_events').where({ source: 'tenant_state' })).length;
/**
 * The simulator's clock moves on a second. Without a jti, pushes signed within one second carry the
 * same token, and an Upgrade may not reuse a token another change spent.
 */
const nextSecond = () => {
  so.store.settings.clockOffsetMs += 1000;
};
/** Log lines written from now on: warn is 40, error 50 (pino). */
const logMark = () => {
  const from = logs.length;
  return () => logs.slice(from);
};

test('a replayed token is refused with a 409 and a warning, never an error, and is recorded once', async () => {
  nextSecond();
  const [d] = await pushStateChange(so.store, so.tenant, { changeType: CHANGE_TYPES.Upgrade, versionName: 'R11', fileVersion: '11.0' });
  assert.equal(d!.status, 200, d!.error ?? '');
  const recorded = await events();
  const since = logMark();
  const again = await post(d!.notification);
  assert.equal(again.status, 409);
  assert.equal(((await again.json()) as { error: string }).error, 'replayed_token');
  assert.equal(await events(), recorded);
  const lines = since();
  assert.ok(lines.some((l) => l.level === 40 && l.msg === 'state change rejected'), JSON.stringify(lines));
  assert.ok(lines.every((l) => l.level < 50), JSON.stringify(lines));
});

const stateAudits = async () => (await t.db('audit_log').whereIn('action', ['tenant.delete', 'tenant.suspend'])).length;

test('a token captured from one change cannot be used as another', async () => {
  const audited = await stateAudits();
  nextSecond();
  // Delivered: an Upgrade. Its token, resent as a change nobody can check, is spent; resent as a
  // Delete, Suspend or Move, SuperOffice's state service (the tenant runs, where it was) contradicts it.
  const [d] = await pushStateChange(so.store, so.tenant, { changeType: CHANGE_TYPES.Upgrade });
  assert.equal(d!.status, 200, d!.error ?? '');
  for (const [ChangeType, error] of [
    [CHANGE_TYPES.Upgrade, 'replayed_token'],
    [CHANGE_TYPES.BackupRestored, 'replayed_token'],
    [CHANGE_TYPES.Delete, 'state_not_confirmed'],
    [CHANGE_TYPES.Suspend, 'state_not_confirmed'],
    [CHANGE_TYPES.Move, 'state_not_confirmed'],
  ] as const) {
    const res = await post({ ...d!.notification, ChangeType });
    assert.equal(res.status, 409, `ChangeType ${ChangeType}`);
    assert.equal(((await res.json()) as { error: string }).error, error);
  }
  // Never delivered (say, caught on the way): SuperOffice says the tenant runs, so neither a
  // Delete nor a Suspend is believed, and the refusal does not spend the token.
  nextSecond();
  const Token = stateChangeToken(so.store, so.tenant, so.seed.app.clientId);
  const since = logMark();
  for (const ChangeType of [CHANGE_TYPES.Delete, CHANGE_TYPES.Suspend, CHANGE_TYPES.Move]) {
    const res = await post({ ChangeType, ContextIdentifier: 'Cust12345', Token, PublicEndpoint: 'sod9.superoffice.com' });
    assert.equal(res.status, 409);
    assert.equal(((await res.json()) as { error: string }).error, 'state_not_confirmed');
  }
  assert.ok(since().every((l) => l.level < 50));
  const row = await tenant();
  assert.equal(row.installation_state, 'active');
  assert.equal(row.tenant_state, 'Running');
  assert.equal(await stateAudits(), audited);
  // The change it was issued for still goes through.
  const honest = await post({ ChangeType: CHANGE_TYPES.Upgrade, ContextIdentifier: 'Cust12345', Token });
  assert.equal(honest.status, 200);
});

test('a Resume that SuperOffice does not confirm leaves a suspended tenant suspended', async () => {
  const [d] = await pushStateChange(so.store, so.tenant, { changeType: CHANGE_TYPES.Suspend });
  assert.equal(d!.status, 200, d!.error ?? '');
  const res = await post({ ChangeType: CHANGE_TYPES.Resume, ContextIdentifier: 'Cust12345', Token: stateChangeToken(so.store, so.tenant, so.seed.app.clientId) });
  assert.equal(res.status, 409);
  assert.equal((await tenant()).tenant_state, 'Suspended');
  const [r] = await pushStateChange(so.store, so.tenant, { changeType: CHANGE_TYPES.Resume });
  assert.equal(r!.status, 200, r!.error ?? '');
  assert.equal((await tenant()).tenant_state, 'Running');
});

test('a token carrying a jti is remembered by it', async () => {
  const claims = { sub: 'Cust12345', [`${CLAIM}ctx`]: 'Cust12345', iss: SUPEROFFICE_AS, aud: `spn:${so.seed.app.clientId}`, jti: 'a2f1c6e0-state-1' };
  const first = signJwt(so.store, { ...claims, ...timeClaims(so.store, 300) });
  const second = signJwt(so.store, { ...claims, ...timeClaims(so.store, 240) });
  assert.notEqual(first, second);
  assert.equal((await post({ ChangeType: CHANGE_TYPES.Upgrade, ContextIdentifier: 'Cust12345', Token: first })).status, 200);
  const res = await post({ ChangeType: CHANGE_TYPES.Upgrade, ContextIdentifier: 'Cust12345', Token: second });
  assert.equal(res.status, 409);
});

test('an unreachable state service defers the change (503) and leaves the token usable', async () => {
  so.tenant.state = 'Suspended';
  nextSecond();
  const Token = stateChangeToken(so.store, so.tenant, so.seed.app.clientId);
  stateServiceDown = true;
  try {
    const res = await post({ ChangeType: CHANGE_TYPES.Suspend, ContextIdentifier: 'Cust12345', Token });
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { error: string }).error, 'state_unavailable');
    assert.equal((await tenant()).tenant_state, 'Running');
  } finally {
    stateServiceDown = false;
  }
  assert.equal((await post({ ChangeType: CHANGE_TYPES.Suspend, ContextIdentifier: 'Cust12345', Token })).status, 200);
  assert.equal((await tenant()).tenant_state, 'Suspended');
  const [r] = await pushStateChange(so.store, so.tenant, { changeType: CHANGE_TYPES.Resume });
  assert.equal(r!.status, 200, r!.error ?? '');
});

test('a NUL character in a signed notification is a 400, not a database error', async () => {
  nextSecond();
  const since = logMark();
  const res = await post({ ChangeType: CHANGE_TYPES.Upgrade, ContextIdentifier: 'Cust12345', VersionName: 'R11\u0000', Token: stateChangeToken(so.store, so.tenant, so.seed.app.clientId) });
  assert.equal(res.status, 400);
  assert.ok(since().every((l) => l.level < 50));
});

// Last: it uninstalls the tenant.
test('the honest Delete push marks the tenant uninstalled', async () => {
  const [d] = await pushStateChange(so.store, so.tenant, { changeType: CHANGE_TYPES.Delete });
  assert.equal(d!.status, 200, d!.error ?? '');
  const row = await t.db('tenants').where({ context_identifier: 'Cust12345' }).first();
  assert.equal(row.installation_state, 'uninstalled');
  assert.equal(row.tenant_state, 'Deleted');
});

test('a token issued as SuperOffice\'s own sample expects (the environment as issuer, no audience) is accepted, and still changes only what the state service confirms', async () => {
  // Installed and running again after the Delete test.
  so.tenant.state = 'Running';
  await t.db('tenants').where({ context_identifier: 'Cust12345' }).update({ installation_state: 'active', tenant_state: 'Running' });
  nextSecond();
  const Token = stateChangeToken(so.store, so.tenant, so.seed.app.clientId, 'environment');
  // SuperOffice says the tenant runs: a Suspend with this token is not believed, and spends nothing.
  const refused = await post({ ChangeType: CHANGE_TYPES.Suspend, ContextIdentifier: 'Cust12345', Token });
  assert.equal(refused.status, 409);
  assert.equal(((await refused.json()) as { error: string }).error, 'state_not_confirmed');
  so.tenant.state = 'Suspended';
  try {
    const res = await post({ ChangeType: CHANGE_TYPES.Suspend, ContextIdentifier: 'Cust12345', Token });
    assert.equal(res.status, 200, await res.text());
    assert.equal((await tenant()).tenant_state, 'Suspended');
  } finally {
    so.tenant.state = 'Running';
  }
  const [r] = await pushStateChange(so.store, so.tenant, { changeType: CHANGE_TYPES.Resume });
  assert.equal(r!.status, 200, r!.error ?? '');
  // Another issuer altogether is refused before anything is read.
  const foreign = signJwt(so.store, { sub: 'Cust12345', [`${CLAIM}ctx`]: 'Cust12345', iss: 'https://elsewhere.example', ...timeClaims(so.store, 300) });
  assert.equal((await post({ ChangeType: CHANGE_TYPES.Upgrade, ContextIdentifier: 'Cust12345', Token: foreign })).status, 401);
});
