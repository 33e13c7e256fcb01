// Change notifications: subscriptions made, renewed, reauthorized and deleted against the simulator
// (which runs the validation handshake against a local receiver and then POSTs real notifications
// to it), and parseNotifications on what arrives and on what must be refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_SUBSCRIPTION_MINUTES, NotificationPayloadInvalid, createSubscription, deleteSubscription, parseNotifications,
  reauthorizeSubscription, renewSubscription, sameEventVersion, subscriptionExpiry, validationTokenOf,
} from '../../../server/providers/graph/subscription.ts';
import { NotFound } from '../../../server/sync/errors.ts';
import { startNotificationReceiver, type NotificationReceiver } from '../../helpers/notification-receiver.ts';
import { ADA, startGraphHarness, type GraphHarness } from './harness.ts';

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

const target = () => ({ mailbox: ADA, notificationUrl: `${rx.base}/graph/notify`, lifecycleNotificationUrl: `${rx.base}/graph/lifecycle` });

test('a subscription delivers notifications that parse with its clientState, and nobody else\'s', async () => {
  const now = new Date();
  const { subscription, clientState } = await createSubscription(h.app, target(), now);
  assert.ok(clientState.length >= 32 && clientState.length <= 128);
  assert.equal(subscription.resource, `users/${ADA}/events`);
  assert.ok(subscription.expiresAt.getTime() <= now.getTime() + MAX_SUBSCRIPTION_MINUTES * 60_000);
  assert.ok(subscription.expiresAt.getTime() > now.getTime() + 2 * 24 * 3600_000);
  const listed = h.sim.control.subscriptions().find((s) => s.id === subscription.id);
  assert.equal(listed?.changeType, 'created,updated,deleted');

  rx.received.length = 0;
  const created = h.sim.control.editAsUser(ADA, { op: 'create', event: { subject: 'Notify me', start: { dateTime: '2026-05-05T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-05-05T10:00:00', timeZone: 'UTC' } } })!;
  await h.sim.control.idle();
  const delivery = rx.received.find((r) => r.path === '/graph/notify');
  assert.ok(delivery, 'a notification arrived');
  const parsed = parseNotifications(delivery.body, new Map([[subscription.id, clientState]]));
  assert.deepEqual(parsed.subscriptionIds, [subscription.id]);
  assert.equal(parsed.changes.length, 1);
  assert.equal(parsed.changes[0]!.changeType, 'created');
  assert.equal(parsed.changes[0]!.resourceId, created.id);
  assert.equal(parsed.changes[0]!.userId, h.sim.users.find((u) => u.userPrincipalName === ADA)!.id);
  assert.equal(parsed.changes[0]!.tenantId, h.sim.tenantId);
  assert.deepEqual(parsed.rejected, []);
  // The notified version is Graph's observed etag, never the changeKey's text, yet names its version.
  const changeKey = (h.sim.control.events(ADA).find((e) => e.id === created.id) as { changeKey: string }).changeKey;
  assert.notEqual(parsed.changes[0]!.changeKey, changeKey);
  assert.match(parsed.changes[0]!.changeKey!, /^DwAAABYAAA/); // the 11th character already holds version bits
  assert.ok(sameEventVersion(parsed.changes[0]!.changeKey!, changeKey));

  const forged = parseNotifications(delivery.body, new Map([[subscription.id, `${clientState}x`]]));
  assert.deepEqual(forged.changes, []);
  assert.deepEqual(forged.rejected, [{ subscriptionId: subscription.id, reason: 'client_state_mismatch' }]);
  assert.deepEqual(parseNotifications(delivery.body, new Map()).rejected, [{ subscriptionId: subscription.id, reason: 'unknown_subscription' }]);
  await deleteSubscription(h.app, subscription.id);
});

test('renew moves the expiry; reauthorizationRequired arrives as a lifecycle event and reauthorize answers it; delete is idempotent', async () => {
  const { subscription, clientState } = await createSubscription(h.app, target(), new Date(Date.now() - 3600_000));
  const renewed = await renewSubscription(h.app, subscription.id);
  assert.ok(renewed.expiresAt.getTime() > subscription.expiresAt.getTime());

  rx.received.length = 0;
  assert.equal(h.sim.control.fireLifecycle(subscription.id, 'reauthorizationRequired'), true);
  await h.sim.control.idle();
  const delivery = rx.received.find((r) => r.path === '/graph/lifecycle');
  assert.ok(delivery);
  const parsed = parseNotifications(delivery.body, new Map([[subscription.id, clientState]]));
  assert.deepEqual(parsed.lifecycle, [{ subscriptionId: subscription.id, event: 'reauthorizationRequired', tenantId: h.sim.tenantId }]);
  await reauthorizeSubscription(h.app, subscription.id);

  await deleteSubscription(h.app, subscription.id);
  assert.equal(h.sim.control.subscriptions().some((s) => s.id === subscription.id), false);
  await deleteSubscription(h.app, subscription.id);
  await assert.rejects(renewSubscription(h.app, subscription.id), NotFound);
});

test('a notification URL that fails the validation handshake gets no subscription', async () => {
  await assert.rejects(createSubscription(h.app, { ...target(), notificationUrl: `${rx.base.replace(/:\d+$/, ':1')}/nobody` }), (err: Error) => err.name === 'GraphRejected');
});

test('sameEventVersion: the captured etag and changeKey shapes, equal text, and "cannot tell" as different', () => {
  const version = Buffer.from('00112233445566778899aabbccddeeff0011aabbccdd', 'hex');
  const withHeader = (type: number, v: Buffer) => {
    const header = Buffer.alloc(8);
    header.writeUInt32LE(type, 0);
    header.writeUInt32LE(v.length, 4);
    return Buffer.concat([header, v]).toString('base64');
  };
  const changeKey = withHeader(0x09, version);
  const notified = withHeader(0x0f, version);
  assert.match(changeKey, /^CQAAABYAAAA/);
  assert.match(notified, /^DwAAABYAAAA/);
  assert.ok(sameEventVersion(notified, changeKey), 'the same version behind each one\'s header');
  assert.ok(sameEventVersion(changeKey, changeKey), 'equal text');
  assert.ok(sameEventVersion(withHeader(0x0f, Buffer.from(changeKey, 'base64')), changeKey), 'the whole changeKey behind a header');
  const other = Buffer.from(version);
  other[21] = other[21]! ^ 1;
  assert.equal(sameEventVersion(withHeader(0x0f, other), changeKey), false, 'another version');
  assert.equal(sameEventVersion('not base64 !', changeKey), false);
  assert.equal(sameEventVersion('AAAA', changeKey), false, 'too short to tell');
});

test('parseNotifications refuses what is not a notification collection, and compares clientState whole', () => {
  const subs = new Map([['sub-1', 'secret-state']]);
  for (const bad of [null, {}, { value: [] }, { value: [{ changeType: 'created' }] }, { value: 'x' }, 'text']) {
    assert.throws(() => parseNotifications(bad, subs), NotificationPayloadInvalid, JSON.stringify(bad));
  }
  const one = (over: object) => ({ value: [{ subscriptionId: 'sub-1', clientState: 'secret-state', changeType: 'updated', resource: 'Users/u-1/Events/e-1', ...over }] });
  assert.equal(parseNotifications(one({}), subs).changes[0]!.resourceId, 'e-1');
  assert.equal(parseNotifications(one({ clientState: 'secret-stat' }), subs).rejected[0]!.reason, 'client_state_mismatch');
  assert.equal(parseNotifications(one({ clientState: undefined }), subs).rejected[0]!.reason, 'client_state_mismatch');
  assert.equal(parseNotifications(one({ changeType: 'moved' }), subs).rejected[0]!.reason, 'unknown_change');
  const missed = parseNotifications({ value: [{ subscriptionId: 'sub-1', clientState: 'secret-state', lifecycleEvent: 'missed' }] }, subs);
  assert.deepEqual(missed.lifecycle, [{ subscriptionId: 'sub-1', event: 'missed' }]);
  assert.equal(validationTokenOf({ validationToken: 'abc' }), 'abc');
  assert.equal(validationTokenOf({}), undefined);
  const at = new Date('2026-03-01T00:00:00Z');
  assert.equal(subscriptionExpiry(at, 99_999).getTime(), at.getTime() + MAX_SUBSCRIPTION_MINUTES * 60_000);
});
