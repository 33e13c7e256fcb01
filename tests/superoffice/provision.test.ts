// End to end against the whole SuperOffice simulator: provisioning from manifest/ (idempotent),
// the webhook's signed test event reaching our receiver, and a user's edit in SuperOffice arriving
// as a verified, recorded, enqueued event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { ListAgent, WebhookAgent, WebhookState, type Webhook } from '@superoffice/webapi';
import { loadManifest } from '../../manifest/manifest.ts';
import { saveCredential } from '../../server/db/credentials.ts';
import { createHttpApp } from '../../server/http/app.ts';
import { superOfficeWebhookRouter } from '../../server/http/superoffice-webhook.ts';
import { createProvisionTenantTask } from '../../server/jobs/provision-tenant.ts';
import { createQueue, type Queue, type TaskContext } from '../../server/jobs/queue.ts';
import { createLogger } from '../../server/log.ts';
import { createKeyring } from '../../server/security/secrets.ts';
import { SYSTEM_TOKEN_KIND } from '../../server/superoffice/credential-kinds.ts';
import { createSuperOfficeServices, type SuperOfficeServices } from '../../server/superoffice/services.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';
import { startSuperOfficeSim, type SuperOfficeSim } from '../helpers/superoffice-sim.ts';

const keyring = createKeyring(`k1:${Buffer.alloc(32, 4).toString('base64')}`);
const manifest = loadManifest();
let so: SuperOfficeSim;
let t: MigratedDatabase;
let queue: Queue;
let server: Server;
let appUrl: string;
let services: SuperOfficeServices;
let tenantId: string;
let linkId: string;

const ctx = (): TaskContext => ({ jobId: '1', attempt: 1, maxAttempts: 1, deferrals: 0, signal: new AbortController().signal, log: createLogger('silent') });
const who = () => ({ tenantId, contextIdentifier: 'Cust12345', systemToken: so.systemToken, serial: so.tenant.serial });

before(async () => {
  t = await migratedDatabase();
  queue = createQueue({ databaseUrl: t.url, db: t.db, log: createLogger('silent'), concurrency: 1, runWorker: false });
  await queue.start();
  // The app's HTTP side first: the simulator needs its URL for the webhook target.
  let handler: Parameters<typeof createServer>[1] = (_q, r) => r.end();
  server = createServer((q, r) => handler!(q, r)).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  so = await startSuperOfficeSim({ appUrl, webhookRetryDelaysMs: [50, 50] });
  handler = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'production' },
    log: createLogger('silent'),
    readiness: () => [],
    routers: [superOfficeWebhookRouter({ db: t.db, keyring, queue })],
  }) as unknown as Parameters<typeof createServer>[1];
  services = createSuperOfficeServices(
    { identityBaseUrl: so.sim.url, clientId: so.seed.app.clientId, clientSecret: so.seed.app.clientSecret, privateKey: so.seed.privateKeyPem },
    { publicUrl: appUrl, extraCaPem: so.caPem },
  );
  // As the install leaves it: the tenant, its sealed system token, and Ada's link.
  [{ id: tenantId }] = await t.db('tenants').insert({ context_identifier: 'Cust12345', installation_state: 'active', serial: so.tenant.serial }).returning('id');
  await saveCredential(t.db, keyring, { tenantId, ownerType: 'tenant', ownerId: tenantId, kind: SYSTEM_TOKEN_KIND, secret: so.systemToken });
  const [{ id: profileId }] = await t.db('profiles').insert({ tenant_id: tenantId, name: 'M365', calendar_system: 'graph' }).returning('id');
  [{ id: linkId }] = await t.db('links').insert({ tenant_id: tenantId, profile_id: profileId, associate_id: 5, mailbox: 'ada@demo.example', state: 'active' }).returning('id');
});

after(async () => {
  await so.close();
  await new Promise<void>((r) => server.close(() => r()));
  await queue.stop(1000);
  await t.close();
});

const provision = () => createProvisionTenantTask({ db: t.db, keyring, api: services.api, manifest, publicUrl: appUrl })({ tenantId }, ctx());
const panels = () => services.api.call(who(), (agent) => agent(ListAgent).getAppWebPanelsAsync());
const webhooks = () => services.api.call(who(), (agent) => agent(WebhookAgent).getAllWebhooksAsync('', '', WebhookState.Unknown));

test('provisioning creates the manifest\'s panels and one signed webhook, whose test event our receiver accepts', async () => {
  await provision();
  const ps = await panels();
  assert.deepEqual(ps.map((p) => p.progId).sort(), manifest.webPanels.map((p) => p.progId).sort());
  for (const p of ps) {
    assert.ok(p.url?.startsWith(`${appUrl}/panel/`), p.url);
    assert.ok(p.url?.includes('<uctx>') && p.url.includes('<usid>'), p.url);
    assert.ok(!p.url?.includes('<usec>'));
  }
  assert.equal(ps.find((p) => p.progId === 'CalendarSync.AppointmentPanel')?.visibleIn, 'ActivityDialog');
  const hs = await webhooks();
  assert.equal(hs.length, 1);
  assert.equal(hs[0]!.targetUrl, `${appUrl}/webhooks/superoffice`);
  assert.equal(hs[0]!.state, WebhookState.Active);
  assert.deepEqual([...(hs[0]!.events ?? [])].sort(), ['activity.changed', 'activity.created', 'activity.deleted']);
  const audit = await t.db('audit_log').where({ tenant_id: tenantId, action: 'provision' });
  assert.equal(audit.length, 1);
});

test('provisioning again duplicates nothing', async () => {
  await provision();
  await provision();
  assert.equal((await panels()).length, manifest.webPanels.length);
  assert.equal((await webhooks()).length, 1);
});

test('a user\'s edit in SuperOffice arrives as a verified, recorded, enqueued event', async () => {
  const before = await t.db('inbound_events').count<{ c: number }[]>('* as c');
  const created = so.simulator.api.editAsUser('Cust12345', 5, { op: 'create', appointment: { StartDate: '2026-12-01T09:00:00Z', EndDate: '2026-12-01T10:00:00Z', Description: 'Pilot review' } });
  assert.ok(created);
  await so.simulator.api.idle();
  const rows = await t.db('inbound_events').where({ tenant_id: tenantId, event_type: 'activity.created' });
  assert.equal(rows.length, 1);
  assert.ok(Number(before[0]!.c) < Number((await t.db('inbound_events').count<{ c: number }[]>('* as c'))[0]!.c));
  const jobs = await t.db('graphile_worker.jobs').where({ queue_name: `link:${linkId}` });
  assert.equal(jobs.length, 1);
});

test('a webhook SuperOffice stopped (TooManyErrors) is set Active again by provisioning', async () => {
  const [hook] = await webhooks();
  await services.api.call(who(), (agent) => agent(WebhookAgent).saveWebhookAsync({ ...hook, state: WebhookState.TooManyErrors } as Webhook));
  assert.equal((await webhooks())[0]!.state, WebhookState.TooManyErrors);
  await provision();
  const [again] = await webhooks();
  assert.equal(again!.state, WebhookState.Active);
  assert.equal(again!.webhookId, hook!.webhookId);
});

test('an unchanged tenant is checked, not rewritten: no second test event, no save', async () => {
  await provision();
  const [last] = await t.db('audit_log').where({ tenant_id: tenantId, action: 'provision' }).orderBy('id', 'desc').limit(1);
  const result = typeof last.after === 'string' ? JSON.parse(last.after) : last.after;
  assert.equal(result.webhook.action, 'unchanged');
  assert.ok(result.panels.every((p: { action: string }) => p.action === 'unchanged'));
});

test('a moved tenant (421 from its old host) keeps working: the host is re-resolved', async () => {
  await panels(); // the API host is now cached
  const oldUrl = so.store.webApiUrl(so.tenant);
  so.store.moveTenant(so.tenant);
  assert.notEqual(so.store.webApiUrl(so.tenant), oldUrl);
  assert.equal((await panels()).length, manifest.webPanels.length);
});

test('a ticket SuperOffice no longer accepts (401) is replaced once, and the call goes through', async () => {
  await panels();
  so.store.tickets.clear();
  assert.equal((await panels()).length, manifest.webPanels.length);
});

test('a refused ticket exchange leaves SuperOffice\'s message on the tenant; the next good run clears it', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  const wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const broken = createSuperOfficeServices(
    { identityBaseUrl: so.sim.url, clientId: so.seed.app.clientId, clientSecret: so.seed.app.clientSecret, privateKey: wrongKey },
    { publicUrl: appUrl, extraCaPem: so.caPem },
  );
  const task = createProvisionTenantTask({ db: t.db, keyring, api: broken.api, manifest, publicUrl: appUrl });
  await assert.rejects(task({ tenantId }, ctx()), /refused a system-user ticket/);
  const row = await t.db('tenants').where({ id: tenantId }).first('status_message', 'installation_state');
  assert.match(row.status_message, /^SuperOffice refused the system user: .*signature/);
  assert.equal(row.installation_state, 'active', 'a refused exchange is not a revocation');
  await provision();
  assert.equal((await t.db('tenants').where({ id: tenantId }).first('status_message')).status_message, null);
});
