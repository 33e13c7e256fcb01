// Contract: Microsoft Graph's documented notification shapes (samples/graph-notifications.ts)
// replayed into the app's parser, and the Graph simulator's deliveries held against them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSubscription, deleteSubscription, parseNotifications } from '../../server/providers/graph/subscription.ts';
import { startNotificationReceiver, type NotificationReceiver } from '../helpers/notification-receiver.ts';
import { ADA, startGraphHarness, type GraphHarness } from '../providers/graph/harness.ts';
import { CLIENT_STATE, changeNotification, EVENT_ID, lifecycleNotification, SUBSCRIPTION_ID, TENANT_ID, USER_ID } from './samples/graph-notifications.ts';

let h: GraphHarness;
let rx: NotificationReceiver;

before(async () => {
  h = await startGraphHarness({ allowHttpNotifications: true });
  rx = await startNotificationReceiver();
});

after(async () => {
  await h.close();
  await rx.close();
});

const states = new Map([[SUBSCRIPTION_ID, CLIENT_STATE]]);

test('the documented change notification parses into the event, its user, its tenant and its version', () => {
  const parsed = parseNotifications(changeNotification, states);
  assert.deepEqual(parsed.rejected, []);
  assert.deepEqual(parsed.changes, [{
    subscriptionId: SUBSCRIPTION_ID, changeType: 'updated', resource: changeNotification.value[0]!.resource,
    userId: USER_ID, resourceId: EVENT_ID, changeKey: 'DwAAABYAAAAdKp2sPTa2RLP7hV1TVtdcAAMt2cvQ', tenantId: TENANT_ID,
  }]);
});

test('the documented lifecycle notification parses into its event', () => {
  const parsed = parseNotifications(lifecycleNotification, states);
  assert.deepEqual(parsed.lifecycle, [{ subscriptionId: SUBSCRIPTION_ID, event: 'reauthorizationRequired', tenantId: TENANT_ID }]);
  assert.deepEqual(parsed.changes, []);
});

test('the simulator\'s change and lifecycle notifications have the documented fields', async () => {
  const { subscription } = await createSubscription(h.app, { mailbox: ADA, notificationUrl: `${rx.base}/notify`, lifecycleNotificationUrl: `${rx.base}/lifecycle` }, new Date());
  try {
    rx.received.length = 0;
    h.sim.control.editAsUser(ADA, { op: 'create', event: { subject: 'Contract', start: { dateTime: '2026-05-05T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-05-05T10:00:00', timeZone: 'UTC' } } });
    await h.sim.control.idle();
    const change = rx.received.find((r) => r.path === '/notify')?.body.value[0];
    assert.ok(change, 'a change notification arrived');
    const keys = (o: object) => Object.keys(o).sort();
    // The simulator also sends `id` (documented as optional); everything documented is there.
    for (const k of keys(changeNotification.value[0]!)) assert.ok(k in change, `change notification has ${k}`);
    assert.deepEqual(keys(change.resourceData as object), keys(changeNotification.value[0]!.resourceData));
    assert.match(String((change.resourceData as Record<string, unknown>)['@odata.etag']), /^W\/"DwAAABYAAA/);

    assert.ok(h.sim.control.fireLifecycle(subscription.id, 'reauthorizationRequired'));
    await h.sim.control.idle();
    const lifecycle = rx.received.find((r) => r.path === '/lifecycle')?.body.value[0];
    assert.ok(lifecycle, 'a lifecycle notification arrived');
    for (const k of keys(lifecycleNotification.value[0]!)) assert.ok(k in lifecycle, `lifecycle notification has ${k}`);
  } finally {
    await deleteSubscription(h.app, subscription.id);
  }
});
