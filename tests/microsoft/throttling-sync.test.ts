// Throttling and lost notifications, end to end through the real sandbox process. Graph answers 429
// or 503 with Retry-After for a while (the simulator's fault knob, scoped to Ada's mailbox): the
// change still arrives once the faults stop, exactly once. A dropped change notification is caught
// by the next sync of the link, which reads Graph's delta: the next SuperOffice change in the same
// diary, or Graph's `missed` lifecycle event. (The app has no periodic read of Graph, so a dropped
// notification with neither of those after it is not caught at all; nothing here pretends otherwise.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADA, auditFor, dateAhead, startSandbox, type Sandbox } from './harness.ts';

let sb: Sandbox;

before(async () => {
  sb = await startSandbox();
  await sb.quiet();
});

after(async () => {
  await sb?.stop();
});

const status = async (code: number) => (await sb.requestCounts()).byStatus[String(code)] ?? 0;
const titled = async (title: string) => ({
  outlook: (await sb.outlook(ADA)).filter((e) => e.subject === title).length,
  superoffice: (await sb.diary(ADA)).filter((a) => a.Title === title).length,
});

interface Delivery {
  subscriptionId: string;
  at: string;
  event: string;
  outcome: string;
}

/** Ada's subscription, as the Graph simulator holds it. */
async function adaSubscription(): Promise<string> {
  const subs = await sb.call<Array<{ id: string; resource: string }>>('GET', `${sb.msControl}/subscriptions`);
  const mine = subs.find((s) => s.resource.toLowerCase().includes(ADA.mailbox));
  assert.ok(mine, `Ada has a subscription (${JSON.stringify(subs)})`);
  return mine.id;
}

test('with Graph answering 429 (Retry-After) for a while, a SuperOffice change arrives in Outlook once the throttling stops, once', async () => {
  const before429 = await status(429);
  await sb.call('PUT', `${sb.msControl}/faults/graph`, { status: 429, count: 3, retryAfterS: 1, user: ADA.mailbox });
  const day = dateAhead(20);
  await sb.so.create(ADA, { Title: 'Board prep', StartDate: `${day}T09:00:00Z`, EndDate: `${day}T10:00:00Z` });
  await sb.eventually('"Board prep" in Outlook', async () => ((await titled('Board prep')).outlook > 0 ? true : undefined));
  assert.equal((await status(429)) - before429, 3, 'every injected 429 was answered to the app');
  await sb.quiet();
  assert.deepEqual(await titled('Board prep'), { outlook: 1, superoffice: 1 });
  assert.deepEqual((await auditFor(sb.db, sb.tenantId, 'Board prep')).map((a) => [a.action, a.side]), [['create', 'calendar']]);
});

test('with the event create answering 503 (Retry-After) twice, the event is made once', async () => {
  const before503 = await status(503);
  await sb.call('PUT', `${sb.msControl}/faults/graph`, { status: 503, count: 2, retryAfterS: 1, user: ADA.mailbox, endpoint: 'POST /users/:user/events' });
  const day = dateAhead(21);
  await sb.so.create(ADA, { Title: 'Quarterly numbers', StartDate: `${day}T13:00:00Z`, EndDate: `${day}T14:00:00Z` });
  await sb.eventually('"Quarterly numbers" in Outlook', async () => ((await titled('Quarterly numbers')).outlook > 0 ? true : undefined));
  assert.equal((await status(503)) - before503, 2, 'both injected 503s were answered to the app');
  await sb.quiet();
  assert.deepEqual(await titled('Quarterly numbers'), { outlook: 1, superoffice: 1 });
  assert.deepEqual((await auditFor(sb.db, sb.tenantId, 'Quarterly numbers')).map((a) => [a.action, a.side]), [['create', 'calendar']]);
});

test('with Graph throttling the mailbox, an Outlook change still reaches SuperOffice once', async () => {
  const before429 = await status(429);
  await sb.call('PUT', `${sb.msControl}/faults/graph`, { status: 429, count: 4, retryAfterS: 1, user: ADA.mailbox });
  const day = dateAhead(22);
  await sb.outlookEdit.create(ADA, { subject: 'Supplier call', start: { dateTime: `${day}T11:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T11:30:00`, timeZone: 'UTC' } });
  await sb.eventually('"Supplier call" in SuperOffice', async () => ((await titled('Supplier call')).superoffice > 0 ? true : undefined));
  assert.equal((await status(429)) - before429, 4, 'every injected 429 was answered to the app');
  await sb.quiet();
  assert.deepEqual(await titled('Supplier call'), { outlook: 1, superoffice: 1 });
  assert.deepEqual((await auditFor(sb.db, sb.tenantId, 'Supplier call')).map((a) => [a.action, a.side]), [['create', 'superoffice']]);
});

test('an Outlook change whose notification was dropped arrives with the next SuperOffice change in the same diary', async () => {
  await sb.quiet();
  const sub = await adaSubscription();
  await sb.call('PUT', `${sb.msControl}/faults/notifications`, { drop: 1 });
  const day = dateAhead(23);
  await sb.outlookEdit.create(ADA, { subject: 'Lunch with Kari', start: { dateTime: `${day}T11:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T12:00:00`, timeZone: 'UTC' } });
  const deliveries = await sb.call<Delivery[]>('GET', `${sb.msControl}/deliveries`);
  assert.equal(deliveries.at(-1)?.outcome, 'dropped', 'the notification of the Outlook change never reached the app');
  assert.equal(deliveries.at(-1)?.subscriptionId, sub);

  await sb.so.create(ADA, { Title: 'Call Nordic Tools', StartDate: `${day}T14:00:00Z`, EndDate: `${day}T14:15:00Z` });
  await sb.eventually('the SuperOffice change in Outlook and the Outlook change in SuperOffice', async () => {
    const [a, b] = await Promise.all([titled('Lunch with Kari'), titled('Call Nordic Tools')]);
    return a.superoffice > 0 && b.outlook > 0 ? true : undefined;
  });
  await sb.quiet();
  assert.deepEqual(await titled('Lunch with Kari'), { outlook: 1, superoffice: 1 });
  assert.deepEqual(await titled('Call Nordic Tools'), { outlook: 1, superoffice: 1 });
});

test('an Outlook change whose notification was dropped arrives when Graph reports the subscription missed notifications', async () => {
  await sb.quiet();
  const sub = await adaSubscription();
  await sb.call('PUT', `${sb.msControl}/faults/notifications`, { drop: 1 });
  const day = dateAhead(24);
  const ev = await sb.outlookEdit.create(ADA, { subject: 'Dentist', start: { dateTime: `${day}T07:30:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T08:00:00`, timeZone: 'UTC' }, sensitivity: 'private' });
  assert.equal((await sb.call<Delivery[]>('GET', `${sb.msControl}/deliveries`)).at(-1)?.outcome, 'dropped');

  const fired = await sb.call<{ notified: boolean }>('POST', `${sb.msControl}/subscriptions/${encodeURIComponent(sub)}/lifecycle`, { event: 'missed' });
  assert.equal(fired.notified, true);
  await sb.eventually('"Dentist" in SuperOffice', async () => ((await titled('Dentist')).superoffice > 0 ? true : undefined));

  // The same again for an edit: dropped, then caught by `missed`.
  await sb.quiet();
  await sb.call('PUT', `${sb.msControl}/faults/notifications`, { drop: 1 });
  await sb.outlookEdit.update(ADA, ev.id, { subject: 'Dentist (moved)', start: { dateTime: `${day}T09:30:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T10:00:00`, timeZone: 'UTC' } });
  assert.equal((await sb.call<Delivery[]>('GET', `${sb.msControl}/deliveries`)).at(-1)?.outcome, 'dropped');
  await sb.call('POST', `${sb.msControl}/subscriptions/${encodeURIComponent(sub)}/lifecycle`, { event: 'missed' });
  const moved = await sb.eventually('the edit in SuperOffice', async () => (await sb.diary(ADA)).find((a) => a.Title === 'Dentist (moved)'));
  assert.equal(new Date(moved.StartDate).toISOString(), `${day}T09:30:00.000Z`);
  await sb.quiet();
  assert.deepEqual(await titled('Dentist (moved)'), { outlook: 1, superoffice: 1 });
  assert.deepEqual(await titled('Dentist'), { outlook: 0, superoffice: 0 });
});

test('an Outlook change whose notification comes twice, and late, reaches SuperOffice once', async () => {
  await sb.quiet();
  const since = new Date().toISOString();
  await sb.call('PUT', `${sb.msControl}/faults/notifications`, { duplicate: 1, delay: 1, delayMs: 2500 });
  const day = dateAhead(25);
  await sb.outlookEdit.create(ADA, { subject: 'Team breakfast', start: { dateTime: `${day}T07:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T08:00:00`, timeZone: 'UTC' } });
  await sb.eventually('"Team breakfast" in SuperOffice', async () => ((await titled('Team breakfast')).superoffice > 0 ? true : undefined));
  await sb.quiet();
  const delivered = (await sb.call<Delivery[]>('GET', `${sb.msControl}/deliveries`)).filter((d) => d.at >= since && d.event === 'created' && d.outcome === 'delivered');
  assert.equal(delivered.length, 2, 'the notification of the new event was delivered twice');
  assert.deepEqual(await titled('Team breakfast'), { outlook: 1, superoffice: 1 });
  assert.deepEqual((await auditFor(sb.db, sb.tenantId, 'Team breakfast')).map((a) => [a.action, a.side]), [['create', 'superoffice']]);
});
