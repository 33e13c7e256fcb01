// SuperOffice's tenant state pushes, from the simulator to the app: verified, recorded once, applied.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { createHttpApp } from '../../server/http/app.ts';
import { superOfficeStateChangeRouter } from '../../server/http/superoffice-state-change.ts';
import { createLogger } from '../../server/log.ts';
import { SuperOfficeKeys } from '../../server/superoffice/jwks.ts';
import { TenantStates } from '../../server/superoffice/tenant-state.ts';
import { CHANGE_TYPES, pushStateChange } from '../../sandbox/superoffice/control.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';
import { startSuperOfficeSim, type SuperOfficeSim } from '../helpers/superoffice-sim.ts';

let so: SuperOfficeSim;
let t: MigratedDatabase;
let server: Server;
let appUrl: string;
let states: TenantStates;

before(async () => {
  t = await migratedDatabase();
  let handler: Parameters<typeof createServer>[1] = (_q, r) => r.end();
  server = createServer((q, r) => handler!(q, r)).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  so = await startSuperOfficeSim({ appUrl });
  states = new TenantStates(so.sim.url, so.fetch);
  handler = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'production' },
    log: createLogger('silent'),
    readiness: () => [],
    routers: [
      superOfficeStateChangeRouter({ db: t.db, keys: new SuperOfficeKeys(`${so.sim.url}/login/.well-known/jwks`, so.fetch), states, clientId: so.seed.app.clientId }),
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

test('a redelivered notification is recorded once', async () => {
  const { signJwt, timeClaims, CLAIM, SUPEROFFICE_AS } = await import('../../sandbox/superoffice/identity/jwt.ts');
  const Token = signJwt(so.store, { sub: 'Cust12345', [`${CLAIM}ctx`]: 'Cust12345', ...timeClaims(so.store, 300), iss: SUPEROFFICE_AS, aud: `spn:${so.seed.app.clientId}` });
  const body = JSON.stringify({ ChangeType: 0, ContextIdentifier: 'Cust12345', VersionName: 'R11', FileVersion: '11.0', Token });
  const before = (await t.db('inbound_events').where({ source: 'tenant_state' })).length;
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${appUrl}/superoffice/state-change`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(res.status, 200);
  }
  assert.equal((await t.db('inbound_events').where({ source: 'tenant_state' })).length, before + 1);
});
