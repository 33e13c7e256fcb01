// End to end against the whole SuperOffice simulator: a webhook delivery SuperOffice thinks it made
// but our receiver never saw is caught by the reconciliation (FindAppointment since a watermark),
// which wakes the owner's link; the watermark moves only forward and only after the enqueues, and
// a tenant in maintenance defers the run without losing the change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebhookAgent, WebhookState } from '@superoffice/webapi';
import { loadManifest } from '../../manifest/manifest.ts';
import { startSuperOfficeApp, type SuperOfficeApp } from '../helpers/superoffice-app.ts';
import { RetryLaterError } from '../../server/jobs/errors.ts';
import { createProvisionTenantTask } from '../../server/jobs/provision-tenant.ts';
import { createReconcileTenantTask, RECONCILE_TENANT_TASK } from '../../server/jobs/reconcile-tenant.ts';
import { createReconcileAllTask, RECONCILE_CRONTAB } from '../../server/jobs/reconcile-all.ts';
import { PROVISION_TENANT_TASK } from '../../server/jobs/provision-tenant.ts';

const CTX = 'Cust12345';
let h: SuperOfficeApp;
let t: SuperOfficeApp['t'];
let so: SuperOfficeApp['so'];
let queue: SuperOfficeApp['queue'];
let services: SuperOfficeApp['services'];
let keyring: SuperOfficeApp['keyring'];
let tenantId: string;
let linkId: string;
let provision: () => Promise<void>;
const ctx = () => h.ctx();

before(async () => {
  h = await startSuperOfficeApp();
  ({ t, so, queue, services, keyring, tenantId, linkId } = h);
  const appUrl = h.appUrl;
  provision = () => createProvisionTenantTask({ db: t.db, keyring, api: services.api, manifest: loadManifest(), publicUrl: appUrl })({ tenantId }, ctx());
  // The activity webhook, so that deliveries exist to be lost.
  await provision();
});

after(() => h.close());

/**
 * Waits into the next whole second. Archive stamps have whole seconds and a run keeps a row stamped
 * in its watermark's second (it may be after it), so with no overlap a test steps past it.
 */
const nextSecond = () => new Promise((r) => setTimeout(r, 1010 - (Date.now() % 1000)));

// No overlap: the assertions below tell "re-read" from "not re-read" on a quiet tenant.
const reconcile = () => createReconcileTenantTask({ db: t.db, keyring, api: services.api, queue, overlapMs: 0 })({ tenantId }, ctx());
// The public jobs view hides payloads; the reason is only in the private table.
const linkJobs = () => t.db('graphile_worker._private_jobs').where({ key: `sync-link:${linkId}` }).select('payload');
/** As if the link's sync ran: its pending job is gone. */
const drainLinkJobs = () => t.db.raw('select graphile_worker.remove_job(?)', [`sync-link:${linkId}`]);
const watermark = async () => (await t.db('tenant_watermarks').where({ tenant_id: tenantId }).first('value'))?.value as Date | undefined;

function lostEdit(): number {
  so.simulator.api.injectWebhookFaults(CTX, { drop: 1 });
  const created = so.simulator.api.editAsUser(CTX, 5, { op: 'create', appointment: { StartDate: '2026-12-02T09:00:00Z', EndDate: '2026-12-02T10:00:00Z', Description: 'Lost' } });
  return Number(created?.AppointmentId);
}

test('an appointment whose webhooks were lost is found by the reconciliation, which wakes its owner\'s link', async () => {
  so.simulator.api.injectWebhookFaults(CTX, { drop: 2 });
  // Ada (5) creates it, Bob (6) updates it: both deliveries are dropped.
  const created = so.simulator.api.editAsUser(CTX, 5, { op: 'create', appointment: { StartDate: '2026-12-01T09:00:00Z', EndDate: '2026-12-01T10:00:00Z', Description: 'Pilot review' } });
  const id = Number(created?.AppointmentId);
  assert.ok(id > 0);
  so.simulator.api.editAsUser(CTX, 6, { op: 'update', appointmentId: id, changes: { Description: 'Pilot review (moved)' } });
  await so.simulator.api.idle();
  const lost = so.simulator.api.deliveries(CTX).filter((d) => d.primaryKey === id);
  assert.deepEqual(lost.map((d) => [d.event, d.outcome]), [['activity.created', 'dropped'], ['activity.changed', 'dropped']]);
  assert.equal((await t.db('inbound_events').where({ tenant_id: tenantId }).whereNot({ event_type: 'test' })).length, 0);
  assert.equal((await linkJobs()).length, 0);

  await nextSecond();
  const beforeRun = new Date();
  await reconcile();
  const jobs = await linkJobs();
  assert.equal(jobs.length, 1);
  assert.deepEqual(jobs[0]!.payload, { tenantId, linkId, reason: 'reconcile' });
  // Named for the run as a webhook would have, so it is read even by a run that lists no feed.
  assert.ok(await t.db('sync_hints').where({ tenant_id: tenantId, link_id: linkId, side: 'superoffice', item_id: String(id) }).first());
  const w = await watermark();
  assert.ok(w && w >= new Date(beforeRun.getTime() - 1000), `watermark ${w?.toISOString()}`);
});

test('the next run moves the watermark on and re-enqueues nothing old; a new change wakes the link again', async () => {
  const first = (await watermark())!;
  await drainLinkJobs();
  assert.equal((await linkJobs()).length, 0);
  await reconcile();
  assert.equal((await linkJobs()).length, 0, 'nothing changed since the last run');
  const second = (await watermark())!;
  assert.ok(second > first, `${second.toISOString()} > ${first.toISOString()}`);

  // A change of someone without a link wakes nobody; Ada's own does.
  so.simulator.api.editAsUser(CTX, 7, { op: 'create', appointment: { StartDate: '2026-12-03T09:00:00Z', EndDate: '2026-12-03T10:00:00Z', Description: 'Not ours' } });
  await so.simulator.api.idle();
  await reconcile();
  assert.equal((await linkJobs()).length, 0);
  lostEdit();
  await so.simulator.api.idle();
  await nextSecond();
  await reconcile();
  assert.equal((await linkJobs()).length, 1);
  await drainLinkJobs();
});

test('a change the link already holds at its last-change stamp (its webhook arrived and was synced) wakes nobody', async () => {
  await drainLinkJobs();
  const made = so.simulator.api.editAsUser(CTX, 5, { op: 'create', appointment: { StartDate: '2026-12-04T09:00:00Z', EndDate: '2026-12-04T10:00:00Z', Description: 'Synced already' } });
  const id = Number(made?.AppointmentId);
  await so.simulator.api.idle();
  await drainLinkJobs();
  await t.db('sync_hints').where({ tenant_id: tenantId }).delete();
  // As the link's run records it: the version starts with the appointment's last change.
  const stamp = new Date(String(made?.CreatedDate)).toISOString();
  await t.db('synced_items').insert({ tenant_id: tenantId, link_id: linkId, stable_key: `reconcile-test-${id}`, so_id: String(id), so_version: `${stamp}.0123456789ab`, so_hash: 'h' });
  await reconcile();
  assert.equal((await linkJobs()).length, 0, 'already synced at this stamp');
  assert.equal((await t.db('sync_hints').where({ tenant_id: tenantId })).length, 0);
  // A later edit whose webhook is lost has a newer stamp: the link wakes.
  await new Promise((r) => setTimeout(r, 1100));
  so.simulator.api.injectWebhookFaults(CTX, { drop: 1 });
  so.simulator.api.editAsUser(CTX, 5, { op: 'update', appointmentId: id, changes: { Description: 'Edited, webhook lost' } });
  await so.simulator.api.idle();
  await reconcile();
  assert.equal((await linkJobs()).length, 1);
  await drainLinkJobs();
  await t.db('synced_items').where({ tenant_id: tenantId, so_id: String(id) }).delete();
});

test('a tenant in maintenance defers the run (RetryLaterError) and loses no change once running again', async () => {
  const before = (await watermark())!;
  lostEdit();
  await so.simulator.api.idle();
  so.tenant.state = 'OfflineMaintenance';
  try {
    services.states.forget(CTX);
    await assert.rejects(reconcile(), (e: Error) => e instanceof RetryLaterError);
    assert.equal((await watermark())!.getTime(), before.getTime(), 'watermark kept');
    assert.equal((await linkJobs()).length, 0);
  } finally {
    so.tenant.state = 'Running';
    services.states.forget(CTX);
  }
  await reconcile();
  assert.equal((await linkJobs()).length, 1);
  assert.ok((await watermark())! > before);
  await drainLinkJobs();
});

test('reconcile-all enqueues one reconcile-tenant per installed tenant, keyed by tenant', async () => {
  await t.db('tenants').insert({ context_identifier: 'Cust99999', installation_state: 'uninstalled' });
  const all = createReconcileAllTask({ db: t.db, queue });
  await all({}, ctx());
  await all({}, ctx());
  const jobs = await t.db('graphile_worker._private_jobs')
    .join('graphile_worker._private_tasks as tasks', 'tasks.id', '_private_jobs.task_id')
    .where({ 'tasks.identifier': RECONCILE_TENANT_TASK })
    .select('key', 'payload');
  assert.deepEqual(jobs, [{ key: `reconcile:${tenantId}`, payload: { tenantId } }]);
  assert.match(RECONCILE_CRONTAB, /^\*\/\d+ \* \* \* \* reconcile-all\b/);
});

test('the reconciliation crontab parses as graphile-worker reads it', async () => {
  const { parseCrontab } = await import('graphile-worker');
  const [item] = parseCrontab(RECONCILE_CRONTAB);
  assert.equal(item?.task, 'reconcile-all');
  assert.equal(item?.options.jobKey, 'reconcile-all');
});

test('while SuperOffice refuses the Webhook agent (Online\'s default), sync runs on reconciliation alone: a new appointment reaches its owner\'s link through reconcile-tenant; every round retries the webhook', async () => {
  const hooks = () => services.api.call(h.who(), (agent) => agent(WebhookAgent).getAllWebhooksAsync('', '', WebhookState.Unknown));
  for (const hook of await hooks()) await services.api.call(h.who(), (agent) => agent(WebhookAgent).deleteWebhookAsync(hook.webhookId!));
  await drainLinkJobs();
  await reconcile();
  await drainLinkJobs();
  // Through the simulator's control API, as the shell and tools outside the process set it.
  const access = (body: unknown) =>
    so.fetch(`${so.sim.url}/control/tenants/${CTX}/webhook-access`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal((await access({ granted: false, refusal: 'maybe' })).status, 400);
  assert.equal((await access({ granted: false })).status, 204);
  try {
    await provision();
    assert.match((await t.db('tenants').where({ id: tenantId }).first('webhook_message')).webhook_message ?? '', /next reconciliation/);
    const made = so.simulator.api.editAsUser(CTX, 5, { op: 'create', appointment: { StartDate: '2026-12-05T09:00:00Z', EndDate: '2026-12-05T10:00:00Z', Description: 'No webhook' } });
    const id = Number(made?.AppointmentId);
    await so.simulator.api.idle();
    assert.equal(so.simulator.api.deliveries(CTX).filter((d) => d.primaryKey === id).length, 0, 'no webhook, no delivery');
    assert.equal((await linkJobs()).length, 0);
    await reconcile();
    assert.deepEqual((await linkJobs()).map((j) => j.payload), [{ tenantId, linkId, reason: 'reconcile' }]);
    assert.ok(await t.db('sync_hints').where({ tenant_id: tenantId, link_id: linkId, side: 'superoffice', item_id: String(id) }).first());
    // The round that reconciles also queues the provisioning that tries the webhook again.
    await createReconcileAllTask({ db: t.db, queue })({}, ctx());
    assert.ok(await t.db('graphile_worker._private_jobs').where({ key: `provision:${tenantId}` }).first(), PROVISION_TENANT_TASK);
  } finally {
    assert.equal((await access({ granted: true })).status, 204);
  }
  await provision();
  assert.equal((await hooks()).length, 1);
  assert.equal((await t.db('tenants').where({ id: tenantId }).first('webhook_message')).webhook_message, null);
  await drainLinkJobs();
});
