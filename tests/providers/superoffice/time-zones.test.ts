// The time-zone corpus through the SuperOffice mapping and side: DST changes in Europe/Oslo,
// America/New_York and Australia/Sydney, and Asia/Kolkata (+05:30, no DST). Timed items just
// before, just after and across a change keep their instants and zone; all-day items on and across
// a change keep their dates; a weekly series keeps 09:00 local on both sides of the change, with a
// moved and a cancelled occurrence. Every expected instant is written out with its offset by hand.
// The simulated tenant keeps its data in the zone under test (SuperOffice's base zone), except in
// the last test, where it is UTC and the side has to put the occurrences back on the wall clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AppointmentPrivate, mkDuration, type AppointmentEntity } from '@superoffice/webapi';
import { entityToEvent, eventToEntity } from '../../../server/providers/superoffice/mapping.ts';
import type { CalendarEvent, EventTiming } from '../../../server/sync/event.ts';
import { contentHash, SYNCED_FIELDS } from '../../../server/sync/hash.ts';
import { ADA, CTX, startSideHarness, TASKS, type SideHarness } from './harness.ts';

interface ZoneCase {
  zone: string;
  /** [what, start, end], local times with their offsets. */
  timed: Array<[string, string, string]>;
  /** [what, first day, day after the last, offset at the first midnight, offset at the end midnight]. */
  allDay: Array<[string, string, string, string, string]>;
  /** Mondays at 09:00 local from `startDate`, `nineAm` their instants; one cancelled, one moved to `movedTo`. */
  series: { startDate: string; nineAm: string[]; cancel: number; move: number; movedTo: [string, string] };
}

const CORPUS: ZoneCase[] = [
  {
    zone: 'Europe/Oslo', // CET +01:00, CEST +02:00; 29 March 02:00 -> 03:00, 25 October 03:00 -> 02:00
    timed: [
      ['just before the spring change', '2026-03-29T00:30:00+01:00', '2026-03-29T01:59:00+01:00'],
      ['just after the spring change', '2026-03-29T03:00:00+02:00', '2026-03-29T04:00:00+02:00'],
      ['across the spring change', '2026-03-29T01:30:00+01:00', '2026-03-29T03:30:00+02:00'],
      ['across the repeated autumn hour', '2026-10-25T02:30:00+02:00', '2026-10-25T02:30:00+01:00'],
      ['just after the autumn change', '2026-10-25T03:00:00+01:00', '2026-10-25T04:00:00+01:00'],
    ],
    allDay: [
      ['the spring change day', '2026-03-29', '2026-03-30', '+01:00', '+02:00'],
      ['five days across the spring change', '2026-03-27', '2026-04-01', '+01:00', '+02:00'],
      ['the autumn change day', '2026-10-25', '2026-10-26', '+02:00', '+01:00'],
    ],
    series: {
      startDate: '2026-03-16',
      nineAm: ['2026-03-16T09:00:00+01:00', '2026-03-23T09:00:00+01:00', '2026-03-30T09:00:00+02:00', '2026-04-06T09:00:00+02:00'],
      cancel: 1, move: 2, movedTo: ['2026-03-31T10:00:00+02:00', '2026-03-31T11:00:00+02:00'],
    },
  },
  {
    zone: 'America/New_York', // EST -05:00, EDT -04:00; 8 March 02:00 -> 03:00, 1 November 02:00 -> 01:00
    timed: [
      ['just before the spring change', '2026-03-08T00:30:00-05:00', '2026-03-08T01:59:00-05:00'],
      ['just after the spring change', '2026-03-08T03:00:00-04:00', '2026-03-08T04:00:00-04:00'],
      ['across the spring change', '2026-03-08T01:30:00-05:00', '2026-03-08T03:30:00-04:00'],
      ['across the repeated autumn hour', '2026-11-01T01:30:00-04:00', '2026-11-01T01:30:00-05:00'],
      ['just after the autumn change', '2026-11-01T02:00:00-05:00', '2026-11-01T03:00:00-05:00'],
    ],
    allDay: [
      ['the spring change day', '2026-03-08', '2026-03-09', '-05:00', '-04:00'],
      ['five days across the spring change', '2026-03-06', '2026-03-11', '-05:00', '-04:00'],
      ['the autumn change day', '2026-11-01', '2026-11-02', '-04:00', '-05:00'],
    ],
    series: {
      startDate: '2026-03-02',
      nineAm: ['2026-03-02T09:00:00-05:00', '2026-03-09T09:00:00-04:00', '2026-03-16T09:00:00-04:00', '2026-03-23T09:00:00-04:00'],
      cancel: 2, move: 1, movedTo: ['2026-03-10T10:00:00-04:00', '2026-03-10T11:00:00-04:00'],
    },
  },
  {
    zone: 'Australia/Sydney', // AEDT +11:00, AEST +10:00; 5 April 03:00 -> 02:00, 4 October 02:00 -> 03:00
    timed: [
      ['just before the autumn change', '2026-04-05T01:30:00+11:00', '2026-04-05T02:30:00+11:00'],
      ['across the repeated autumn hour', '2026-04-05T02:30:00+11:00', '2026-04-05T02:30:00+10:00'],
      ['just after the autumn change', '2026-04-05T03:00:00+10:00', '2026-04-05T04:00:00+10:00'],
      ['across the spring change', '2026-10-04T01:30:00+10:00', '2026-10-04T03:30:00+11:00'],
      ['just after the spring change', '2026-10-04T03:00:00+11:00', '2026-10-04T04:00:00+11:00'],
    ],
    allDay: [
      ['the autumn change day', '2026-04-05', '2026-04-06', '+11:00', '+10:00'],
      ['five days across the autumn change', '2026-04-03', '2026-04-08', '+11:00', '+10:00'],
      ['the spring change day', '2026-10-04', '2026-10-05', '+10:00', '+11:00'],
    ],
    series: {
      // 09:00 on a Monday in Sydney is Sunday in UTC.
      startDate: '2026-03-30',
      nineAm: ['2026-03-30T09:00:00+11:00', '2026-04-06T09:00:00+10:00', '2026-04-13T09:00:00+10:00', '2026-04-20T09:00:00+10:00'],
      cancel: 2, move: 1, movedTo: ['2026-04-07T10:00:00+10:00', '2026-04-07T11:00:00+10:00'],
    },
  },
  {
    zone: 'Asia/Kolkata', // IST +05:30 all year
    timed: [
      ['on Europe\'s change night', '2026-03-29T00:30:00+05:30', '2026-03-29T01:59:00+05:30'],
      ['across midnight', '2026-03-29T23:30:00+05:30', '2026-03-30T00:30:00+05:30'],
      ['on the half hour', '2026-10-25T09:30:00+05:30', '2026-10-25T10:15:00+05:30'],
    ],
    allDay: [
      ['one day', '2026-03-29', '2026-03-30', '+05:30', '+05:30'],
      ['five days', '2026-03-27', '2026-04-01', '+05:30', '+05:30'],
    ],
    series: {
      startDate: '2026-03-16',
      nineAm: ['2026-03-16T09:00:00+05:30', '2026-03-23T09:00:00+05:30', '2026-03-30T09:00:00+05:30', '2026-04-06T09:00:00+05:30'],
      cancel: 1, move: 2, movedTo: ['2026-03-31T10:00:00+05:30', '2026-03-31T11:00:00+05:30'],
    },
  },
];

const iso = (local: string) => new Date(Date.parse(local)).toISOString();
const utc = (local: string) => iso(local).replace('.000Z', 'Z');

function timed(zone: string, start: string, end: string): EventTiming {
  return { allDay: false, start: { instant: iso(start), timeZone: zone }, end: { instant: iso(end), timeZone: zone } };
}

function event(title: string, timing: EventTiming, stableKey?: string): CalendarEvent {
  return {
    title, description: '', location: '', timing, showAs: 'busy', private: false, attendees: [], crmLinks: {}, category: 'Meeting',
    organizer: { email: 'ada.lindqvist@demo-company.example', name: 'Ada Lindqvist' },
    ...(stableKey ? { stableKey } : {}),
  };
}

function seriesEvent(c: ZoneCase, stableKey: string): CalendarEvent {
  const s = c.series;
  return {
    ...event(`Weekly in ${c.zone}`, timed(c.zone, s.nineAm[0]!, s.nineAm[0]!.replace('T09:', 'T10:')), stableKey),
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['mo'] },
      range: { type: 'count', startDate: s.startDate, count: s.nineAm.length },
      exceptions: [
        { kind: 'cancelled', originalStart: iso(s.nineAm[s.cancel]!) },
        { kind: 'changed', originalStart: iso(s.nineAm[s.move]!), changes: { timing: timed(c.zone, ...s.movedTo) } },
      ],
    },
  };
}

function assertSame(read: CalendarEvent, written: CalendarEvent, what: string) {
  for (const f of SYNCED_FIELDS) assert.equal(contentHash(read, [f]), contentHash(written, [f]), `${what}: ${f} ${JSON.stringify(read[f])} vs ${JSON.stringify(written[f])}`);
  assert.deepEqual(read.timing, written.timing, what);
  assert.equal(contentHash(read), contentHash(written), what);
}

let h: SideHarness;
before(async () => {
  h = await startSideHarness();
});
after(() => h.close());

const stored = (id: string) => h.so.simulator.api.appointments(CTX).find((a) => a.AppointmentId === Number(id))!;
const ruleRows = (id: string) => {
  const rule = (stored(id).Recurrence as { RecurrenceId: number }).RecurrenceId;
  return h.so.simulator.api.appointments(CTX).filter((a) => (a.Recurrence as { RecurrenceId: number }).RecurrenceId === rule);
};

const BLANK: AppointmentEntity = {
  appointmentId: 0, associate: { associateId: ADA, fullName: 'Ada Lindqvist', userName: 'ada.lindqvist@demo-company.example' },
  participants: [], task: { taskListItemId: 1, value: 'Meeting' }, private: AppointmentPrivate.Public, alarmLeadTime: mkDuration(0, 'minutes'),
};

for (const c of CORPUS) {
  test(`${c.zone}: the mapping alone keeps instants, zone and dates`, () => {
    const opts = { timeZone: c.zone, tasks: TASKS };
    for (const [what, start, end] of c.timed) {
      const written = event(what, timed(c.zone, start, end));
      const entity = eventToEntity(written, BLANK, opts);
      assert.equal(entity.startDate?.toISOString(), iso(start), what);
      assert.equal(entity.endDate?.toISOString(), iso(end), what);
      assertSame(entityToEvent(entity, opts), written, what);
    }
    for (const [what, startDate, endDate, startOffset, endOffset] of c.allDay) {
      const written = event(what, { allDay: true, startDate, endDate });
      const entity = eventToEntity(written, BLANK, opts);
      assert.equal(entity.startDate?.toISOString(), iso(`${startDate}T00:00:00${startOffset}`), what);
      assert.equal(entity.endDate?.toISOString(), iso(`${endDate}T00:00:00${endOffset}`), what);
      assertSame(entityToEvent(entity, opts), written, what);
    }
  });

  test(`${c.zone}: through the side, timed and all-day items around the changes read back as written`, async () => {
    h.so.simulator.api.setBaseTimeZone(CTX, c.zone);
    const side = h.side({ timeZone: c.zone });
    for (const [what, start, end] of c.timed) {
      const written = event(what, timed(c.zone, start, end), `${c.zone}:${what}`);
      const created = await side.create(written);
      assertSame(created.event, written, what);
      assert.equal(stored(created.id).StartDate, utc(start), what);
      assert.equal(stored(created.id).EndDate, utc(end), what);
      assertSame((await side.get([created.id])).get(created.id)!.event, written, what);
    }
    for (const [what, startDate, endDate, startOffset, endOffset] of c.allDay) {
      const written = event(what, { allDay: true, startDate, endDate }, `${c.zone}:${what}`);
      const created = await side.create(written);
      assertSame(created.event, written, what);
      assert.equal(stored(created.id).IsAlldayEvent, true, what);
      assert.equal(stored(created.id).StartDate, utc(`${startDate}T00:00:00${startOffset}`), what);
      assert.equal(stored(created.id).EndDate, utc(`${endDate}T00:00:00${endOffset}`), what);
      assertSame((await h.side({ timeZone: c.zone }).findByStableKey(`${c.zone}:${what}`))!.event, written, what);
    }
  });

  test(`${c.zone}: a weekly 09:00 series across the change keeps its wall clock, with a moved and a cancelled occurrence`, async () => {
    h.so.simulator.api.setBaseTimeZone(CTX, c.zone);
    const side = h.side({ timeZone: c.zone });
    const written = seriesEvent(c, `${c.zone}:weekly`);
    const created = await side.create(written);
    assertSame(created.event, written, 'created');
    const s = c.series;
    const expected = s.nineAm.filter((_, i) => i !== s.cancel && i !== s.move).map(utc);
    expected.splice(s.move > s.cancel ? s.move - 1 : s.move, 0, utc(s.movedTo[0]));
    assert.deepEqual(ruleRows(created.id).map((r) => r.StartDate).sort(), [...expected].sort());
    const read = await side.listChanges(null);
    const item = read.changes.find((x) => x.id === created.id);
    assert.ok(item && !('deleted' in item), 'the series is in a full read');
    assertSame(item.event, written, 'full read');
    assert.equal(item.version, created.version);
    assertSame((await h.side({ timeZone: c.zone }).findByStableKey(`${c.zone}:weekly`))!.event, written, 'found by key');

    // The same series made by a user in SuperOffice: its rows keep 09:00 in the base zone, and it
    // reads as a plain weekly rule without exceptions.
    const own = Number(h.so.simulator.api.editAsUser(CTX, ADA, {
      op: 'create',
      appointment: {
        StartDate: iso(s.nineAm[0]!), EndDate: iso(s.nineAm[0]!.replace('T09:', 'T10:')), Title: 'Made in SuperOffice',
        Recurrence: { IsRecurrence: true, Pattern: 'Weekly', RecurrenceEndType: 'Counter', RecurrenceCounter: s.nineAm.length, WeekPattern: { Cycle: 1, Weekdays: 'Monday' } },
      },
    })?.AppointmentId);
    assert.deepEqual(ruleRows(String(own)).map((r) => r.StartDate), s.nineAm.map(utc));
    const ownEvent = (await side.get([String(own)])).get(String(own))!.event;
    assert.deepEqual(ownEvent.recurrence, { ...written.recurrence!, exceptions: [] });
    assert.deepEqual(ownEvent.timing, written.timing);
  });
}

test('a tenant kept in UTC: SuperOffice repeats the UTC time, and the side puts the occurrences after the change back on 09:00 Oslo time', async () => {
  h.so.simulator.api.setBaseTimeZone(CTX, 'UTC');
  const oslo = CORPUS[0]!;
  const side = h.side({ timeZone: oslo.zone });
  const written = seriesEvent(oslo, 'utc-tenant:weekly');
  const created = await side.create(written);
  assertSame(created.event, written, 'created');
  assert.deepEqual(ruleRows(created.id).map((r) => r.StartDate).sort(), ['2026-03-16T08:00:00Z', '2026-03-31T08:00:00Z', '2026-04-06T07:00:00Z']);
  assertSame((await side.get([created.id])).get(created.id)!.event, written, 'read back');
  // A title for the whole series goes out once for the rows from the first plain one on; the wall clock stays.
  const renamed = await side.update(created.id, { ...written, title: 'Weekly, renamed' }, created.version);
  assertSame(renamed.event, { ...written, title: 'Weekly, renamed' }, 'renamed');
  assert.deepEqual(ruleRows(created.id).map((r) => [r.StartDate, r.Title]).sort(), [
    ['2026-03-16T08:00:00Z', 'Weekly, renamed'], ['2026-03-31T08:00:00Z', 'Weekly, renamed'], ['2026-04-06T07:00:00Z', 'Weekly, renamed'],
  ]);
});
