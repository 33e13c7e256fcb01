// Webhook definitions through the SDK's WebhookAgent and REST, and the dispatcher: signed test POST
// on save, signed activity.* deliveries, retries, TooManyErrors, and injected delivery faults.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { WebhookAgent } from '@superoffice/webapi';
import { CTX, USER, failure, startHarness, type Harness } from './api-harness.ts';
import { startReceiver, type Receiver } from './webhook-receiver.ts';

let h: Harness;
let rx: Receiver;
const hooks = () => new WebhookAgent(h.baseUrl, h.cfg());
const EVENTS = ['activity.created', 'activity.changed', 'activity.deleted'];
const SECRET = 's3cr3t-for-tests';

before(async () => {
  h = await startHarness();
});
after(() => h.close());
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(async () => {
  // Each test ends with its hook removed, so later tests start with none.
  for (const w of await hooks().getAllWebhooksAsync('', '', null as never)) await hooks().deleteWebhookAsync(w.webhookId!);
  await h.control.idle();
  await rx.close();
});

const save = (over: Record<string, unknown> = {}) =>
  hooks().saveWebhookAsync({ name: 'CalSync Cust12345', events: EVENTS, targetUrl: rx.url, secret: SECRET, state: 'Active', type: 'webhook', ...over } as never);

const verify = (raw: Buffer, header: unknown) => createHmac('sha256', SECRET).update(raw).digest('base64') === header;

const appointment = () => h.control.editAsUser(CTX, USER, { op: 'create', appointment: { StartDate: '2025-02-01T09:00:00Z', EndDate: '2025-02-01T10:00:00Z' } })!;

test('save posts a signed test event and is rejected unless the target answers 200', async () => {
  rx.respond = () => 500;
  const refused = await failure(save());
  assert.equal(refused.status, 400);
  assert.equal(refused.data.Error, true);
  assert.match(String(refused.data.Message), /500/);
  assert.equal((await hooks().getAllWebhooksAsync('', '', null as never)).length, 0);
  const test = rx.received[0]!;
  assert.equal(test.headers['x-hook-test'], 'true');
  assert.equal(test.headers['x-superoffice-event'], 'test');
  assert.equal(test.body.Event, 'test');
  assert.deepEqual(test.body.Changes, []);
  assert.ok(verify(test.raw, test.headers['x-superoffice-signature']));

  const insecure = await failure(save({ targetUrl: 'http://www.example.com/hook' }));
  assert.equal(insecure.status, 400);
  assert.equal(insecure.data.ErrorType, 'ArgumentException');
  assert.match(String(insecure.data.Message), /must be secure: 'HTTPS:' not found/);

  rx.respond = () => 200;
  const saved = await save();
  assert.ok(saved.webhookId! > 0);
  assert.equal(saved.state, 'Active');
  assert.deepEqual((await hooks().getWebhookAsync(saved.webhookId!)).events, EVENTS);
  const viaRest = await h.raw('GET', `v1/Webhook/${saved.webhookId}`);
  assert.equal((viaRest.body as Record<string, unknown>).TargetUrl, rx.url);
});

test('appointment changes are delivered as activity.* with DB column names and an HMAC over the raw bytes', async () => {
  await save();
  const created = appointment();
  const id = created.AppointmentId as number;
  h.control.editAsUser(CTX, USER, { op: 'update', appointmentId: id, changes: { EndDate: '2025-02-01T11:00:00Z' } });
  h.control.editAsUser(CTX, USER, { op: 'delete', appointmentId: id });
  const [, c, u, d] = await rx.waitFor(4);
  for (const r of [c!, u!, d!]) {
    assert.ok(verify(r.raw, r.headers['x-superoffice-signature']), 'signature verifies over the exact bytes');
    assert.equal(r.headers['x-superoffice-event'], r.body.Event);
    assert.equal(r.headers['x-superoffice-eventid'], r.body.EventId);
    assert.equal(r.headers['x-superoffice-retry'], '0');
    assert.equal(r.body.PrimaryKey, id);
    assert.equal(r.body.Entity, 'activity');
    assert.equal(r.body.ContextIdentifier, CTX);
    assert.equal(r.body.ChangedByAssociateId, USER);
  }
  assert.deepEqual([c!.body.Event, u!.body.Event, d!.body.Event], EVENTS);
  // The fields of SuperOffice's own samples (docs/en/automation/webhook/reference/activity-events.md):
  // FieldValues only on created; changed names its columns; deleted has no Changes, ids in Values.
  assert.equal((c!.body.FieldValues as Record<string, unknown>).associate_id, USER);
  assert.equal(u!.body.FieldValues, undefined);
  assert.deepEqual(u!.body.Changes, ['appointment_id', 'endDate', 'updated', 'updated_associate_id', 'updatedCount']);
  assert.equal(d!.body.FieldValues, undefined);
  assert.deepEqual(d!.body.Changes, []);
  assert.deepEqual(d!.body.Values, { appointment_id: id, contact_id: 0, person_id: 0, project_id: 0, sale_id: 0 });
  assert.equal(new Set([c, u, d].map((r) => r!.body.EventId)).size, 3);
});

test('the full payload setting sends FieldValues with the owner on every event, as the simulator once did', async () => {
  await save();
  h.control.setWebhookPayload('full');
  try {
    const id = appointment().AppointmentId as number;
    h.control.editAsUser(CTX, USER, { op: 'update', appointmentId: id, changes: { EndDate: '2025-02-01T11:00:00Z' } });
    h.control.editAsUser(CTX, USER, { op: 'delete', appointmentId: id });
    const [, c, u, d] = await rx.waitFor(4);
    for (const r of [c!, u!, d!]) assert.equal((r.body.FieldValues as Record<string, unknown>).associate_id, USER);
    assert.deepEqual(d!.body.Changes, ['appointment_id']);
  } finally {
    h.control.setWebhookPayload('documented');
  }
});

test('no Secret, no signature header', async () => {
  await save({ secret: '' });
  appointment();
  const [, delivery] = await rx.waitFor(2);
  assert.equal(delivery!.headers['x-superoffice-signature'], undefined);
});

test('a failing receiver gets 3 tries per cycle with one EventId, and the hook stops after 9 failures', async () => {
  await save();
  rx.respond = (_r, i) => (i === 0 ? 200 : 503);
  appointment();
  await h.control.idle();
  const tries = rx.received.slice(1);
  assert.equal(tries.length, 9);
  assert.deepEqual(tries.map((r) => r.headers['x-superoffice-retry']), ['0', '1', '2', '3', '4', '5', '6', '7', '8']);
  assert.equal(new Set(tries.map((r) => r.body.EventId)).size, 1);
  const [hook] = await hooks().getAllWebhooksAsync('', '', null as never);
  assert.equal(hook!.state, 'TooManyErrors');
  assert.match(await hooks().getLastErrorAsync(hook!.webhookId!), /503/);
  // A stopped hook sends nothing more until the app sets it Active again.
  appointment();
  await h.control.idle();
  assert.equal(rx.received.length, 10);
  rx.respond = () => 200;
  await hooks().saveWebhookAsync({ ...hook!, state: 'Active' as never });
  appointment();
  // The re-save's test POST, then the new event.
  const all = await rx.waitFor(12);
  assert.deepEqual(all.slice(10).map((r) => r.body.Event), ['test', 'activity.created']);
});

test('a 410 stops the hook at once; a receiver that recovers keeps it Active, its last error kept', async () => {
  await save();
  rx.respond = (_r, i) => (i === 1 ? 500 : 200);
  appointment();
  await h.control.idle();
  assert.deepEqual(rx.received.slice(1).map((r) => r.headers['x-superoffice-retry']), ['0', '1']);
  const [ok] = await hooks().getAllWebhooksAsync('', '', null as never);
  assert.equal(ok!.state, 'Active');
  // The error count is not on the documented Webhook carrier; the last error is, through GetLastError.
  assert.match(await hooks().getLastErrorAsync(ok!.webhookId!), /500/);
  rx.respond = () => 410;
  appointment();
  await h.control.idle();
  assert.equal(rx.received.length, 4);
  assert.equal((await hooks().getAllWebhooksAsync('', '', null as never))[0]!.state, 'TooManyErrors');
});

test('fault injection: dropped, duplicated and reordered deliveries', async () => {
  await save();
  h.control.injectWebhookFaults(CTX, { drop: 1 });
  const lost = appointment();
  const kept = appointment();
  await rx.waitFor(2);
  await h.control.idle();
  assert.deepEqual(rx.received.slice(1).map((r) => r.body.PrimaryKey), [kept.AppointmentId]);
  assert.ok(h.control.deliveries(CTX).some((d) => d.outcome === 'dropped' && d.primaryKey === lost.AppointmentId));

  h.control.injectWebhookFaults(CTX, { duplicate: 1 });
  appointment();
  const [, , a, b] = await rx.waitFor(4);
  assert.equal(a!.body.EventId, b!.body.EventId);
  assert.deepEqual(a!.raw, b!.raw);

  h.control.injectWebhookFaults(CTX, { reorder: 1 });
  const early = appointment();
  const late = appointment();
  const got = await rx.waitFor(6);
  assert.deepEqual(got.slice(4).map((r) => r.body.PrimaryKey), [late.AppointmentId, early.AppointmentId]);
});

test('API fault injection answers 503/429 with the error body, then recovers', async () => {
  h.control.injectApiFaults(CTX, { status: 429, count: 1, retryAfterSeconds: 2 });
  const limited = await h.raw('GET', 'v1/Webhook');
  assert.equal(limited.status, 429);
  assert.equal(limited.headers['retry-after'], '2');
  assert.equal((limited.body as { Error: boolean }).Error, true);
  h.control.injectApiFaults(CTX, { status: 503 });
  assert.equal((await h.raw('GET', 'v1/Webhook')).status, 503);
  assert.equal((await h.raw('GET', 'v1/Webhook')).status, 200);
});
