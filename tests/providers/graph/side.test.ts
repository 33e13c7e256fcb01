// The Microsoft 365 side against the simulator, through msal-node and the Graph SDK: Ada's calendar
// read whole and by delta (removals confirmed before they count as deletions), creates stamped with
// the stable key and deduplicated by transactionId, updates that write only what differs, stale
// versions refused, series with moved and cancelled occurrences written and read back, and the
// simulator's faults (throttling, outages, a mailbox-less user, withdrawn consent) in the engine's terms.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MailboxNotEnabled } from '../../../server/providers/graph/errors.ts';
import { STABLE_KEY_PROPERTY } from '../../../server/providers/graph/mapping.ts';
import { AuthorizationRevoked, CursorExpired, NotFound, PreconditionFailed, RateLimited } from '../../../server/sync/errors.ts';
import type { CalendarEvent } from '../../../server/sync/event.ts';
import { contentHash, SYNCED_FIELDS } from '../../../server/sync/hash.ts';
import type { SideChange, SideItem } from '../../../server/sync/side.ts';
import { pilotReview, timedOslo } from '../../support/events.ts';
import { ADA, BJORN, startGraphHarness, type GraphHarness } from './harness.ts';

let h: GraphHarness;
before(async () => {
  h = await startGraphHarness();
});
after(() => h.close());

const ORGANIZER = { email: ADA, name: 'Ada Lindqvist' };
let keys = 0;

function event(over: Partial<CalendarEvent> = {}): CalendarEvent {
  return pilotReview(ORGANIZER, { stableKey: `cs1-test-${++keys}`, ...over });
}

function assertSame(read: CalendarEvent, written: CalendarEvent) {
  const fields = SYNCED_FIELDS.filter((f) => f !== 'attendees' && f !== 'crmLinks');
  for (const f of fields) assert.equal(contentHash(read, [f]), contentHash(written, [f]), `field ${f}: ${JSON.stringify(read[f])} vs ${JSON.stringify(written[f])}`);
  assert.deepEqual(read.attendees.map((a) => a.email).sort(), written.attendees.map((a) => a.email).sort());
  assert.equal(read.stableKey, written.stableKey);
}

/** As Ada would, in Outlook. */
const userCreate = (ev: Record<string, unknown>) => String(h.sim.control.editAsUser(ADA, { op: 'create', event: ev })!.id);
const userUpdate = (eventId: string, changes: Record<string, unknown>) => h.sim.control.editAsUser(ADA, { op: 'update', eventId, changes });
const userDelete = (eventId: string) => h.sim.control.editAsUser(ADA, { op: 'delete', eventId });
const oslo = (dateTime: string) => ({ dateTime, timeZone: 'W. Europe Standard Time' });

const byId = (changes: SideChange[]) => new Map(changes.map((c) => [c.id, c]));
const item = (c: SideChange | undefined): SideItem => {
  assert.ok(c && !('deleted' in c), `expected an item, got ${JSON.stringify(c)}`);
  return c;
};
const calls = (method: string, path: RegExp) => h.sent.filter((s) => s.method === method && path.test(s.url.pathname));

test('a full read lists the window: singles and each series once, nothing outside', async () => {
  const inside = userCreate({ subject: 'Inside', start: oslo('2026-02-10T09:00:00'), end: oslo('2026-02-10T10:00:00') });
  const outside = userCreate({ subject: 'Outside', start: oslo('2025-06-10T09:00:00'), end: oslo('2025-06-10T10:00:00') });
  const series = userCreate({
    subject: 'Stand-up', start: oslo('2026-02-02T09:00:00'), end: oslo('2026-02-02T09:15:00'),
    recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2026-02-02', numberOfOccurrences: 5 } },
  });
  const page = await h.side().listChanges(null);
  const got = byId(page.changes);
  assert.equal(page.complete, true);
  assert.equal(item(got.get(inside)).event.title, 'Inside');
  const s = item(got.get(series));
  assert.deepEqual(s.event.recurrence?.pattern, { type: 'daily', interval: 1 });
  assert.deepEqual(s.event.recurrence?.range, { type: 'count', startDate: '2026-02-02', count: 5 });
  assert.deepEqual(s.event.recurrence?.exceptions, []);
  assert.equal(got.has(outside), false);
  assert.equal(page.changes.filter((c) => c.id !== inside && c.id !== series && !('deleted' in c) && c.event.title === 'Stand-up').length, 0, 'occurrences are not items');
});

test('create stamps the stable key; a retried create adopts the first event; findByStableKey finds it', async () => {
  const side = h.side();
  const want = event({ attendees: [{ email: 'kari@nordic-tools.example', name: 'Kari Berg', response: 'none' }] });
  const created = await side.create(want);
  assertSame(created.event, want);
  const again = await side.create(want);
  assert.equal(again.id, created.id, 'the same transactionId made no second event');
  assert.equal(h.sim.control.events(ADA).filter((e) => e.subject === want.title && (e.singleValueExtendedProperties as unknown[] | undefined)?.length).length >= 1, true);
  const found = await side.findByStableKey(want.stableKey!);
  assert.equal(found?.id, created.id);
  assert.equal(found?.version, created.version);
  assert.equal(await side.findByStableKey('cs1-nobody'), null);
  const got = await side.get([created.id, 'AAMkNoSuchEvent']);
  assert.deepEqual([...got.keys()], [created.id]);
});

test('update writes only what differs: stamping a user\'s meeting sends our key and nothing else', async () => {
  const side = h.side();
  const id = userCreate({
    subject: 'Customer call', start: oslo('2026-03-03T13:00:00'), end: oslo('2026-03-03T14:00:00'),
    attendees: [{ emailAddress: { address: 'kari@nordic-tools.example', name: 'Kari Berg' }, type: 'required' }],
    body: { contentType: 'html', content: '<html><body><p>Agenda:<br>prices</p></body></html>' },
  });
  const [cur] = (await side.get([id])).values();
  assert.ok(cur);
  assert.equal(cur.event.description, 'Agenda:\nprices');
  h.sent.length = 0;
  const stamped = await side.update(id, { ...cur.event, stableKey: 'cs1-stamp' }, cur.version);
  const patches = calls('PATCH', /\/events\//);
  assert.equal(patches.length, 1);
  assert.deepEqual(patches[0]!.body, { singleValueExtendedProperties: [{ id: STABLE_KEY_PROPERTY, value: 'cs1-stamp' }] });
  assert.equal(stamped.event.stableKey, 'cs1-stamp');
  assert.notEqual(stamped.version, cur.version);
  // The same event again: no write at all.
  h.sent.length = 0;
  const same = await side.update(id, stamped.event, stamped.version);
  assert.equal(calls('PATCH', /./).length, 0);
  assert.equal(same.version, stamped.version);
  // A real change writes that field only; the attendees stay unwritten.
  h.sent.length = 0;
  const moved = await side.update(id, { ...stamped.event, title: 'Customer call (moved)', timing: timedOslo('2026-03-04T12:00:00.000Z', '2026-03-04T13:00:00.000Z') }, stamped.version);
  assert.deepEqual(Object.keys(calls('PATCH', /\/events\//)[0]!.body as object).sort(), ['end', 'isAllDay', 'start', 'subject']);
  assert.equal(moved.event.title, 'Customer call (moved)');
  assert.equal(moved.event.description, 'Agenda:\nprices', 'the HTML body was not rewritten');
});

test('a stale version is refused (PreconditionFailed) for update and delete; a deleted item is NotFound', async () => {
  const side = h.side();
  const created = await side.create(event());
  userUpdate(created.id, { subject: 'Changed in Outlook' });
  await assert.rejects(side.update(created.id, event({ title: 'Ours' }), created.version), PreconditionFailed);
  await assert.rejects(side.delete(created.id, created.version), PreconditionFailed);
  // Graph's own If-Match check, racing a change between our read and our write.
  const [fresh] = (await side.get([created.id])).values();
  userUpdate(created.id, { location: { displayName: 'Elsewhere' } });
  await assert.rejects(side.delete(created.id, fresh!.version), PreconditionFailed);
  const [now] = (await side.get([created.id])).values();
  await side.delete(created.id, now!.version);
  assert.equal((await side.get([created.id])).size, 0);
  await assert.rejects(side.delete(created.id, now!.version), NotFound);
  await assert.rejects(side.update(created.id, event(), now!.version), NotFound);
});

test('delta reports edits, confirmed deletions, and events moved out of the window as themselves', async () => {
  const side = h.side();
  const edited = userCreate({ subject: 'To edit', start: oslo('2026-04-01T09:00:00'), end: oslo('2026-04-01T10:00:00') });
  const deleted = userCreate({ subject: 'To delete', start: oslo('2026-04-02T09:00:00'), end: oslo('2026-04-02T10:00:00') });
  const leaving = userCreate({ subject: 'To move out', start: oslo('2026-04-03T09:00:00'), end: oslo('2026-04-03T10:00:00') });
  const first = await side.listChanges(null);
  const quiet = await side.listChanges(first.nextCursor);
  assert.deepEqual(quiet.changes, [], 'nothing changed since');
  userUpdate(edited, { subject: 'Edited' });
  userDelete(deleted);
  userUpdate(leaving, { start: oslo('2027-03-03T09:00:00'), end: oslo('2027-03-03T10:00:00') });
  const page = await side.listChanges(quiet.nextCursor);
  const got = byId(page.changes);
  assert.equal(item(got.get(edited)).event.title, 'Edited');
  assert.deepEqual(got.get(deleted), { id: deleted, deleted: true });
  const moved = item(got.get(leaving));
  assert.equal(!moved.event.timing.allDay && moved.event.timing.start.instant, '2027-03-03T08:00:00.000Z');
  assert.equal(page.changes.length, 3);
});

test('a series changed in one occurrence is reported as the series, whether delta items carry calendarView\'s properties or only an id', async () => {
  const side = h.side();
  const series = userCreate({
    subject: 'Retro', start: oslo('2026-09-07T13:00:00'), end: oslo('2026-09-07T14:00:00'),
    recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'numbered', startDate: '2026-09-07', numberOfOccurrences: 4 } },
  });
  const occurrenceOn = (day: string) => String(h.sim.control.events(ADA, { start: new Date(`${day}T00:00:00Z`), end: new Date(`${day}T23:59:59Z`) }).find((o) => o.seriesMasterId === series)!.id);
  let cursor = (await side.listChanges(null)).nextCursor;
  try {
    for (const [shape, day] of [['calendarView', '2026-09-14'], ['idOnly', '2026-09-21']] as const) {
      h.sim.control.settings.deltaOccurrences = shape;
      userUpdate(occurrenceOn(day), { subject: `Retro (${shape})` });
      const page = await side.listChanges(cursor);
      cursor = page.nextCursor;
      assert.deepEqual(page.changes.map((c) => c.id), [series], `${shape}: the series, and no occurrence, is the change`);
      const exceptions = item(page.changes[0]).event.recurrence?.exceptions ?? [];
      assert.ok(exceptions.some((x) => x.kind === 'changed' && x.changes.title === `Retro (${shape})`), `${shape}: ${JSON.stringify(exceptions)}`);
    }
  } finally {
    h.sim.control.settings.deltaOccurrences = 'calendarView';
  }
});

test('an expired delta token is CursorExpired; a cursor of another mailbox too', async () => {
  const side = h.side();
  const page = await side.listChanges(null);
  h.sim.control.expireDeltaTokens(ADA);
  await assert.rejects(side.listChanges(page.nextCursor), CursorExpired);
  await assert.rejects(h.side({}, 'daniel.okafor@demo-company.example').listChanges(page.nextCursor), CursorExpired);
  await assert.rejects(side.listChanges('garbage'), CursorExpired);
});

test('a series with a moved and a cancelled occurrence is written, read back, changed and restored', async () => {
  const side = h.side();
  const want = event({
    title: 'Weekly sync',
    timing: timedOslo('2026-06-01T07:00:00.000Z', '2026-06-01T07:30:00.000Z'),
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['mo'] },
      range: { type: 'count', startDate: '2026-06-01', count: 6 },
      exceptions: [
        { kind: 'changed', originalStart: '2026-06-08T07:00:00.000Z', changes: { timing: timedOslo('2026-06-09T11:00:00.000Z', '2026-06-09T11:30:00.000Z'), location: 'Room 9' } },
        { kind: 'cancelled', originalStart: '2026-06-15T07:00:00.000Z' },
      ],
    },
  });
  const created = await side.create(want);
  assertSame(created.event, want);
  const [read] = (await side.get([created.id])).values();
  assert.equal(read?.version, created.version);
  // A change to one occurrence only, as a user makes in Outlook, moves the series' version.
  const occurrences = h.sim.control.events(ADA, { start: new Date('2026-06-22T00:00:00Z'), end: new Date('2026-06-23T00:00:00Z') });
  const occ = occurrences.find((o) => o.seriesMasterId === created.id)!;
  userUpdate(String(occ.id), { subject: 'Weekly sync (long one)' });
  const [afterUser] = (await side.get([created.id])).values();
  assert.notEqual(afterUser!.version, created.version);
  assert.deepEqual(afterUser!.event.recurrence?.exceptions.find((x) => x.originalStart === '2026-06-22T07:00:00.000Z'), { kind: 'changed', originalStart: '2026-06-22T07:00:00.000Z', changes: { title: 'Weekly sync (long one)' } });
  await assert.rejects(side.update(created.id, want, created.version), PreconditionFailed);
  // Ours again: the user's exception goes, another occurrence is cancelled.
  const next: CalendarEvent = { ...want, recurrence: { ...want.recurrence!, exceptions: [...want.recurrence!.exceptions, { kind: 'cancelled', originalStart: '2026-06-29T07:00:00.000Z' }] } };
  const updated = await side.update(created.id, next, afterUser!.version);
  assert.equal(updated.id, created.id);
  assertSame(updated.event, next);
  // Bringing a cancelled occurrence back needs a new series (Graph cannot restore one); the key goes along.
  const restored = await side.update(created.id, want, updated.version);
  assert.notEqual(restored.id, created.id);
  assertSame(restored.event, want);
  assert.equal((await side.get([created.id])).size, 0);
  assert.equal((await side.findByStableKey(want.stableKey!))?.id, restored.id);
  // And a series made single again is a new event too.
  const single = await side.update(restored.id, { ...want, recurrence: undefined }, restored.version);
  assert.equal(single.event.recurrence, undefined);
  assert.equal((await side.get([restored.id])).size, 0);
});

test('an all-day event keeps its dates', async () => {
  const side = h.side();
  const want = event({ timing: { allDay: true, startDate: '2026-07-01', endDate: '2026-07-03' }, reminderMinutes: undefined, private: true, showAs: 'oof' });
  const created = await side.create(want);
  assertSame(created.event, want);
});

test('get reads many ids in $batch calls of 20', async () => {
  const side = h.side();
  const ids: string[] = [];
  for (let i = 0; i < 25; i++) ids.push(userCreate({ subject: `Bulk ${i}`, start: oslo('2026-08-03T09:00:00'), end: oslo('2026-08-03T09:30:00') }));
  h.sent.length = 0;
  const got = await side.get([...ids, 'AAMkMissing']);
  assert.equal(got.size, 25);
  assert.equal(calls('POST', /\/\$batch$/).length, 2);
  assert.equal(h.sent.length, 2);
});

test('throttling, outages, a user without a mailbox and withdrawn consent reach the engine as its errors', async () => {
  const side = h.side();
  h.sim.control.injectFaults({ status: 429, retryAfterS: 7, user: ADA });
  const limited = await side.listChanges(null).catch((e: unknown) => e);
  assert.ok(limited instanceof RateLimited, String(limited));
  assert.equal(limited.retryAfterMs, 7000);
  h.sim.control.injectFaults({ status: 503, retryAfterS: 2, user: ADA });
  assert.ok((await side.get(['x']).catch((e: unknown) => e)) instanceof RateLimited);
  h.sim.control.clearFaults();
  const none = await h.side({}, BJORN).listChanges(null).catch((e: unknown) => e);
  assert.ok(none instanceof MailboxNotEnabled && none instanceof AuthorizationRevoked, String(none));
  assert.match(none.message, /no Exchange Online mailbox/);
  h.sim.control.revokeAdminConsent({ expireTokens: true });
  try {
    const refused = await side.listChanges(null).catch((e: unknown) => e);
    assert.ok(refused instanceof AuthorizationRevoked, String(refused));
    // A new app (a restart, another node) is refused at sign-in, with Microsoft's reason.
    const fresh = h.clients.application({ ...h.profile, id: 'profile-fresh' });
    const signIn = await fresh.request({ url: '/users' }).catch((e: unknown) => e);
    assert.ok(signIn instanceof AuthorizationRevoked, String(signIn));
    assert.match(signIn.message, /AADSTS\d+/);
  } finally {
    h.sim.control.grantAdminConsent();
  }
  assert.ok(!(await h.clients.application({ ...h.profile, id: 'profile-again' }).request({ url: '/users?$top=1' }).catch((e: unknown) => e) instanceof Error));
});

test('no more than four requests are in flight against one mailbox', async () => {
  const side = h.side();
  const ids = Array.from({ length: 6 }, (_, i) => userCreate({ subject: `Parallel ${i}`, start: oslo('2026-09-01T09:00:00'), end: oslo('2026-09-01T09:30:00') }));
  const release = h.sim.control.pause();
  const reads = ids.map((id) => side.get([id]));
  for (let i = 0; i < 50 && h.sim.control.inFlight(ADA) < 4; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(h.sim.control.inFlight(ADA), 4);
  release();
  const got = await Promise.all(reads);
  assert.ok(got.every((m) => m.size === 1));
});
