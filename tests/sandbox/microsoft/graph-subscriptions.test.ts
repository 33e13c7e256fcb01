// Subscriptions and notifications through the Graph client and a local receiver: the validation
// handshake, expiry limits, renewal, notifications for changes by the app and by a person, retries,
// injected faults, lifecycle events and reauthorization.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { ADA, DANIEL, startMsHarness, type MsHarness } from './harness.ts';
import { startReceiver, type Receiver } from './receiver.ts';

interface Sub {
  id: string;
  resource: string;
  expirationDateTime: string;
  clientState: string | null;
  changeType: string;
  lifecycleNotificationUrl: string | null;
}

const enc = encodeURIComponent;
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
const event = (subject: string) => ({ subject, start: { dateTime: '2031-05-05T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2031-05-05T10:00:00', timeZone: 'UTC' } });

describe('Microsoft simulator: subscriptions and notifications', () => {
  let h: MsHarness;
  let g: Client;
  let rx: Receiver;
  let adaId: string;
  const subscribe = (extra: Record<string, unknown> = {}) =>
    g.api('/subscriptions').post({
      changeType: 'created,updated,deleted', notificationUrl: `${rx.url}/changes`, lifecycleNotificationUrl: `${rx.url}/lifecycle`,
      resource: `users/${ADA}/events`, expirationDateTime: inMinutes(60), clientState: 'secret-state', ...extra,
    }) as Promise<Sub>;

  before(async () => {
    h = await startMsHarness({ settings: { notificationRetryDelaysMs: [20, 20], notificationTimeoutMs: 1000 } });
    g = await h.appGraph();
    rx = await startReceiver();
    adaId = h.sim.users.find((u) => u.userPrincipalName === ADA)!.id;
  });
  beforeEach(async () => {
    await h.sim.control.idle();
    for (const s of (await g.api('/subscriptions').get()).value as Sub[]) await g.api(`/subscriptions/${s.id}`).delete();
    rx.received.length = 0;
    rx.validations.length = 0;
    rx.respond = () => ({ status: 202 });
    rx.validate = (token) => ({ status: 200, body: token });
  });
  after(async () => {
    await h.close();
    await rx.close();
  });

  test('creating runs the handshake on both URLs and returns the subscription', async () => {
    const s = await subscribe();
    assert.deepEqual(rx.validations, ['/changes', '/lifecycle']);
    assert.equal(s.clientState, 'secret-state');
    assert.equal(s.resource, `users/${ADA}/events`);
    assert.equal(s.changeType, 'created,updated,deleted');
    const listed = (await g.api('/subscriptions').get()).value as Sub[];
    assert.deepEqual(listed.map((x) => x.id), [s.id]);
    assert.equal(((await g.api(`/subscriptions/${s.id}`).get()) as Sub).id, s.id);
  });

  test('a failed handshake, a non-https URL, a past or too distant expiry are refused', async () => {
    rx.validate = () => ({ status: 200, body: 'not the token' });
    await assert.rejects(subscribe(), (e: GraphError) => e.statusCode === 400 && e.code === 'ValidationError');
    rx.validate = (token) => ({ status: 200, body: token, type: 'text/html' });
    await assert.rejects(subscribe(), (e: GraphError) => e.statusCode === 400 && e.code === 'ValidationError');
    rx.validate = (token) => ({ status: 200, body: token });
    await assert.rejects(subscribe({ notificationUrl: 'http://hooks.example/graph' }), (e: GraphError) => e.statusCode === 400);
    await assert.rejects(subscribe({ expirationDateTime: inMinutes(4231) }), (e: GraphError) => e.statusCode === 400 && /4230 minutes/.test(e.message));
    await assert.rejects(subscribe({ expirationDateTime: inMinutes(-1) }), (e: GraphError) => e.statusCode === 400);
    await assert.rejects(subscribe({ resource: `users/${ADA}/calendarView` }), (e: GraphError) => e.statusCode === 400);
    assert.ok(await subscribe({ expirationDateTime: inMinutes(4229) }));
    h.sim.control.settings.subscriptionMaxMinutes = 10_080;
    assert.ok(await subscribe({ expirationDateTime: inMinutes(10_000) }));
    h.sim.control.settings.subscriptionMaxMinutes = 4230;
  });

  test('changes by the app and by a person are notified with clientState, resource and change type', async () => {
    const s = await subscribe();
    const ev = (await g.api(`/users/${ADA}/events`).post(event('by app'))) as { id: string };
    const byPerson = h.sim.control.editAsUser(ADA, { op: 'create', event: event('by Ada') })!;
    h.sim.control.editAsUser(ADA, { op: 'update', eventId: ev.id, changes: { subject: 'renamed by Ada' } });
    await g.api(`/users/${ADA}/events/${enc(String(byPerson.id))}`).delete();
    // Another mailbox's changes are not Ada's subscription's business.
    await g.api(`/users/${DANIEL}/events`).post(event('Daniel'));
    await h.sim.control.idle();
    const items = rx.received.filter((n) => n.path === '/changes').map((n) => n.body.value[0]!);
    // Graph does not promise an order; each change is its own POST.
    const key = (x: [unknown, unknown]) => `${String(x[0])} ${String(x[1])}`;
    assert.deepEqual(items.map((i) => key([i.changeType, (i.resourceData as { id: string }).id])).sort(), [
      key(['created', ev.id]), key(['created', byPerson.id]), key(['updated', ev.id]), key(['deleted', byPerson.id]),
    ].sort());
    for (const i of items) {
      assert.equal(i.subscriptionId, s.id);
      assert.equal(i.clientState, 'secret-state');
      assert.equal(i.tenantId, h.sim.tenantId);
      assert.equal(i.resource, `Users/${adaId}/Events/${(i.resourceData as { id: string }).id}`);
    }
  });

  test('a notification not answered 2xx in time is retried', async () => {
    await subscribe();
    rx.respond = (_n, i) => (i === 0 ? { status: 500 } : i === 1 ? { status: 202, delayMs: 4000 } : { status: 202 });
    await g.api(`/users/${ADA}/events`).post(event('retried'));
    await h.sim.control.idle();
    const attempts = h.sim.control.deliveries().filter((d) => d.kind === 'change' && d.resource?.endsWith(rx.received[0]!.body.value[0]!.resource as string));
    assert.deepEqual(attempts.map((d) => d.outcome), ['retrying', 'retrying', 'delivered']);
    assert.equal(rx.received.length, 3);
  });

  test('injected faults drop, duplicate and delay notifications', async () => {
    await subscribe();
    h.sim.control.injectNotificationFaults({ drop: 1 });
    await g.api(`/users/${ADA}/events`).post(event('dropped'));
    await h.sim.control.idle();
    assert.equal(rx.received.length, 0);
    assert.equal(h.sim.control.deliveries().at(-1)?.outcome, 'dropped');
    h.sim.control.injectNotificationFaults({ duplicate: 1 });
    await g.api(`/users/${ADA}/events`).post(event('duplicated'));
    await h.sim.control.idle();
    assert.equal(rx.received.length, 2);
    assert.equal(rx.received[0]!.body.value[0]!.id, rx.received[1]!.body.value[0]!.id);
    h.sim.control.injectNotificationFaults({ delay: 1, delayMs: 500 });
    const started = Date.now();
    await g.api(`/users/${ADA}/events`).post(event('delayed'));
    assert.equal(rx.received.length, 2, 'the delayed one is not there yet');
    await h.sim.control.idle();
    assert.equal(rx.received.length, 3);
    assert.ok(Date.now() - started >= 500);
  });

  test('renewal moves the expiry; an expired subscription is gone and notifies nothing', async () => {
    const s = await subscribe();
    const later = inMinutes(2000);
    const renewed = (await g.api(`/subscriptions/${s.id}`).patch({ expirationDateTime: later })) as Sub;
    assert.equal(new Date(renewed.expirationDateTime).getTime(), new Date(later).getTime());
    await assert.rejects(g.api(`/subscriptions/${s.id}`).patch({ expirationDateTime: inMinutes(5000) }), (e: GraphError) => e.statusCode === 400);
    await assert.rejects(g.api(`/subscriptions/${s.id}`).patch({ lifecycleNotificationUrl: `${rx.url}/other` }), (e: GraphError) => e.statusCode === 400);
    h.sim.control.expireSubscription(s.id);
    await assert.rejects(g.api(`/subscriptions/${s.id}`).get(), (e: GraphError) => e.statusCode === 404);
    assert.equal(((await g.api('/subscriptions').get()).value as Sub[]).length, 0);
    await g.api(`/users/${ADA}/events`).post(event('unheard'));
    await h.sim.control.idle();
    assert.equal(rx.received.length, 0);
  });

  test('lifecycle: reauthorizationRequired holds notifications until reauthorize, missed, subscriptionRemoved', async () => {
    const s = await subscribe();
    assert.equal(h.sim.control.fireLifecycle(s.id, 'reauthorizationRequired'), true);
    const [life] = await rx.waitFor('/lifecycle', 1);
    assert.deepEqual(life!.body.value[0], {
      subscriptionId: s.id, subscriptionExpirationDateTime: s.expirationDateTime, tenantId: h.sim.tenantId, clientState: 'secret-state',
      lifecycleEvent: 'reauthorizationRequired',
    });
    await g.api(`/users/${ADA}/events`).post(event('held'));
    await h.sim.control.idle();
    assert.equal(rx.received.filter((n) => n.path === '/changes').length, 0);
    await g.api(`/subscriptions/${s.id}/reauthorize`).post({});
    await g.api(`/users/${ADA}/events`).post(event('after reauthorize'));
    await rx.waitFor('/changes', 1);

    h.sim.control.fireLifecycle(s.id, 'missed');
    h.sim.control.fireLifecycle(s.id, 'subscriptionRemoved');
    const events = (await rx.waitFor('/lifecycle', 3)).map((n) => n.body.value[0]!.lifecycleEvent);
    assert.deepEqual(events, ['reauthorizationRequired', 'missed', 'subscriptionRemoved']);
    await assert.rejects(g.api(`/subscriptions/${s.id}`).get(), (e: GraphError) => e.statusCode === 404);
  });

  test('a notification given up after its retries is followed by a missed lifecycle event', async () => {
    const s = await subscribe();
    rx.respond = (n) => ({ status: n.path === '/changes' ? 500 : 202 });
    await g.api(`/users/${ADA}/events`).post(event('lost'));
    await h.sim.control.idle();
    assert.equal(rx.received.filter((n) => n.path === '/changes').length, 3, 'the first attempt and two retries');
    const [missed] = await rx.waitFor('/lifecycle', 1);
    assert.equal(missed!.body.value[0]!.lifecycleEvent, 'missed');
    assert.equal(missed!.body.value[0]!.subscriptionId, s.id);
  });

  test('a subscription on one calendar hears only that calendar', async () => {
    const crm = h.sim.control.createCalendar(DANIEL, 'CRM');
    await subscribe({ resource: `users/${DANIEL}/calendars/${crm.id}/events` });
    await g.api(`/users/${DANIEL}/events`).post(event('default calendar'));
    const inCrm = (await g.api(`/users/${DANIEL}/calendars/${enc(crm.id)}/events`).post(event('CRM calendar'))) as { id: string };
    await h.sim.control.idle();
    assert.deepEqual(rx.received.map((n) => (n.body.value[0]!.resourceData as { id: string }).id), [inCrm.id]);
  });
});
