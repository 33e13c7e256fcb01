// Recurring series between SuperOffice and Microsoft 365, end to end through the real sandbox
// process. SuperOffice keeps every occurrence as a row of a recurrence rule (an exception is a row
// moved or deleted with updateMode OnlyThis); Outlook keeps a master with a pattern and derives its
// occurrences (an exception is an edited or deleted occurrence). Each way, the series must arrive
// as one series with the same exceptions, and stay that way once both sides are quiet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADA, addDays, sameInstant, startSandbox, weekdayAhead, type Appointment, type GraphEvent, type Sandbox } from './harness.ts';

let sb: Sandbox;

before(async () => {
  sb = await startSandbox();
  await sb.quiet();
});

after(async () => {
  await sb?.stop();
});

const span = (first: string, weeks: number) => ({ start: `${addDays(first, -1)}T00:00:00Z`, end: `${addDays(first, 7 * weeks + 1)}T00:00:00Z` });

/** The occurrences of one series in Ada's Outlook over `window`, by start. */
async function instancesOf(masterId: string, window: { start: string; end: string }): Promise<GraphEvent[]> {
  return (await sb.outlook(ADA, window)).filter((e) => e.seriesMasterId === masterId).sort((a, b) => a.start.dateTime.localeCompare(b.start.dateTime));
}

/** An instant as `YYYY-MM-DDTHH:MM` in UTC. */
const iso = (t: string) => new Date(t).toISOString().slice(0, 16);

/** Ada's rows titled `title`, by start. */
async function rows(title: string): Promise<Appointment[]> {
  return (await sb.diary(ADA)).filter((a) => a.Title === title).sort((a, b) => Date.parse(a.StartDate) - Date.parse(b.StartDate));
}

test('a weekly series made in SuperOffice is one series in Outlook; an occurrence moved and one cancelled in Outlook come back as exceptions', async () => {
  const first = weekdayAhead(14, 2); // a Tuesday two weeks on
  const created = await sb.so.create(ADA, {
    Title: 'Pipeline review', StartDate: `${first}T10:00:00Z`, EndDate: `${first}T11:00:00Z`, Location: 'Room Fjord',
    Recurrence: { IsRecurrence: true, Pattern: 'Weekly', RecurrenceEndType: 'Counter', RecurrenceCounter: 4, StartDate: `${first}T10:00:00Z`, WeekPattern: { Cycle: 1, Weekday: 'Tuesday' } },
  });
  const ruleId = created.Recurrence?.RecurrenceId ?? 0;
  assert.ok(ruleId > 0, 'SuperOffice made a series');
  const madeRows = await rows('Pipeline review');
  assert.equal(madeRows.length, 4, 'SuperOffice holds one row per occurrence');

  const master = await sb.eventually('the series in Outlook', async () => (await sb.outlook(ADA)).find((e) => e.subject === 'Pipeline review'));
  assert.equal(master.type, 'seriesMaster', 'one series, not four single events');
  assert.equal((await sb.outlook(ADA)).filter((e) => e.subject === 'Pipeline review').length, 1);
  assert.equal(master.recurrence?.pattern.type, 'weekly');
  assert.deepEqual(master.recurrence?.pattern.daysOfWeek, ['tuesday']);
  const occurrences = await instancesOf(master.id, span(first, 4));
  assert.deepEqual(occurrences.map((o) => o.start.dateTime.slice(0, 16)), [0, 7, 14, 21].map((d) => `${addDays(first, d)}T10:00`));
  assert.ok(occurrences.every((o) => o.location?.displayName === 'Room Fjord'));

  // In Outlook: the second occurrence moves to Wednesday afternoon, the third is cancelled.
  const moved = occurrences[1]!;
  await sb.outlookEdit.update(ADA, moved.id, { start: { dateTime: `${addDays(first, 8)}T14:00:00`, timeZone: 'UTC' }, end: { dateTime: `${addDays(first, 8)}T15:00:00`, timeZone: 'UTC' } });
  await sb.outlookEdit.remove(ADA, occurrences[2]!.id);

  const after = await sb.eventually('the exceptions in SuperOffice', async () => {
    const r = await rows('Pipeline review');
    return r.length === 3 && r.some((a) => sameInstant(a.StartDate, `${addDays(first, 8)}T14:00:00Z`)) ? r : undefined;
  });
  assert.deepEqual(
    after.map((a) => [iso(a.StartDate), iso(a.EndDate)]),
    [[`${first}T10:00`, `${first}T11:00`], [`${addDays(first, 8)}T14:00`, `${addDays(first, 8)}T15:00`], [`${addDays(first, 21)}T10:00`, `${addDays(first, 21)}T11:00`]],
    'the moved row holds the new time, the cancelled date has no row',
  );
  // Exceptions are edits of the rows SuperOffice has: the series is not deleted and made anew
  // (which would give every occurrence a new id and drop what SuperOffice links to them).
  assert.deepEqual(after.map((a) => a.AppointmentId), [madeRows[0]!, madeRows[1]!, madeRows[3]!].map((a) => a.AppointmentId), 'the same rows, the cancelled one gone');
  assert.deepEqual(after.map((a) => a.Recurrence?.RecurrenceId), [ruleId, ruleId, ruleId], 'the rows are still the series SuperOffice made');

  // Nothing is undone once both sides are quiet: the series and its exceptions stay as made.
  await sb.quiet();
  assert.equal((await rows('Pipeline review')).length, 3);
  const masters = (await sb.outlook(ADA)).filter((e) => e.subject === 'Pipeline review');
  assert.deepEqual(masters.map((m) => m.id), [master.id], 'still the one series in Outlook');
  const now = await instancesOf(master.id, span(first, 4));
  assert.deepEqual(now.map((o) => [o.type, o.start.dateTime.slice(0, 16)]), [
    ['occurrence', `${first}T10:00`], ['exception', `${addDays(first, 8)}T14:00`], ['occurrence', `${addDays(first, 21)}T10:00`],
  ]);
});

test('an occurrence moved and one deleted in SuperOffice (OnlyThis) become exceptions of the series in Outlook', async () => {
  const first = weekdayAhead(21, 1); // a Monday three weeks on
  await sb.so.create(ADA, {
    Title: 'Monday planning', StartDate: `${first}T07:30:00Z`, EndDate: `${first}T08:00:00Z`,
    Recurrence: { IsRecurrence: true, Pattern: 'Weekly', RecurrenceEndType: 'Counter', RecurrenceCounter: 4, StartDate: `${first}T07:30:00Z`, WeekPattern: { Cycle: 1, Weekday: 'Monday' } },
  });
  const master = await sb.eventually('the series in Outlook', async () => (await sb.outlook(ADA)).find((e) => e.subject === 'Monday planning'));
  assert.equal(master.type, 'seriesMaster');
  await sb.quiet();

  const [, second, third] = await rows('Monday planning');
  const since = new Date().toISOString();
  await sb.so.update(ADA, second!.AppointmentId, { StartDate: `${addDays(first, 7)}T12:00:00Z`, EndDate: `${addDays(first, 7)}T12:30:00Z` }, 'OnlyThis');
  await sb.so.remove(ADA, third!.AppointmentId, 'OnlyThis');

  const now = await sb.eventually('the exceptions in Outlook', async () => {
    const inst = await instancesOf(master.id, span(first, 4));
    return inst.length === 3 && inst.some((o) => o.type === 'exception') ? inst : undefined;
  });
  assert.deepEqual(now.map((o) => [o.type, o.start.dateTime.slice(0, 16)]), [
    ['occurrence', `${first}T07:30`], ['exception', `${addDays(first, 7)}T12:00`], ['occurrence', `${addDays(first, 21)}T07:30`],
  ]);
  await sb.quiet();
  assert.deepEqual((await sb.outlook(ADA)).filter((e) => e.subject === 'Monday planning').map((m) => m.id), [master.id], 'the same series, not a replacement');
  // Only the two occurrences are written; the series' own pattern did not change and is not sent
  // again (in Outlook, rewriting it would drop every exception and make them anew).
  const writes = (await sb.requestsSince(since)).filter((r) => r.mailbox === ADA.mailbox && r.method !== 'GET').map((r) => `${r.endpoint} ${r.status}`);
  assert.deepEqual(writes.sort(), ['DELETE /users/:user/events/:id 204', 'PATCH /users/:user/events/:id 200'], 'one write per changed occurrence');
  assert.equal((await rows('Monday planning')).length, 3, 'SuperOffice keeps its three rows');
});

test('a weekly series made in Outlook with a moved and a cancelled occurrence appears in SuperOffice as a series with those exceptions', async () => {
  const first = weekdayAhead(28, 4); // a Thursday four weeks on
  const master = await sb.outlookEdit.create(ADA, {
    subject: 'Thursday stand-up',
    start: { dateTime: `${first}T08:00:00`, timeZone: 'UTC' },
    end: { dateTime: `${first}T08:30:00`, timeZone: 'UTC' },
    recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['thursday'] }, range: { type: 'numbered', startDate: first, numberOfOccurrences: 4 } },
  });
  const occurrences = await instancesOf(master.id, span(first, 4));
  assert.equal(occurrences.length, 4);
  await sb.outlookEdit.update(ADA, occurrences[1]!.id, { start: { dateTime: `${addDays(first, 7)}T09:00:00`, timeZone: 'UTC' }, end: { dateTime: `${addDays(first, 7)}T09:30:00`, timeZone: 'UTC' } });
  await sb.outlookEdit.remove(ADA, occurrences[3]!.id);

  const made = await sb.eventually('the series in SuperOffice with its exceptions', async () => {
    const r = await rows('Thursday stand-up');
    return r.length === 3 && r.some((a) => sameInstant(a.StartDate, `${addDays(first, 7)}T09:00:00Z`)) ? r : undefined;
  });
  assert.deepEqual(made.map((a) => iso(a.StartDate)), [`${first}T08:00`, `${addDays(first, 7)}T09:00`, `${addDays(first, 14)}T08:00`]);
  const ruleIds = new Set(made.map((a) => a.Recurrence?.RecurrenceId ?? 0));
  assert.equal(ruleIds.size, 1, 'one recurrence rule for all rows');
  assert.ok(([...ruleIds][0] ?? 0) > 0, 'the rows share a rule');
  assert.ok(made.every((a) => a.Recurrence?.IsRecurrence && a.Recurrence.Pattern === 'Weekly'), 'SuperOffice knows them as a weekly series');

  await sb.quiet();
  assert.equal((await rows('Thursday stand-up')).length, 3);
  const masters = (await sb.outlook(ADA)).filter((e) => e.subject === 'Thursday stand-up');
  assert.deepEqual(masters.map((m) => m.id), [master.id], 'Outlook still has the one series the user made');
  assert.deepEqual((await instancesOf(master.id, span(first, 4))).map((o) => [o.type, o.start.dateTime.slice(0, 16)]), [
    ['occurrence', `${first}T08:00`], ['exception', `${addDays(first, 7)}T09:00`], ['occurrence', `${addDays(first, 14)}T08:00`],
  ]);
});

test('a plain weekly series made in SuperOffice that crosses a daylight-saving change is a plain series in Outlook', async () => {
  // 34 weeks from last week: whatever today is, at least one of Europe's clock changes falls inside.
  const first = weekdayAhead(-7, 3); // a Wednesday
  await sb.so.create(ADA, {
    Title: 'Wednesday check-in', StartDate: `${first}T10:00:00Z`, EndDate: `${first}T10:30:00Z`,
    Recurrence: { IsRecurrence: true, Pattern: 'Weekly', RecurrenceEndType: 'Counter', RecurrenceCounter: 34, StartDate: `${first}T10:00:00Z`, WeekPattern: { Cycle: 1, Weekday: 'Wednesday' } },
  });
  const made = await rows('Wednesday check-in');
  assert.equal(made.length, 34, 'SuperOffice laid the series out at one time of its own day, clock changes or not');

  const master = await sb.eventually('the series in Outlook', async () => (await sb.outlook(ADA)).find((e) => e.subject === 'Wednesday check-in'));
  await sb.quiet();
  const occurrences = await instancesOf(master.id, span(first, 34));
  assert.deepEqual(occurrences.map((o) => iso(o.start.dateTime + 'Z')), made.map((a) => iso(a.StartDate)), 'every occurrence at the time SuperOffice has it');
  assert.deepEqual(
    occurrences.filter((o) => o.type !== 'occurrence').map((o) => `${o.type} ${o.originalStart} -> ${o.start.dateTime}`),
    [],
    'no occurrence of a plain series is an exception in Outlook',
  );
});
