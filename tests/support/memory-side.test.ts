import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CursorExpired, NotFound, PreconditionFailed, Transient } from '../../server/sync/errors.ts';
import type { CalendarEvent, EventTiming } from '../../server/sync/event.ts';
import type { SideChange } from '../../server/sync/side.ts';
import { makeEvent } from './events.ts';
import { MemorySide } from './memory-side.ts';

// March 2026; makeEvent() sits on 2026-03-02 08:00-09:00Z, inside.
const WINDOW = { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };
const timed = (start: string, end: string): EventTiming => ({
  allDay: false,
  start: { instant: start, timeZone: 'Europe/Oslo' },
  end: { instant: end, timeZone: 'Europe/Oslo' },
});
const allDay = (startDate: string, endDate: string): EventTiming => ({ allDay: true, startDate, endDate });
const brief = (changes: SideChange[]) => changes.map((c) => ('deleted' in c ? `-${c.id}` : `${c.id}@${c.version}`));
const titles = (changes: SideChange[]) => changes.map((c) => ('deleted' in c ? `-${c.id}` : c.event.title));

test('create stores the event with its stamp and returns what a read returns', async () => {
  const side = new MemorySide({ name: 'so' });
  const a = await side.create(makeEvent({ title: 'A', stableKey: 'k-a' }));
  const b = await side.create(makeEvent({ title: 'B' }));
  assert.deepEqual([a.id, b.id], ['so-1', 'so-2']);
  assert.deepEqual(a.event, makeEvent({ title: 'A', stableKey: 'k-a' }));
  assert.equal(a.modifiedAt, '2026-01-01T00:00:01.000Z');
  assert.equal(b.modifiedAt, '2026-01-01T00:00:02.000Z');
  const got = await side.get(['so-1', 'so-2', 'so-404']);
  assert.deepEqual([...got.keys()], ['so-1', 'so-2']);
  assert.deepEqual(got.get('so-1'), a);
  assert.deepEqual(await side.findByStableKey('k-a'), a);
  assert.equal(side.size, 2);
});

test('the version changes on every write, content-free ones included', async () => {
  const side = new MemorySide({ name: 's' });
  const seen = new Set<string>();
  let item = await side.create(makeEvent());
  seen.add(item.version);
  item = await side.update(item.id, item.event, item.version); // same content
  seen.add(item.version);
  item = side.touch(item.id);
  seen.add(item.version);
  assert.deepEqual(item.event, makeEvent());
  item = side.userUpdate(item.id, {});
  seen.add(item.version);
  item = side.userUpdate(item.id, { title: 'Moved' });
  seen.add(item.version);
  assert.equal(seen.size, 5);
  assert.equal(item.event.title, 'Moved');
  assert.notEqual(side.touch(item.id).modifiedAt, item.modifiedAt);
});

test('update and delete check the version and report items that are gone', async () => {
  const side = new MemorySide({ name: 's' });
  const item = await side.create(makeEvent({ title: 'Before' }));
  const edited = side.userUpdate(item.id, { title: 'User edit' });
  await assert.rejects(side.update(item.id, makeEvent({ title: 'Engine' }), item.version), (e) => e instanceof PreconditionFailed && e.itemId === item.id);
  await assert.rejects(side.delete(item.id, item.version), PreconditionFailed);
  assert.deepEqual(side.snapshot(), [edited]);
  await side.delete(item.id, edited.version);
  assert.equal(side.size, 0);
  await assert.rejects(side.update(item.id, makeEvent(), edited.version), (e) => e instanceof NotFound && e.itemId === item.id);
  await assert.rejects(side.delete(item.id, edited.version), NotFound);
  assert.throws(() => side.userUpdate(item.id, {}), NotFound);
  assert.throws(() => side.touch(item.id), NotFound);
  assert.throws(() => side.userDelete(item.id), NotFound);
});

test('an update that does not mention the stamp keeps it; one that does replaces it', async () => {
  const side = new MemorySide({ name: 's' });
  const item = await side.create(makeEvent({ stableKey: 'k1' }));
  const kept = await side.update(item.id, makeEvent({ title: 'T2' }), item.version);
  assert.equal(kept.event.stableKey, 'k1');
  assert.equal((await side.findByStableKey('k1'))?.id, item.id);
  const moved = await side.update(item.id, makeEvent({ stableKey: 'k2' }), kept.version);
  assert.equal(moved.event.stableKey, 'k2');
  assert.equal(await side.findByStableKey('k1'), null);
  assert.equal((await side.findByStableKey('k2'))?.id, item.id);
});

test('findByStableKey ignores deleted items', async () => {
  const side = new MemorySide({ name: 's' });
  const a = await side.create(makeEvent({ stableKey: 'k' }));
  await side.delete(a.id, a.version);
  assert.equal(await side.findByStableKey('k'), null);
  const b = side.userCreate(makeEvent({ stableKey: 'k' }));
  assert.equal((await side.findByStableKey('k'))?.id, b.id);
  side.userDelete(b.id);
  assert.equal(await side.findByStableKey('k'), null);
  assert.equal(await side.findByStableKey('never'), null);
});

test('stored state cannot be changed through objects passed in or handed out', async () => {
  const side = new MemorySide({ name: 's' });
  const input = makeEvent({ attendees: [{ email: 'a@example.com', response: 'none' }], stableKey: 'k' });
  const created = await side.create(input);
  input.title = 'mutated input';
  input.attendees.push({ email: 'b@example.com', response: 'none' });
  created.event.title = 'mutated create result';
  created.version = 'forged';
  const fromGet = (await side.get([created.id])).get(created.id);
  assert.ok(fromGet);
  fromGet.event.crmLinks.companyId = 7;
  (await side.findByStableKey('k'))!.event.attendees.length = 0;
  side.snapshot()[0]!.event.location = 'mutated snapshot';
  const page = await side.listChanges(null);
  const change = page.changes[0];
  assert.ok(change && !('deleted' in change));
  if (change.event.timing.allDay === false) change.event.timing.start.instant = '2000-01-01T00:00:00Z';
  const patch: Partial<CalendarEvent> = { attendees: [{ email: 'c@example.com', response: 'accepted' }] };
  const patched = side.userUpdate(created.id, patch);
  patch.attendees!.push({ email: 'd@example.com', response: 'none' });

  const [stored] = side.snapshot();
  assert.deepEqual(stored?.event, makeEvent({ attendees: [{ email: 'c@example.com', response: 'accepted' }], stableKey: 'k' }));
  assert.equal(stored?.version, patched.version);
});

test('a full read returns every live item overlapping the window, and only those', async () => {
  const side = new MemorySide({ name: 's', window: WINDOW });
  const mk = (title: string, timing: EventTiming, over: Partial<CalendarEvent> = {}) => side.userCreate(makeEvent({ title, timing, ...over }));
  mk('inside', timed('2026-03-02T08:00:00Z', '2026-03-02T09:00:00Z'));
  mk('before', timed('2026-02-27T08:00:00Z', '2026-02-27T09:00:00Z'));
  mk('ends at from', timed('2026-02-28T23:00:00Z', '2026-03-01T00:00:00Z'));
  mk('straddles from', timed('2026-02-28T23:00:00Z', '2026-03-01T00:30:00Z'));
  mk('starts at to', timed('2026-04-01T00:00:00Z', '2026-04-01T01:00:00Z'));
  mk('offset form, inside', timed('2026-03-31T23:30:00+00:00', '2026-04-01T01:45:00+02:00'));
  mk('all-day last day', allDay('2026-03-31', '2026-04-01'));
  mk('all-day before', allDay('2026-02-28', '2026-03-01'));
  mk('all-day after', allDay('2026-04-01', '2026-04-02'));
  mk('zero-length at from', timed('2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z'));
  mk('weekly since 2025, no end', timed('2025-01-06T08:00:00Z', '2025-01-06T09:00:00Z'), {
    recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['mo'] }, range: { type: 'noEnd', startDate: '2025-01-06' }, exceptions: [] },
  });
  mk('daily, ended in 2025', timed('2025-01-06T08:00:00Z', '2025-01-06T09:00:00Z'), {
    recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'endDate', startDate: '2025-01-06', endDate: '2025-02-01' }, exceptions: [] },
  });
  const deleted = mk('inside, deleted', timed('2026-03-03T08:00:00Z', '2026-03-03T09:00:00Z'));
  side.userDelete(deleted.id);

  const page = await side.listChanges(null);
  assert.equal(page.complete, true);
  assert.deepEqual(titles(page.changes), ['inside', 'straddles from', 'offset form, inside', 'all-day last day', 'zero-length at from', 'weekly since 2025, no end']);
  assert.equal(page.changes.some((c) => 'deleted' in c), false);

  const unbounded = new MemorySide({ name: 'u' });
  unbounded.userCreate(makeEvent({ timing: allDay('1999-12-31', '2000-01-01') }));
  assert.equal((await unbounded.listChanges(null)).changes.length, 1);
});

test('a delta read lists every change since the cursor, last state only, deletions and moves out of the window included', async () => {
  const side = new MemorySide({ name: 's', window: WINDOW });
  const stays = side.userCreate(makeEvent({ title: 'stays' }));
  const edited = side.userCreate(makeEvent({ title: 'edited' }));
  const leaves = side.userCreate(makeEvent({ title: 'leaves' }));
  const goes = side.userCreate(makeEvent({ title: 'goes' }));
  const full = await side.listChanges(null);
  assert.equal(full.changes.length, 4);

  const empty = await side.listChanges(full.nextCursor);
  assert.deepEqual(empty, { changes: [], nextCursor: full.nextCursor, complete: true });

  side.userUpdate(edited.id, { title: 'edited once' });
  side.userUpdate(leaves.id, { timing: timed('2027-01-01T08:00:00Z', '2027-01-01T09:00:00Z') });
  side.userDelete(goes.id);
  const blip = side.userCreate(makeEvent({ title: 'blip' }));
  side.userDelete(blip.id);
  const outside = side.userCreate(makeEvent({ title: 'created outside', timing: allDay('2030-01-01', '2030-01-02') }));
  const last = side.userUpdate(edited.id, { title: 'edited twice' });

  const delta = await side.listChanges(full.nextCursor);
  assert.equal(delta.complete, true);
  assert.deepEqual(titles(delta.changes), ['leaves', `-${goes.id}`, `-${blip.id}`, 'created outside', 'edited twice']);
  assert.deepEqual(delta.changes.at(-1), last);
  assert.ok(!delta.changes.some((c) => c.id === stays.id));
  assert.ok(delta.changes.some((c) => c.id === outside.id));

  // The full read now leaves out what moved out of the window.
  assert.deepEqual(titles((await side.listChanges(null)).changes), ['stays', 'edited twice']);
  assert.deepEqual((await side.listChanges(delta.nextCursor)).changes, []);
});

test('cursors expire past the horizon, after expireCursors, and when malformed', async () => {
  const side = new MemorySide({ name: 's', cursorHorizon: 3 });
  const a = side.userCreate(makeEvent());
  const c0 = (await side.listChanges(null)).nextCursor;
  side.touch(a.id);
  side.touch(a.id);
  side.touch(a.id); // the log holds these three; c0 needs exactly them
  assert.deepEqual(brief((await side.listChanges(c0)).changes), [`${a.id}@v4`]);
  side.touch(a.id);
  await assert.rejects(side.listChanges(c0), CursorExpired);

  const fresh = (await side.listChanges(null)).nextCursor;
  assert.deepEqual((await side.listChanges(fresh)).changes, []);
  for (const bad of ['', 'garbage', '5', 's:0:', 's:0:-1', 's:0:x', 's:0:999', 'other:0:1', `${fresh}x`]) {
    await assert.rejects(side.listChanges(bad), CursorExpired, `cursor ${JSON.stringify(bad)}`);
  }

  side.expireCursors();
  await assert.rejects(side.listChanges(fresh), CursorExpired, 'the newest cursor expires too');
  const after = await side.listChanges(null);
  assert.equal(after.changes.length, 1);
  assert.deepEqual((await side.listChanges(after.nextCursor)).changes, []);
});

test('a side refuses a cursor issued by another side', async () => {
  const a = new MemorySide({ name: 'a' });
  const b = new MemorySide({ name: 'b' });
  await assert.rejects(b.listChanges((await a.listChanges(null)).nextCursor), CursorExpired);
});

test('failNext throws before doing anything, for the given number of calls, in order', async () => {
  const side = new MemorySide({ name: 's' });
  const first = new Transient('first');
  const second = new Transient('second');
  side.failNext('create', first, 2);
  side.failNext('create', second);
  for (const want of [first, first, second]) await assert.rejects(side.create(makeEvent({ stableKey: 'k' })), (e) => e === want);
  assert.equal(side.size, 0, 'no create happened');
  assert.equal(await side.findByStableKey('k'), null);
  const item = await side.create(makeEvent());
  assert.equal(item.id, 's-1', 'failed calls used up no ids');

  const methods = ['listChanges', 'get', 'update', 'delete', 'findByStableKey'] as const;
  for (const m of methods) side.failNext(m, new Transient(m));
  await assert.rejects(side.listChanges(null), /listChanges/);
  await assert.rejects(side.get([item.id]), /get/);
  await assert.rejects(side.update(item.id, makeEvent({ title: 'no' }), item.version), /update/);
  await assert.rejects(side.delete(item.id, item.version), /delete/);
  await assert.rejects(side.findByStableKey('k'), /findByStableKey/);
  assert.deepEqual(side.snapshot(), [item], 'nothing was written');
  assert.deepEqual(side.calls, { listChanges: 1, get: 1, create: 4, update: 1, delete: 1, findByStableKey: 2 });

  assert.equal((await side.listChanges(null)).changes.length, 1);
  await side.delete(item.id, item.version);
});

test('failAfterWrite lets the write happen, then throws', async () => {
  const side = new MemorySide({ name: 's' });
  const lost = new Transient('response lost');
  side.failAfterWrite('create', lost);
  await assert.rejects(side.create(makeEvent({ stableKey: 'k' })), (e) => e === lost);
  const created = await side.findByStableKey('k');
  assert.ok(created, 'the create happened');
  assert.equal(created.id, 's-1');
  assert.equal((await side.create(makeEvent())).id, 's-2', 'one call only');

  side.failAfterWrite('update', lost);
  // A call refused before writing does not use the fault up.
  await assert.rejects(side.update(created.id, makeEvent(), 'stale'), PreconditionFailed);
  await assert.rejects(side.update(created.id, makeEvent({ title: 'written' }), created.version), (e) => e === lost);
  const updated = (await side.get([created.id])).get(created.id);
  assert.ok(updated);
  assert.equal(updated.event.title, 'written');
  assert.notEqual(updated.version, created.version);

  side.failAfterWrite('delete', lost);
  await assert.rejects(side.delete(created.id, updated.version), (e) => e === lost);
  assert.deepEqual([...(await side.get([created.id])).keys()], []);
  assert.deepEqual(side.snapshot().map((i) => i.id), ['s-2']);
});

test('an incomplete read hands out the first half, and its cursor loses nothing', async () => {
  const side = new MemorySide({ name: 's' });
  const ids = ['a', 'b', 'c', 'd', 'e'].map((title) => side.userCreate(makeEvent({ title })).id);
  side.incompleteNextRead();
  const part = await side.listChanges(null);
  assert.equal(part.complete, false);
  assert.deepEqual(titles(part.changes), ['a', 'b', 'c']);
  const rest = await side.listChanges(part.nextCursor);
  assert.equal(rest.complete, true);
  assert.deepEqual(titles(rest.changes), ['d', 'e']);

  side.userUpdate(ids[0]!, { title: 'a2' });
  side.userDelete(ids[1]!);
  side.userUpdate(ids[2]!, { title: 'c2' });
  side.userUpdate(ids[3]!, { title: 'd2' });
  side.incompleteNextRead();
  const deltaPart = await side.listChanges(rest.nextCursor);
  assert.equal(deltaPart.complete, false);
  assert.deepEqual(titles(deltaPart.changes), ['a2', `-${ids[1]}`]);
  assert.deepEqual(titles((await side.listChanges(deltaPart.nextCursor)).changes), ['c2', 'd2']);

  const settled = (await side.listChanges(rest.nextCursor)).nextCursor;
  side.incompleteNextRead();
  assert.deepEqual(await side.listChanges(settled), { changes: [], nextCursor: settled, complete: false });
});

test('a failed read does not use up incompleteNextRead', async () => {
  const side = new MemorySide({ name: 's' });
  side.userCreate(makeEvent());
  side.userCreate(makeEvent());
  side.incompleteNextRead();
  side.failNext('listChanges', new Transient('down'));
  await assert.rejects(side.listChanges(null), Transient);
  const page = await side.listChanges(null);
  assert.deepEqual([page.changes.length, page.complete], [1, false]);
  assert.deepEqual([(await side.listChanges(null)).changes.length, (await side.listChanges(null)).complete], [2, true]);
});

test('capabilities refuse engine writes the engine must not plan; people still edit', async () => {
  const readOnly = new MemorySide({ name: 'ro', capabilities: { readOnly: true } });
  assert.deepEqual(readOnly.capabilities, { readOnly: true, noDelete: false, recurrence: true });
  const item = readOnly.userCreate(makeEvent());
  await assert.rejects(readOnly.create(makeEvent()), /read-only/);
  await assert.rejects(readOnly.update(item.id, makeEvent(), item.version), /read-only/);
  await assert.rejects(readOnly.delete(item.id, item.version), /read-only/);
  assert.equal(readOnly.size, 1);

  const noDelete = new MemorySide({ name: 'nd', capabilities: { noDelete: true } });
  const kept = await noDelete.create(makeEvent());
  await assert.rejects(noDelete.delete(kept.id, kept.version), /no-delete/);
  noDelete.userDelete(kept.id);
  assert.equal(noDelete.size, 0);
});

test('modifiedAt comes from the injected clock, once per write', async () => {
  const stamps = ['2026-05-01T10:00:00.000Z', '2026-05-01T11:00:00.000Z', '2026-05-01T12:00:00.000Z'];
  let i = 0;
  const side = new MemorySide({ name: 's', now: () => stamps[i++] ?? 'exhausted' });
  const item = await side.create(makeEvent());
  assert.equal(item.modifiedAt, stamps[0]);
  assert.equal(side.touch(item.id).modifiedAt, stamps[1]);
  await side.get([item.id]);
  await side.listChanges(null);
  assert.equal(side.snapshot()[0]?.modifiedAt, stamps[1], 'reads do not tick the clock');
  side.userDelete(item.id);
  assert.equal(i, 2, 'a delete stamps nothing');
});

test('malformed timings and windows are refused as fixture bugs', () => {
  assert.throws(() => new MemorySide({ name: 's', window: { from: WINDOW.to, to: WINDOW.from } }), RangeError);
  assert.throws(() => new MemorySide({ name: 's', window: { from: 'soon', to: WINDOW.to } }), RangeError);
  const side = new MemorySide({ name: 's' });
  assert.throws(() => side.userCreate(makeEvent({ timing: timed('2026-03-02T09:00:00Z', '2026-03-02T08:00:00Z') })), TypeError);
  assert.throws(() => side.userCreate(makeEvent({ timing: allDay('2026-3-2', '2026-03-03') })), TypeError);
  assert.equal(side.size, 0);
});

test('makeEvent is a one-hour Oslo event that takes overrides', () => {
  const e = makeEvent();
  assert.equal(e.timing.allDay, false);
  if (!e.timing.allDay) {
    assert.equal(Date.parse(e.timing.end.instant) - Date.parse(e.timing.start.instant), 3_600_000);
    assert.equal(e.timing.start.timeZone, 'Europe/Oslo');
  }
  assert.deepEqual([e.attendees, e.crmLinks, e.showAs, e.private, 'stableKey' in e], [[], {}, 'busy', false, false]);
  assert.equal(makeEvent({ title: 'X' }).title, 'X');
  assert.notEqual(makeEvent().attendees, makeEvent().attendees, 'fresh objects each call');
});
