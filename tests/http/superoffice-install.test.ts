// Installing for a SuperOffice tenant against the simulator: consent through the real code flow
// (PKCE, nonce, acr_values), id_token verified against the simulator's JWKS, system token sealed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { createHttpApp } from '../../server/http/app.ts';
import { superOfficeInstallRouter } from '../../server/http/superoffice-install.ts';
import { loadCredential } from '../../server/db/credentials.ts';
import { createQueue, type Queue } from '../../server/jobs/queue.ts';
import { createLogger } from '../../server/log.ts';
import { createKeyring } from '../../server/security/secrets.ts';
import { SuperOfficeKeys } from '../../server/superoffice/jwks.ts';
import { PROVISION_TENANT_TASK } from '../../server/jobs/provision-tenant.ts';
import { SYSTEM_TOKEN_KIND } from '../../server/superoffice/credential-kinds.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';
import { startSuperOfficeSim, type SuperOfficeSim } from '../helpers/superoffice-sim.ts';

const REDIRECT = 'https://app.example/superoffice/callback';
const keyring = createKeyring(`k1:${Buffer.alloc(32, 5).toString('base64')}`);
let so: SuperOfficeSim;
let t: MigratedDatabase;
let queue: Queue;
let server: Server;
let app: string;
const logLines: string[] = [];

before(async () => {
  so = await startSuperOfficeSim();
  t = await migratedDatabase();
  queue = createQueue({ databaseUrl: t.url, db: t.db, log: createLogger('silent'), concurrency: 1, runWorker: false });
  await queue.start();
  const deps = {
    db: t.db,
    keyring,
    keys: new SuperOfficeKeys(`${so.sim.url}/login/.well-known/jwks`, so.fetch),
    oidc: { identityBaseUrl: so.sim.url, clientId: so.seed.app.clientId, clientSecret: so.seed.app.clientSecret, redirectUri: REDIRECT },
    queue,
    fetch: so.fetch,
  };
  const http = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'production' },
    log: createLogger('info', new Writable({ write: (c, _e, cb) => (logLines.push(String(c)), cb()) })),
    readiness: () => [],
    routers: [superOfficeInstallRouter(deps)],
  });
  server = http.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  app = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await queue.stop(1000);
  await t.close();
  await so.close();
});

/** Starts an install at the app and returns the authorize URL it sent the browser to. */
async function startInstall(ctx = 'Cust12345'): Promise<URL> {
  const res = await fetch(`${app}/superoffice/install?ctx=${ctx}`, { redirect: 'manual' });
  assert.equal(res.status, 302);
  return new URL(res.headers.get('location')!);
}

/** The person on SuperOffice's consent page picks a user and approves; returns the callback query. */
async function consent(authorize: URL, associateId: number): Promise<URLSearchParams> {
  const body = new URLSearchParams({ ...Object.fromEntries(authorize.searchParams), user: `Cust12345:${associateId}`, decision: 'approve' });
  const res = await so.fetch(`${so.sim.url}/login/common/oauth/authorize`, { method: 'POST', body, redirect: 'manual' });
  assert.equal(res.status, 302, await res.text());
  const back = new URL(res.headers.get('location')!);
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
  return back.searchParams;
}

async function callback(query: URLSearchParams) {
  const res = await fetch(`${app}/superoffice/callback?${query}`);
  return { status: res.status, text: await res.text() };
}

test('the authorize request carries PKCE S256, state, nonce and the tenant', async () => {
  const a = await startInstall();
  for (const p of ['state', 'nonce', 'code_challenge']) assert.ok(a.searchParams.get(p), p);
  assert.equal(a.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(a.searchParams.get('acr_values'), 'tenant:Cust12345');
  assert.equal(a.searchParams.get('redirect_uri'), REDIRECT);
});

test('an administrator\'s consent installs the tenant: row, sealed system token, audit entry, provisioning job', async () => {
  const r = await callback(await consent(await startInstall(), 5));
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /installed for Demo Company \(Cust12345\)/);
  const tenant = await t.db('tenants').where({ context_identifier: 'Cust12345' }).first();
  assert.equal(tenant.installation_state, 'active');
  assert.equal(tenant.installed_by_associate_id, 5);
  assert.equal(tenant.serial, so.tenant.serial);
  assert.equal(tenant.api_base_url, so.store.webApiUrl(so.tenant));
  const secret = await loadCredential(t.db, keyring, { tenantId: tenant.id, ownerType: 'tenant', ownerId: tenant.id, kind: SYSTEM_TOKEN_KIND });
  assert.equal(secret, so.systemToken);
  const row = await t.db('credentials').where({ tenant_id: tenant.id, kind: SYSTEM_TOKEN_KIND }).first();
  assert.ok(!row.ciphertext.includes(so.systemToken));
  assert.equal((await t.db('audit_log').where({ tenant_id: tenant.id, action: 'install' })).length, 1);
  const jobs = await t.db('graphile_worker.jobs').where({ task_identifier: PROVISION_TENANT_TASK });
  assert.equal(jobs.length, 1);
});

test('installing again updates the same tenant, refreshes what its id_token says, and keeps one pending provisioning job', async () => {
  // The tenant's facts changed since the first installation (another serial, another numbered host).
  const [serial, host] = [so.tenant.serial, so.tenant.hostNumber];
  so.tenant.serial = '1987654321';
  so.tenant.hostNumber = host + 1;
  try {
    const r = await callback(await consent(await startInstall(), 5));
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /reconnected/);
    const row = await t.db('tenants').where({ context_identifier: 'Cust12345' }).first('serial', 'api_base_url');
    assert.equal(row.serial, '1987654321');
    assert.equal(row.api_base_url, so.store.webApiUrl(so.tenant));
  } finally {
    so.tenant.serial = serial;
    so.tenant.hostNumber = host;
  }
  assert.equal((await t.db('tenants').where({ context_identifier: 'Cust12345' })).length, 1);
  assert.equal((await t.db('graphile_worker.jobs').where({ task_identifier: PROVISION_TENANT_TASK })).length, 1);
});

test('a user who is not an administrator cannot install', async () => {
  const r = await callback(await consent(await startInstall(), 6));
  assert.equal(r.status, 400);
  assert.match(r.text, /Only a SuperOffice administrator/);
});

test('a callback is good once: a replayed state is refused', async () => {
  const q = await consent(await startInstall(), 5);
  assert.equal((await callback(q)).status, 200);
  const again = await callback(q);
  assert.equal(again.status, 400);
  assert.match(again.text, /expired or was already used/);
});

test('a code from one sign-in does not complete another (PKCE and nonce bind them)', async () => {
  const first = await consent(await startInstall(), 5);
  const second = await startInstall();
  const crossed = new URLSearchParams({ code: first.get('code')!, state: second.searchParams.get('state')! });
  const r = await callback(crossed);
  assert.equal(r.status, 400);
  assert.match(r.text, /refused the sign-in|rejected/);
});

test('a consent the administrator declines says so; a bad ctx is refused', async () => {
  const a = await startInstall();
  const body = new URLSearchParams({ ...Object.fromEntries(a.searchParams), user: 'Cust12345:5', decision: 'deny' });
  const res = await so.fetch(`${so.sim.url}/login/common/oauth/authorize`, { method: 'POST', body, redirect: 'manual' });
  const back = new URL(res.headers.get('location')!);
  assert.ok(back.searchParams.get('error'));
  const r = await callback(back.searchParams);
  assert.equal(r.status, 400);
  assert.equal((await fetch(`${app}/superoffice/install?ctx=%3Cscript%3E`)).status, 400);
});

test('an error description in the callback is logged, never shown: the page says what happened in our words', async () => {
  const phish = 'Your licence expired: call +1-555-0100';
  for (const error of ['access_denied', 'licence_expired', 'bad<b>code']) {
    const a = await startInstall();
    const from = logLines.length;
    const r = await callback(new URLSearchParams({ state: a.searchParams.get('state')!, error, error_description: phish }));
    assert.equal(r.status, 400);
    assert.ok(!r.text.includes('555-0100'), r.text);
    assert.ok(!r.text.includes('licence expired'), r.text);
    assert.match(r.text, /Calendar Sync was not installed/);
    if (error === 'licence_expired') assert.match(r.text, /error code licence_expired/);
    if (error === 'bad<b>code') assert.ok(!r.text.includes('bad'), r.text);
    const logged = logLines.slice(from).find((l) => l.includes('SuperOffice answered with an error'));
    assert.ok(logged?.includes('555-0100'), 'the description is not in the log');
    assert.ok(logged?.includes('"level":40'));
  }
});
