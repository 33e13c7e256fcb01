// Echo safety, end to end through the real sandbox process: every write the app makes comes back to
// it as a webhook or a notification, and that echo must plan as nothing. After a change has
// propagated, the audit log holds exactly one write for it (no ping-pong), and with nothing changing
// the app sends Graph nothing (the crontab's renewals and reconciliations aside).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADA, dateAhead, startSandbox, type RequestCounts, type Sandbox } from './harness.ts';

let sb: Sandbox;

before(async () => {
  sb = await startSandbox();
  await sb.quiet();
});

after(async () => {
  await sb?.stop();
});

/** The id of the last audit entry so far. */
async function auditMark(): Promise<number> {
  const row = await sb.db('audit_log').where({ tenant_id: sb.tenantId }).max<{ id: number | null }[]>({ id: 'id' }).first();
  return Number(row?.id ?? 0);
}

async function auditSince(mark: number): Promise<Array<[string, string, string]>> {
  const rows: Array<{ action: string; side: string; after: { title?: string } | null; before: { title?: string } | null }> = await sb.db('audit_log')
    .where({ tenant_id: sb.tenantId }).where('id', '>', mark).orderBy('id').select('action', 'side', 'after', 'before');
  return rows.map((r) => [r.action, r.side, r.after?.title ?? r.before?.title ?? '']);
}

/** Requests other than subscription renewals, which run on their own clock. */
function work(c: RequestCounts): number {
  return c.total - (c.byEndpoint['PATCH /subscriptions/:id'] ?? 0);
}

test('an appointment made in SuperOffice is written to Outlook once, and its echo writes nothing', async () => {
  const mark = await auditMark();
  const day = dateAhead(5);
  await sb.so.create(ADA, { Title: 'Echo check', StartDate: `${day}T09:00:00Z`, EndDate: `${day}T09:30:00Z`, Location: 'Room Fjord' });
  await sb.eventually('"Echo check" in Outlook', async () => ((await sb.outlook(ADA)).some((e) => e.subject === 'Echo check') ? true : undefined));
  await sb.quiet();
  assert.deepEqual(await auditSince(mark), [['create', 'calendar', 'Echo check']]);
  assert.equal((await sb.outlook(ADA)).filter((e) => e.subject === 'Echo check').length, 1);
  assert.equal((await sb.diary(ADA)).filter((a) => a.Title === 'Echo check').length, 1);
});

test('the notification announcing our own write starts no sync run', async () => {
  await sb.quiet();
  await clearOfCronTicks(15000);
  // Held back a moment, as Graph's are in real life: by then the write's version is stored.
  await sb.call('PUT', `${sb.msControl}/faults/notifications`, { delay: 1, delayMs: 1500 });
  const deltas = async () => (await sb.requestCounts()).byEndpoint['GET /users/:user/calendarView/delta'] ?? 0;
  const before = await deltas();
  const day = dateAhead(7);
  await sb.so.create(ADA, { Title: 'Echo, no run', StartDate: `${day}T08:00:00Z`, EndDate: `${day}T08:30:00Z` });
  await sb.eventually('"Echo, no run" in Outlook', async () => ((await sb.outlook(ADA)).some((e) => e.subject === 'Echo, no run') ? true : undefined));
  await new Promise((r) => setTimeout(r, 2500));
  await sb.quiet();
  // One run, for SuperOffice's webhook; the notification of the event we wrote is recognised by its changeKey.
  assert.equal((await deltas()) - before, 1);
});

test('an edit in Outlook is written to SuperOffice once, and its echo writes nothing', async () => {
  const ev = (await sb.outlook(ADA)).find((e) => e.subject === 'Echo check');
  assert.ok(ev);
  const mark = await auditMark();
  const day = dateAhead(5);
  await sb.outlookEdit.update(ADA, ev.id, { subject: 'Echo check, moved', start: { dateTime: `${day}T10:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T10:30:00`, timeZone: 'UTC' } });
  await sb.eventually('the edit in SuperOffice', async () => ((await sb.diary(ADA)).some((a) => a.Title === 'Echo check, moved') ? true : undefined));
  await sb.quiet();
  assert.deepEqual(await auditSince(mark), [['update', 'superoffice', 'Echo check, moved']]);
  const [ours] = (await sb.outlook(ADA)).filter((e) => e.subject === 'Echo check, moved');
  assert.equal(ours?.id, ev.id, 'the user\'s event, edited in place');
});

test('an event made in Outlook is written to SuperOffice once, and its echo writes nothing', async () => {
  const mark = await auditMark();
  const day = dateAhead(6);
  await sb.outlookEdit.create(ADA, { subject: 'Echo from Outlook', start: { dateTime: `${day}T13:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T13:45:00`, timeZone: 'UTC' }, location: { displayName: 'Teams' } });
  await sb.eventually('"Echo from Outlook" in SuperOffice', async () => ((await sb.diary(ADA)).some((a) => a.Title === 'Echo from Outlook') ? true : undefined));
  await sb.quiet();
  assert.deepEqual(await auditSince(mark), [['create', 'superoffice', 'Echo from Outlook']]);
  assert.equal((await sb.outlook(ADA)).filter((e) => e.subject === 'Echo from Outlook').length, 1);
});

test('an edit in SuperOffice is written to Outlook once, and its echo writes nothing', async () => {
  const appt = (await sb.diary(ADA)).find((a) => a.Title === 'Echo from Outlook');
  assert.ok(appt);
  const mark = await auditMark();
  await sb.so.update(ADA, appt.AppointmentId, { Location: 'Room Atlas', Description: 'Agenda to follow.' });
  await sb.eventually('the edit in Outlook', async () => ((await sb.outlook(ADA)).some((e) => e.subject === 'Echo from Outlook' && e.location?.displayName === 'Room Atlas') ? true : undefined));
  await sb.quiet();
  assert.deepEqual(await auditSince(mark), [['update', 'calendar', 'Echo from Outlook']]);
});

/**
 * Waits, if need be, past the next five-minute mark: the crontab's ticks (SuperOffice
 * reconciliation every five minutes, subscription renewal every thirty) fall on them, and a
 * reconciliation may re-sync a link with recent SuperOffice changes by design.
 */
async function clearOfCronTicks(forMs: number): Promise<void> {
  const FIVE_MIN = 300_000;
  const toTick = FIVE_MIN - (Date.now() % FIVE_MIN);
  if (toTick < forMs + 2000) {
    await new Promise((r) => setTimeout(r, toTick + 1000));
    await sb.quiet();
  }
}

test('with nothing changing, the app sends Graph nothing', async () => {
  await sb.quiet();
  await clearOfCronTicks(6000);
  const mark = await auditMark();
  const before = await sb.requestCounts();
  await new Promise((r) => setTimeout(r, 6000));
  const after = await sb.requestCounts();
  assert.equal(work(after), work(before), `Graph requests while idle: ${JSON.stringify(after.byEndpoint)} (before: ${JSON.stringify(before.byEndpoint)})`);
  assert.deepEqual(await auditSince(mark), []);
});
