// The tenant API's control object over HTTP (/control/tenants/:ctx/appointments, faults, deliveries)
// on the whole simulator: edits made as a user through these routes reach a registered webhook as
// activity.* events, injected faults take effect, and bad requests get a 400 or 404 that says why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSuperOfficeSim, type SuperOfficeSim } from '../../helpers/superoffice-sim.ts';
import { registerWebhook } from '../../helpers/superoffice-webhook.ts';
import { startReceiver, type Receiver } from './webhook-receiver.ts';

let so: SuperOfficeSim;
let rx: Receiver;
let control: string;

before(async () => {
  so = await startSuperOfficeSim({ webhookRetryDelaysMs: [5, 5] });
  rx = await startReceiver();
  control = `${so.sim.url}/control`;
  await registerWebhook(so, rx.url);
});
after(async () => {
  await so.close();
  await rx.close();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await so.fetch(`${control}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const BASE = '/tenants/Cust12345/appointments';

test('create, edit and delete as a user post activity.created, .changed and .deleted', async () => {
  const before = so.simulator.api.deliveries('Cust12345').length;
  const created = await call('POST', BASE, {
    associateId: 6,
    appointment: { Title: 'Control route meeting', StartDate: '2025-03-03T09:00:00Z', EndDate: '2025-03-03T10:00:00Z' },
  });
  assert.equal(created.status, 201);
  const id = created.body.AppointmentId as number;
  assert.ok(id > 0);
  assert.equal(created.body.Associate.AssociateId, 6);

  const listed = await call('GET', BASE);
  assert.equal(listed.status, 200);
  assert.ok(listed.body.some((a: { AppointmentId: number }) => a.AppointmentId === id));

  const changed = await call('PATCH', `${BASE}/${id}`, { associateId: 6, changes: { Title: 'Moved meeting', EndDate: '2025-03-03T11:00:00Z' } });
  assert.equal(changed.status, 200);
  assert.equal(changed.body.Title, 'Moved meeting');
  assert.equal(changed.body.EndDate, '2025-03-03T11:00:00Z');

  const deleted = await call('DELETE', `${BASE}/${id}?associateId=6`);
  assert.equal(deleted.status, 204);
  assert.equal((await call('GET', BASE)).body.length, 0);

  await so.simulator.api.idle();
  const { status, body: deliveries } = await call('GET', '/deliveries?ctx=Cust12345');
  assert.equal(status, 200);
  const mine = (deliveries as Array<{ event: string; primaryKey: number; outcome: string }>).slice(before);
  assert.deepEqual(mine.map((d) => [d.event, d.primaryKey, d.outcome]), [
    ['activity.created', id, 'delivered'],
    ['activity.changed', id, 'delivered'],
    ['activity.deleted', id, 'delivered'],
  ]);
  const events = rx.received.map((r) => r.body.Event);
  assert.deepEqual(events.slice(-3), ['activity.created', 'activity.changed', 'activity.deleted']);
});

test('webhook faults drop or duplicate the next deliveries', async () => {
  assert.equal((await call('PUT', '/tenants/Cust12345/faults/webhooks', { drop: 1, duplicate: 1 })).status, 204);
  const seen = rx.received.length;
  const before = so.simulator.api.deliveries('Cust12345').length;
  const a = await call('POST', BASE, { associateId: 5, appointment: { Title: 'Dropped', StartDate: '2025-03-04T09:00:00Z', EndDate: '2025-03-04T09:30:00Z' } });
  const b = await call('POST', BASE, { associateId: 5, appointment: { Title: 'Twice', StartDate: '2025-03-04T10:00:00Z', EndDate: '2025-03-04T10:30:00Z' } });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  await so.simulator.api.idle();
  const mine = so.simulator.api.deliveries('Cust12345').slice(before);
  assert.deepEqual(mine.map((d) => [d.primaryKey, d.outcome]), [
    [a.body.AppointmentId, 'dropped'],
    [b.body.AppointmentId, 'delivered'],
    [b.body.AppointmentId, 'delivered'],
  ]);
  assert.equal(rx.received.length - seen, 2, 'the dropped event never reaches the receiver; the duplicated one twice');
});

test('API faults answer the tenant API with 429 or 503 for the next requests', async () => {
  const fault = await call('PUT', '/tenants/Cust12345/faults/api', { status: 503, count: 1, retryAfterSeconds: 7 });
  assert.equal(fault.status, 204);
  const api = new URL('v1/Appointment/1', so.store.webApiUrl(so.tenant)).href;
  const first = await so.fetch(api);
  assert.equal(first.status, 503);
  assert.equal(first.headers.get('retry-after'), '7');
  // The fault is used up: the next call gets past it to authentication.
  assert.equal((await so.fetch(api)).status, 401);
});

test('bad requests get a 400 or 404 that names the problem', async () => {
  const noUser = await call('POST', BASE, { appointment: {} });
  assert.equal(noUser.status, 400);
  assert.match(noUser.body.message, /associateId/);

  const badDate = await call('POST', BASE, { associateId: 6, appointment: { StartDate: 'tomorrow' } });
  assert.equal(badDate.status, 400);
  assert.match(badDate.body.message, /StartDate/);

  const strangerOwner = await call('POST', BASE, { associateId: 999, appointment: {} });
  assert.equal(strangerOwner.status, 400);
  assert.match(strangerOwner.body.message, /Associate 999/);

  const missing = await call('PATCH', `${BASE}/424242`, { associateId: 6, changes: { Title: 'x' } });
  assert.equal(missing.status, 404);
  assert.match(missing.body.message, /424242/);

  assert.equal((await call('DELETE', `${BASE}/abc?associateId=6`)).status, 400);
  assert.match((await call('DELETE', `${BASE}/1`)).body.message, /associateId/);
  assert.equal((await call('GET', '/tenants/Nobody/appointments')).status, 404);

  const faults = await call('PUT', '/tenants/Cust12345/faults/webhooks', { drop: -1, lose: 2 });
  assert.equal(faults.status, 400);
  assert.match(faults.body.message, /drop/);
  const status = await call('PUT', '/tenants/Cust12345/faults/api', { status: 500 });
  assert.equal(status.status, 400);
  assert.match(status.body.message, /status/);
});
