// The SuperOffice side against the simulator, through @superoffice/webapi: Ada's diary read within
// the window and since a cursor, creates stamped with the stable key and found by it, versions that
// refuse stale writes, deletes, injected 429/503 and a revoked installation in the engine's terms,
// and a series with a moved and a cancelled occurrence written, read, changed and replaced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ForeignSystemAgent } from '@superoffice/webapi';
import { SuperOfficeAppointments, SuperOfficeRejected } from '../../../server/providers/superoffice/client.ts';
import { CursorExpired, NotFound, PreconditionFailed, RateLimited, Transient } from '../../../server/sync/errors.ts';
import type { CalendarEvent } from '../../../server/sync/event.ts';
import { contentHash, SYNCED_FIELDS } from '../../../server/sync/hash.ts';
import type { SideItem } from '../../../server/sync/side.ts';
import { pilotReview, timedOslo } from '../../support/events.ts';
import { ADA, CTX, startSideHarness, type SideHarness } from './harness.ts';

let h: SideHarness;
before(async () => {
  h = await startSideHarness();
});
after(() => h.close());

const ORGANIZER = { email: 'ada.lindqvist@demo-company.example', name: 'Ada Lindqvist' };

function event(over: Partial<CalendarEvent> = {}): CalendarEvent {
  return pilotReview(ORGANIZER, { attendees: [{ email: 'kari.berg@nordic-tools.example', name: 'Kari Berg', response: 'none' }], crmLinks: { companyId: 2 }, ...over });
}

function assertSame(read: CalendarEvent, written: CalendarEvent) {
  for (const f of SYNCED_FIELDS) assert.equal(contentHash(read, [f]), contentHash(written, [f]), `field ${f}: ${JSON.stringify(read[f])} vs ${JSON.stringify(written[f])}`);
  assert.equal(read.stableKey, written.stableKey);
}

/** As a SuperOffice user would, in the CRM client (fires webhooks, changes Updated). */
const userCreate = (associateId: number, appointment: Record<string, unknown>) =>
  Number(h.so.simulator.api.editAsUser(CTX, associateId, { op: 'create', appointment })?.AppointmentId);

const foreignKeys = (id: number) =>
  h.services.api.call(h.who, (agent) => agent(ForeignSystemAgent).getAllForeignKeysOnEntityAsync({ entityType: 'appointment', entityId: id }));

/**
 * Waits into the next whole second. Archive stamps have whole seconds and a read keeps a row
 * stamped in its cursor's second (it may be after it), so a test with no overlap steps past it.
 */
const nextSecond = () => new Promise((r) => setTimeout(r, 1010 - (Date.now() % 1000)));

/** Every change the side reports, by id. */
async function read(cursor: string | null, side = h.side()) {
  const page = await side.listChanges(cursor);
  return { page, byId: new Map(page.changes.map((c) => [c.id, c])) };
}

test('a full read lists every appointment of the owner overlapping the window, a series once, and nobody else\'s', async () => {
  const inside = userCreate(ADA, { StartDate: '2026-02-10T09:00:00Z', EndDate: '2026-02-10T10:00:00Z', Title: 'Inside' });
  const edge = userCreate(ADA, { StartDate: '2026-01-31T23:00:00Z', EndDate: '2026-02-01T01:00:00Z', Title: 'Across the window start' });
  const before = userCreate(ADA, { StartDate: '2026-01-20T09:00:00Z', EndDate: '2026-01-20T10:00:00Z', Title: 'Before' });
  const afterIt = userCreate(ADA, { StartDate: '2026-03-02T09:00:00Z', EndDate: '2026-03-02T10:00:00Z', Title: 'After' });
  const bobs = userCreate(6, { StartDate: '2026-02-11T09:00:00Z', EndDate: '2026-02-11T10:00:00Z', Title: 'Bob\'s' });
  const series = userCreate(ADA, {
    StartDate: '2026-02-02T08:00:00Z', EndDate: '2026-02-02T08:30:00Z', Title: 'Stand-up',
    Recurrence: { IsRecurrence: true, Pattern: 'Weekly', RecurrenceEndType: 'Counter', RecurrenceCounter: 3, WeekPattern: { Cycle: 1, Weekdays: 'Monday' } },
  });
  const side = h.side({ window: { from: new Date('2026-02-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z') } });
  const { page, byId } = await read(null, side);
  assert.equal(page.complete, true);
  assert.ok(page.nextCursor.length > 0);
  assert.deepEqual([...byId.keys()].sort(), [String(inside), String(edge), String(series)].sort());
  for (const id of [before, afterIt, bobs]) assert.ok(!byId.has(String(id)), `${id} is not in Ada's window`);
  const s = byId.get(String(series)) as SideItem;
  assert.equal(s.event.recurrence?.range.type, 'count');
  assert.deepEqual(s.event.recurrence?.exceptions, []);
  assert.equal(s.event.title, 'Stand-up');
  // The window can be relative to the side's clock.
  const relative = h.side({ window: { daysBack: 5, daysAhead: 5 }, now: () => new Date('2026-02-12T00:00:00Z') });
  assert.deepEqual([...(await read(null, relative)).byId.keys()].sort(), [String(inside), String(series)].sort());
});

test('a delta read lists what changed since the cursor; a stale or foreign cursor expires', async () => {
  const side = h.side({ cursorOverlapMs: 0 });
  const quiet = userCreate(ADA, { StartDate: '2026-04-01T09:00:00Z', EndDate: '2026-04-01T10:00:00Z', Title: 'Quiet' });
  const edited = userCreate(ADA, { StartDate: '2026-04-02T09:00:00Z', EndDate: '2026-04-02T10:00:00Z', Title: 'Edited' });
  await nextSecond();
  const { page: full } = await read(null, side);
  h.so.simulator.api.editAsUser(CTX, ADA, { op: 'update', appointmentId: edited, changes: { Title: 'Edited again' } });
  const fresh = userCreate(ADA, { StartDate: '2030-01-01T09:00:00Z', EndDate: '2030-01-01T10:00:00Z', Title: 'Far outside the window' });
  userCreate(6, { StartDate: '2026-04-03T09:00:00Z', EndDate: '2026-04-03T10:00:00Z', Title: 'Bob\'s' });
  await nextSecond();
  const { page, byId } = await read(full.nextCursor, side);
  assert.equal(page.complete, true);
  assert.deepEqual([...byId.keys()].sort(), [String(edited), String(fresh)].sort());
  assert.equal((byId.get(String(edited)) as SideItem).event.title, 'Edited again');
  assert.ok(!byId.has(String(quiet)));
  // With the default overlap (two minutes) the boundary is read twice rather than never.
  const overlapping = await read((await read(null)).page.nextCursor);
  assert.ok(overlapping.byId.has(String(quiet)));
  // Nothing new: an empty delta, and the cursor moves on.
  const again = await read(page.nextCursor, side);
  assert.equal(again.page.changes.length, 0);

  await assert.rejects(side.listChanges('garbage'), CursorExpired);
  await assert.rejects(h.side({ associateId: 6 }).listChanges(full.nextCursor), CursorExpired);
  const later = h.side({ now: () => new Date(Date.now() + 2 * 86_400_000) });
  await assert.rejects(later.listChanges(full.nextCursor), CursorExpired, 'a day-old cursor sends the engine back to a full read');
});

test('a delta read does not load again what the overlap lists at an unchanged, settled stamp', async () => {
  // Ten seconds ahead: every stamp the simulator writes now is settled for this side.
  const side = h.side({ now: () => new Date(Date.now() + 10_000) });
  const settled = userCreate(ADA, { StartDate: '2026-04-06T09:00:00Z', EndDate: '2026-04-06T10:00:00Z', Title: 'Settled' });
  const edited = userCreate(ADA, { StartDate: '2026-04-07T09:00:00Z', EndDate: '2026-04-07T10:00:00Z', Title: 'Edited later' });
  const full = await read(null, side);
  assert.ok(full.byId.has(String(settled)) && full.byId.has(String(edited)));
  const again = await read(full.page.nextCursor, side);
  assert.ok(!again.byId.has(String(settled)) && !again.byId.has(String(edited)), 'both are within the overlap, unchanged');
  // A later second: UpdatedDate moves, so the stamp differs.
  await new Promise((r) => setTimeout(r, 1100));
  h.so.simulator.api.editAsUser(CTX, ADA, { op: 'update', appointmentId: edited, changes: { Title: 'Edited, again' } });
  const third = await read(again.page.nextCursor, side);
  assert.equal((third.byId.get(String(edited)) as SideItem | undefined)?.event.title, 'Edited, again');
  assert.ok(!third.byId.has(String(settled)));
  // Without the settled margin (the side's clock is the simulator's), the overlap is read again.
  const plain = h.side();
  const first = await read(null, plain);
  assert.ok((await read(first.page.nextCursor, plain)).byId.has(String(edited)));
});

test('create puts the appointment in the owner\'s diary, stamps the stable key, and findByStableKey finds it', async () => {
  const side = h.side();
  const written = event({ stableKey: 'tenant-1:link-1:item-1' });
  assert.equal(await side.findByStableKey('tenant-1:link-1:item-1'), null);
  const item = await side.create(written);
  assert.match(item.id, /^\d+$/);
  assertSame(item.event, written);
  assert.ok(item.version && item.modifiedAt);
  const stored = h.so.simulator.api.appointments(CTX).find((a) => a.AppointmentId === Number(item.id))!;
  assert.equal((stored.Associate as { AssociateId: number }).AssociateId, ADA);
  assert.equal(stored.InternalNotes, '');
  assert.deepEqual(await foreignKeys(Number(item.id)), { 'calsync.stableKey': 'tenant-1:link-1:item-1' });
  const found = await h.side().findByStableKey('tenant-1:link-1:item-1');
  assert.equal(found?.id, item.id);
  assert.equal(found?.version, item.version);
  assertSame(found!.event, written);
  const got = await side.get([item.id, '999999', 'not-an-id']);
  assert.deepEqual([...got.keys()], [item.id]);
  assert.equal(got.get(item.id)?.version, item.version);
});

test('update checks the version first: a stale one is refused, the current one writes and moves the version', async () => {
  const side = h.side();
  const created = await side.create(event({ title: 'Versioned', stableKey: 'k-versioned' }));
  const updated = await side.update(created.id, event({ title: 'Versioned, renamed', reminderMinutes: 1440, stableKey: 'k-versioned' }), created.version);
  assert.notEqual(updated.version, created.version);
  assert.equal(updated.event.title, 'Versioned, renamed');
  // A day's reminder: .NET writes "1.00:00:00", which the SDK's dayjs cannot read on its own.
  assert.equal(updated.event.reminderMinutes, 1440);
  await assert.rejects(side.update(created.id, event({ title: 'Lost update' }), created.version), PreconditionFailed);
  // A user edits it in SuperOffice: the version we hold is stale now, even within the same second.
  h.so.simulator.api.editAsUser(CTX, ADA, { op: 'update', appointmentId: Number(created.id), changes: { Location: 'Moved by Ada' } });
  await assert.rejects(side.update(created.id, event({ title: 'Also lost' }), updated.version), (e) => e instanceof PreconditionFailed && e.itemId === created.id);
  const now = (await side.get([created.id])).get(created.id)!;
  assert.equal(now.event.location, 'Moved by Ada');
  assert.equal(now.event.title, 'Versioned, renamed');
  const third = await side.update(created.id, event({ title: 'Third', location: 'Moved by Ada', stableKey: 'k-versioned' }), now.version);
  assert.equal(third.event.title, 'Third');
  const stored = h.so.simulator.api.appointments(CTX).find((a) => a.AppointmentId === Number(created.id))!;
  assert.equal(stored.Title, 'Third');
});

test('stamping a user\'s own appointment or series with our key writes only the key: no save, same version', async () => {
  const side = h.side();
  const single = userCreate(ADA, { StartDate: '2026-07-01T09:00:00Z', EndDate: '2026-07-01T10:00:00Z', Title: 'Ada\'s own', InternalNotes: 'not for the calendar' });
  const series = userCreate(ADA, {
    StartDate: '2026-07-06T08:00:00Z', EndDate: '2026-07-06T08:30:00Z', Title: 'Ada\'s own stand-up',
    Recurrence: { IsRecurrence: true, Pattern: 'Weekly', RecurrenceEndType: 'Counter', RecurrenceCounter: 3, WeekPattern: { Cycle: 1, Weekdays: 'Monday' } },
  });
  for (const id of [single, series]) {
    const item = (await side.get([String(id)])).get(String(id))!;
    assert.equal(item.event.stableKey, undefined);
    const stamped = await side.update(item.id, { ...item.event, stableKey: `adopted-${id}` }, item.version);
    assert.equal(stamped.id, item.id);
    assert.equal(stamped.version, item.version, 'nothing but the key changed');
    assert.equal(stamped.event.stableKey, `adopted-${id}`);
    assert.equal((await side.findByStableKey(`adopted-${id}`))?.id, item.id);
  }
  const rows = h.so.simulator.api.appointments(CTX).filter((a) => a.AppointmentId === single || (a.Recurrence as { RecurrenceId: number }).RecurrenceId === (h.so.simulator.api.appointments(CTX).find((x) => x.AppointmentId === series)!.Recurrence as { RecurrenceId: number }).RecurrenceId);
  assert.equal(rows.length, 4);
  for (const r of rows) assert.equal(r.UpdatedDate, '0001-01-01T00:00:00Z', `appointment ${r.AppointmentId} was not saved`);
});

test('delete removes it: get no longer has it, a second delete and an update say NotFound, the key finds nothing', async () => {
  const side = h.side();
  const created = await side.create(event({ title: 'Doomed', stableKey: 'k-doomed' }));
  await assert.rejects(side.delete(created.id, 'not-the-version'), PreconditionFailed);
  await side.delete(created.id, created.version);
  assert.equal((await side.get([created.id])).size, 0);
  await assert.rejects(side.delete(created.id, created.version), (e) => e instanceof NotFound && e.itemId === created.id);
  await assert.rejects(side.update(created.id, event(), created.version), NotFound);
  assert.equal(await side.findByStableKey('k-doomed'), null);
  // Deleted in SuperOffice by a user: the same, and its stale key does not hide a new item with the key.
  const again = await side.create(event({ title: 'Doomed twice', stableKey: 'k-doomed-2' }));
  h.so.simulator.api.editAsUser(CTX, ADA, { op: 'delete', appointmentId: Number(again.id) });
  await assert.rejects(side.update(again.id, event(), again.version), NotFound);
  assert.equal(await side.findByStableKey('k-doomed-2'), null);
  const third = await side.create(event({ title: 'Doomed, recreated', stableKey: 'k-doomed-2' }));
  assert.equal((await side.findByStableKey('k-doomed-2'))?.id, third.id);
});

test('SuperOffice\'s answers reach the engine as its errors: 429 RateLimited with Retry-After, 503 and maintenance Transient, 400 rejected, never an axios error', async () => {
  const side = h.side();
  h.so.simulator.api.injectApiFaults(CTX, { status: 429, count: 1, retryAfterSeconds: 7 });
  await assert.rejects(side.listChanges(null), (e) => e instanceof RateLimited && e.retryAfterMs === 7000);
  h.so.simulator.api.injectApiFaults(CTX, { status: 503, count: 1 });
  await assert.rejects(side.get(['1']), (e) => e instanceof Transient && !('isAxiosError' in e));
  // It passes: the next calls work.
  assert.equal((await side.listChanges(null)).complete, true);
  h.so.tenant.state = 'OfflineMaintenance';
  h.services.states.forget(CTX);
  try {
    await assert.rejects(side.create(event()), Transient);
  } finally {
    h.so.tenant.state = 'Running';
    h.services.states.forget(CTX);
  }
  const backwards = event({ timing: timedOslo('2026-05-04T10:00:00.000Z', '2026-05-04T09:00:00.000Z') });
  await assert.rejects(side.create(backwards), (e) => e instanceof SuperOfficeRejected && e.status === 400 && !('isAxiosError' in e));
});

test('at the client edge, If-Unmodified-Since answered 412 is PreconditionFailed and a missing appointment NotFound', async () => {
  const client = new SuperOfficeAppointments(h.services.api, h.who, { applicationName: 'CalendarSync', deviceName: 'calendar-sync' });
  const created = await h.side().create(event({ title: 'Raced' }));
  const entity = (await client.get(Number(created.id)))!;
  // SuperOffice changed it after the time we say we read it.
  await assert.rejects(client.put(Number(created.id), { ...entity, title: 'Too late' }, new Date(Date.now() - 3_600_000)), (e) => e instanceof PreconditionFailed && e.itemId === created.id);
  await assert.rejects(client.deleteUnmodified(Number(created.id), new Date(Date.now() - 3_600_000)), PreconditionFailed);
  assert.equal((await client.get(Number(created.id)))?.title, 'Raced');
  await assert.rejects(client.put(987654, entity, new Date()), (e) => e instanceof NotFound && e.itemId === '987654');
  assert.equal(await client.get(987654), null);
});

test('a series with a moved and a cancelled occurrence: written, read back the same, changed in place, changed in SuperOffice, replaced', async () => {
  const side = h.side();
  const written = event({
    title: 'Steering group',
    timing: timedOslo('2026-06-01T07:00:00.000Z', '2026-06-01T08:00:00.000Z'),
    stableKey: 'k-series',
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['mo'] },
      range: { type: 'endDate', startDate: '2026-06-01', endDate: '2026-06-29' },
      exceptions: [
        { kind: 'cancelled', originalStart: '2026-06-08T07:00:00.000Z' },
        { kind: 'changed', originalStart: '2026-06-15T07:00:00.000Z', changes: { location: 'Bergen office', timing: timedOslo('2026-06-16T10:00:00.000Z', '2026-06-16T11:30:00.000Z') } },
      ],
    },
  });
  const created = await side.create(written);
  assertSame(created.event, written);
  const rows = () => h.so.simulator.api.appointments(CTX).filter((a) => (a.Recurrence as { RecurrenceId: number }).RecurrenceId === ruleId);
  const ruleId = (h.so.simulator.api.appointments(CTX).find((a) => a.AppointmentId === Number(created.id))!.Recurrence as { RecurrenceId: number }).RecurrenceId;
  assert.deepEqual(rows().map((r) => [r.StartDate, r.Location]), [
    ['2026-06-01T07:00:00Z', 'Room 4'], ['2026-06-16T10:00:00Z', 'Bergen office'], ['2026-06-22T07:00:00Z', 'Room 4'], ['2026-06-29T07:00:00Z', 'Room 4'],
  ]);
  // Read back: by id, by key, and in a full read, once.
  assertSame((await side.get([created.id])).get(created.id)!.event, written);
  assertSame((await side.findByStableKey('k-series'))!.event, written);
  const full = await read(null, side);
  assert.equal(full.page.changes.filter((c) => c.id === created.id).length, 1);
  assert.equal((full.byId.get(created.id) as SideItem).version, created.version);

  // In place: a new title for the series, the moved one back on its slot, another one cancelled.
  const changed: CalendarEvent = {
    ...written,
    title: 'Steering group (new)',
    recurrence: {
      ...written.recurrence!,
      exceptions: [
        { kind: 'cancelled', originalStart: '2026-06-08T07:00:00.000Z' },
        { kind: 'cancelled', originalStart: '2026-06-29T07:00:00.000Z' },
        { kind: 'changed', originalStart: '2026-06-22T07:00:00.000Z', changes: { title: 'Steering group with the board' } },
      ],
    },
  };
  const updated = await side.update(created.id, changed, created.version);
  assert.equal(updated.id, created.id);
  assert.notEqual(updated.version, created.version);
  assertSame(updated.event, changed);
  assert.deepEqual(rows().map((r) => [r.StartDate, r.Title, r.Location]), [
    ['2026-06-01T07:00:00Z', 'Steering group (new)', 'Room 4'],
    ['2026-06-15T07:00:00Z', 'Steering group (new)', 'Room 4'],
    ['2026-06-22T07:00:00Z', 'Steering group with the board', 'Room 4'],
  ]);
  await assert.rejects(side.update(created.id, written, created.version), PreconditionFailed);

  // A user in SuperOffice cancels one occurrence and moves another.
  const [, mid, last] = rows().map((r) => Number(r.AppointmentId));
  h.so.simulator.api.editAsUser(CTX, ADA, { op: 'delete', appointmentId: mid! });
  h.so.simulator.api.editAsUser(CTX, ADA, { op: 'update', appointmentId: last!, changes: { StartDate: '2026-06-23T12:00:00Z', EndDate: '2026-06-23T13:00:00Z' } });
  const seen = (await side.get([created.id])).get(created.id)!;
  assert.deepEqual(seen.event.recurrence?.exceptions.map((x) => [x.kind, x.originalStart]), [
    ['cancelled', '2026-06-08T07:00:00.000Z'],
    ['cancelled', '2026-06-15T07:00:00.000Z'],
    ['changed', '2026-06-22T07:00:00.000Z'],
    ['cancelled', '2026-06-29T07:00:00.000Z'],
  ]);
  const moved = seen.event.recurrence!.exceptions[2]!;
  assert.ok(moved.kind === 'changed' && moved.changes.timing?.allDay === false && moved.changes.timing.start.instant === '2026-06-23T12:00:00.000Z');

  // The calendar wants 15 June back: SuperOffice cannot re-add an occurrence, so the series is replaced.
  const replaced = await side.update(created.id, written, seen.version);
  assert.notEqual(replaced.id, created.id);
  assertSame(replaced.event, written);
  assert.equal(rows().length, 0, 'the old rows are gone');
  assert.equal((await side.findByStableKey('k-series'))?.id, replaced.id);
  assert.equal((await side.get([created.id])).size, 0);

  // Deleting the series deletes every row.
  await side.delete(replaced.id, replaced.version);
  assert.equal((await side.get([replaced.id])).size, 0);
  assert.equal(await side.findByStableKey('k-series'), null);
});

test('withdrawn consent is a refused ticket exchange, retried as Transient with SuperOffice\'s words (last: it ends the tenant\'s access)', async () => {
  // SuperOffice documents no text or status that says "revoked" (issue 12, point 4): the side
  // reports a transient failure carrying SuperOffice's own message, and the tenant-level clock
  // (server/jobs/tenant-work.ts) decides when it needs an administrator.
  const side = h.side();
  assert.ok(h.so.store.revokeConsent(h.so.seed.app.clientId, CTX));
  await assert.rejects(side.get(['1']), (e) => e instanceof Transient && e.cause instanceof Error && e.cause.name === 'TicketExchangeFailed' && /refused a system-user ticket/.test(e.message));
});
