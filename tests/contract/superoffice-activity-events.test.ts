// Contract: SuperOffice's documented activity webhook samples (samples/superoffice-activity-events.ts)
// replayed into the app's own parser and receiver, and the simulator's deliveries held against the
// samples' shape. What the page shows is what the app must route, and what the simulator must send.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { saveCredential } from '../../server/db/credentials.ts';
import { superOfficeWebhookRouter } from '../../server/http/superoffice-webhook.ts';
import { createProvisionTenantTask } from '../../server/jobs/provision-tenant.ts';
import { ROUTE_ACTIVITY_TASK } from '../../server/jobs/route-activity.ts';
import { createKeyring } from '../../server/security/secrets.ts';
import { WEBHOOK_SECRET_KIND } from '../../server/superoffice/credential-kinds.ts';
import { isDocumentEvent, ownerAssociateId, webhookPayloadSchema } from '../../server/superoffice/webhook-payload.ts';
import { signWebhookBody } from '../../server/superoffice/webhook-signature.ts';
import { loadManifest } from '../../manifest/manifest.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';
import { serveReceiver, type Receiver } from '../helpers/receiver.ts';
import { startSuperOfficeApp } from '../helpers/superoffice-app.ts';
import { activityChanged, activityCreated, activityDeleted } from './samples/superoffice-activity-events.ts';

const SECRET = 'whsec-contract-1';
const keyring = createKeyring(`k1:${Buffer.alloc(32, 4).toString('base64')}`);
let t: MigratedDatabase;
let receiver: Receiver;
let tenantId: string;
let linkId: string;

before(async () => {
  t = await migratedDatabase();
  // The samples' tenant is `Default`; the created sample's owner is associate 5.
  [{ id: tenantId }] = await t.db('tenants').insert({ context_identifier: 'Default', installation_state: 'active' }).returning('id');
  const [{ id: profileId }] = await t.db('profiles').insert({ tenant_id: tenantId, name: 'M365', calendar_system: 'graph' }).returning('id');
  [{ id: linkId }] = await t.db('links').insert({ tenant_id: tenantId, profile_id: profileId, associate_id: 5, mailbox: 'ada@demo.example', state: 'active' }).returning('id');
  await saveCredential(t.db, keyring, { tenantId, ownerType: 'tenant', ownerId: tenantId, kind: WEBHOOK_SECRET_KIND, secret: SECRET });
  receiver = await serveReceiver(t, '/webhooks/superoffice', (queue) => superOfficeWebhookRouter({ db: t.db, keyring, queue }));
});

after(async () => {
  await receiver?.close();
  await t?.close();
});

async function deliver(body: object): Promise<{ status: number; body: { ok?: boolean; outcome?: string; ignored?: string } }> {
  const raw = Buffer.from(JSON.stringify(body));
  const res = await fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-superoffice-signature': signWebhookBody(SECRET, raw) }, body: raw });
  return { status: res.status, body: (await res.json()) as { ok?: boolean; outcome?: string } };
}

test('the documented samples parse; only created names an owner and a type', () => {
  for (const sample of [activityCreated, activityChanged, activityDeleted]) assert.ok(webhookPayloadSchema.safeParse(sample).success, sample.Event);
  assert.equal(ownerAssociateId(webhookPayloadSchema.parse(activityCreated)), 5);
  assert.equal(ownerAssociateId(webhookPayloadSchema.parse(activityChanged)), undefined);
  assert.equal(ownerAssociateId(webhookPayloadSchema.parse(activityDeleted)), undefined);
  assert.ok(isDocumentEvent(webhookPayloadSchema.parse(activityCreated)), 'the created sample is a document row (type 4)');
});

test('the receiver routes each documented sample: a document is dropped, an unknown owner goes to a job, a known item wakes its link', async () => {
  assert.deepEqual(await deliver(activityCreated), { status: 200, body: { ok: true, ignored: 'document' } });
  // Not synced yet and no owner in the body: a job asks SuperOffice whose it is.
  assert.deepEqual(await deliver(activityChanged), { status: 200, body: { ok: true, outcome: 'routing' } });
  const routing = await t.db('graphile_worker.jobs').where({ task_identifier: ROUTE_ACTIVITY_TASK }).first('key');
  assert.equal(routing?.key, `${ROUTE_ACTIVITY_TASK}:${tenantId}:4039840`);
  // Once the appointment is in the link table, the link is found from it, for a change and a deletion.
  await t.db('synced_items').insert({ tenant_id: tenantId, link_id: linkId, so_id: '4039840', ext_id: 'ev-1', stable_key: randomUUID(), state: 'active' });
  assert.deepEqual(await deliver({ ...activityChanged, EventId: randomUUID() }), { status: 200, body: { ok: true, outcome: 'enqueued' } });
  // The page gives its changed and deleted samples one EventId; a real delivery has its own.
  assert.deepEqual(await deliver({ ...activityDeleted, EventId: randomUUID() }), { status: 200, body: { ok: true, outcome: 'enqueued' } });
});

test('the simulator sends bodies of the documented shape', async () => {
  const h = await startSuperOfficeApp();
  try {
    await createProvisionTenantTask({ db: h.t.db, keyring: h.keyring, api: h.services.api, manifest: loadManifest(), publicUrl: h.appUrl })({ tenantId: h.tenantId }, h.ctx());
    const api = h.so.simulator.api;
    const created = api.editAsUser('Cust12345', 5, { op: 'create', appointment: { StartDate: '2026-12-01T09:00:00Z', EndDate: '2026-12-01T10:00:00Z', Title: 'Contract' } });
    const id = Number(created?.AppointmentId);
    api.editAsUser('Cust12345', 5, { op: 'update', appointmentId: id, changes: { Title: 'Contract (signed)' } });
    api.editAsUser('Cust12345', 5, { op: 'delete', appointmentId: id });
    await api.idle();
    const sent = async (event: string) =>
      ((await h.t.db('inbound_events').where({ tenant_id: h.tenantId, source: 'superoffice', event_type: event }).orderBy('received_at', 'desc').first('payload'))?.payload ?? {}) as Record<string, unknown>;
    const keys = (o: object) => Object.keys(o).sort();
    for (const [event, sample] of [['activity.created', activityCreated], ['activity.changed', activityChanged], ['activity.deleted', activityDeleted]] as const) {
      const body = await sent(event);
      assert.deepEqual(keys(body), keys(sample), `${event}: the same fields as the sample`);
    }
    assert.deepEqual(keys((await sent('activity.created')).FieldValues as object), keys(activityCreated.FieldValues));
    assert.deepEqual(keys((await sent('activity.deleted')).Values as object), keys(activityDeleted.Values));
    assert.deepEqual((await sent('activity.deleted')).Changes, []);
  } finally {
    await h.close();
  }
});
