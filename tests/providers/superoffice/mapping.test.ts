// The SuperOffice mapping on its own: SDK carriers (as @superoffice/webapi hands them over: Dates,
// dayjs Durations, string enums) to CalendarEvent and back, field by field, and a series whose rows
// carry a moved and a cancelled occurrence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AppointmentPrivate, InvitationStatus, RecurrenceEndType, RecurrencePattern, mkDuration, type AppointmentEntity, type RecurrenceInfo,
} from '@superoffice/webapi';
import {
  DEFAULT_TIME_ZONE, entityToEvent, eventToEntity, seriesToEvent, type MappingOptions, type SeriesRow,
} from '../../../server/providers/superoffice/mapping.ts';
import { occurrenceEvent, slotsOf } from '../../../server/providers/superoffice/series.ts';
import { contentHash, SYNCED_FIELDS } from '../../../server/sync/hash.ts';
import type { CalendarEvent, Recurrence } from '../../../server/sync/event.ts';

const ADA = { email: 'ada@demo.example', name: 'Ada Lindqvist', associateId: 5, personId: 1 };
const BOB = { email: 'bob@demo.example', name: 'Bob Haugen', associateId: 6, personId: 2 };
const KARI = { email: 'kari@nordic.example', name: 'Kari Berg', personId: 100, contactId: 10 };
const OPTS: MappingOptions = {
  timeZone: 'Europe/Oslo',
  people: [ADA, BOB, KARI],
  tasks: [{ id: 1, name: 'Meeting' }, { id: 2, name: 'Phone call' }],
};

function entity(over: Partial<AppointmentEntity> = {}): AppointmentEntity {
  return {
    appointmentId: 63,
    associate: { associateId: 5, fullName: 'Ada Lindqvist', userName: 'ada@demo.example' },
    startDate: new Date('2026-03-10T08:00:00Z'),
    endDate: new Date('2026-03-10T09:30:00Z'),
    title: 'Pilot review',
    description: 'Agenda: the pilot',
    internalNotes: 'Customer is unhappy about the price',
    agenda: 'Items',
    location: 'Room 4',
    isAlldayEvent: false,
    isFree: false,
    hasAlarm: true,
    alarmLeadTime: mkDuration('00:15:00'),
    private: AppointmentPrivate.Public,
    participants: [
      { associateId: 5, personId: 1, contactId: 0, emailAddress: 'ada@demo.example', invitationStatus: InvitationStatus.Accepted },
      { associateId: 6, personId: 2, contactId: 0, emailAddress: 'bob@demo.example', invitationStatus: InvitationStatus.Declined },
      { associateId: 0, personId: 100, contactId: 10, emailAddress: 'kari@nordic.example', invitationStatus: InvitationStatus.Invitation },
    ],
    task: { taskListItemId: 1, value: 'Meeting' },
    contact: { contactId: 10 },
    person: { personId: 100 },
    project: { projectId: 0 },
    sale: null as unknown as undefined,
    recurrence: { isRecurrence: false },
    ...over,
  };
}

/** entity -> event -> entity -> event: the second event equals the first. */
function roundTrip(e: AppointmentEntity, opts: MappingOptions = OPTS): { first: CalendarEvent; written: AppointmentEntity; second: CalendarEvent } {
  const first = entityToEvent(e, opts);
  const written = eventToEntity(first, e, opts);
  return { first, written, second: entityToEvent(written, opts) };
}

function assertSameEvent(a: CalendarEvent, b: CalendarEvent) {
  for (const f of SYNCED_FIELDS) assert.equal(contentHash(a, [f]), contentHash(b, [f]), `field ${f}`);
  assert.equal(contentHash(a), contentHash(b));
}

test('title, description and location map both ways; internal notes and agenda never leave SuperOffice but survive a write', () => {
  const { first, written, second } = roundTrip(entity());
  assert.equal(first.title, 'Pilot review');
  assert.equal(first.description, 'Agenda: the pilot');
  assert.equal(first.location, 'Room 4');
  assert.ok(!JSON.stringify(first).includes('unhappy'), 'internal notes stay out of the event');
  const changed = eventToEntity({ ...first, title: 'New', description: 'New text', location: 'Teams' }, entity(), OPTS);
  assert.deepEqual([changed.title, changed.description, changed.location], ['New', 'New text', 'Teams']);
  assert.equal(changed.internalNotes, 'Customer is unhappy about the price');
  assert.equal(changed.agenda, 'Items');
  assert.equal(written.internalNotes, entity().internalNotes);
  assertSameEvent(first, second);
});

test('timed appointments are instants in the mapping zone; an unknown zone falls back to Europe/Oslo', () => {
  const { first, written, second } = roundTrip(entity());
  assert.deepEqual(first.timing, {
    allDay: false,
    start: { instant: '2026-03-10T08:00:00.000Z', timeZone: 'Europe/Oslo' },
    end: { instant: '2026-03-10T09:30:00.000Z', timeZone: 'Europe/Oslo' },
  });
  assert.equal(written.isAlldayEvent, false);
  assert.equal(written.startDate?.toISOString(), '2026-03-10T08:00:00.000Z');
  assertSameEvent(first, second);
  const ny = entityToEvent(entity(), { ...OPTS, timeZone: 'America/New_York' });
  assert.equal(ny.timing.allDay === false && ny.timing.start.timeZone, 'America/New_York');
  const unknown = entityToEvent(entity(), { ...OPTS, timeZone: 'Mars/Olympus_Mons' });
  assert.equal(unknown.timing.allDay === false && unknown.timing.start.timeZone, DEFAULT_TIME_ZONE);
});

test('all-day and multi-day appointments are dates with an exclusive end, stored as midnights in the zone', () => {
  // One day, stored as SuperOffice's own client does: 00:00 to 23:59 of the day (Oslo, CET).
  const day = entity({ isAlldayEvent: true, startDate: new Date('2026-03-09T23:00:00Z'), endDate: new Date('2026-03-10T22:59:00Z') });
  const one = roundTrip(day);
  assert.deepEqual(one.first.timing, { allDay: true, startDate: '2026-03-10', endDate: '2026-03-11' });
  assert.equal(one.written.isAlldayEvent, true);
  assert.equal(one.written.startDate?.toISOString(), '2026-03-09T23:00:00.000Z');
  assert.equal(one.written.endDate?.toISOString(), '2026-03-10T23:00:00.000Z');
  assertSameEvent(one.first, one.second);
  // Three days across the spring DST change (29 March): midnights at +01:00 and +02:00.
  const multi: CalendarEvent = { ...one.first, timing: { allDay: true, startDate: '2026-03-28', endDate: '2026-03-31' } };
  const w = eventToEntity(multi, day, OPTS);
  assert.equal(w.startDate?.toISOString(), '2026-03-27T23:00:00.000Z');
  assert.equal(w.endDate?.toISOString(), '2026-03-30T22:00:00.000Z');
  assert.deepEqual(entityToEvent(w, OPTS).timing, multi.timing);
  // Three days as the CRM client stores them (00:00 to 23:59), and midnights of a base zone an
  // hour east of the mapping zone: both still land on the intended dates.
  const threeDays = entity({ isAlldayEvent: true, startDate: new Date('2026-03-09T23:00:00Z'), endDate: new Date('2026-03-12T22:59:00Z') });
  assert.deepEqual(entityToEvent(threeDays, OPTS).timing, { allDay: true, startDate: '2026-03-10', endDate: '2026-03-13' });
  assert.deepEqual(entityToEvent(threeDays, { ...OPTS, timeZone: 'Europe/London' }).timing, { allDay: true, startDate: '2026-03-10', endDate: '2026-03-13' });
  // An all-day item with end = start still lasts one day.
  assert.deepEqual(entityToEvent(entity({ isAlldayEvent: true, startDate: new Date('2026-03-09T23:00:00Z'), endDate: new Date('2026-03-09T23:00:00Z') }), OPTS).timing,
    { allDay: true, startDate: '2026-03-10', endDate: '2026-03-11' });
});

test('free/busy comes from IsFree', () => {
  assert.equal(entityToEvent(entity({ isFree: true }), OPTS).showAs, 'free');
  assert.equal(entityToEvent(entity(), OPTS).showAs, 'busy');
  const e = entityToEvent(entity(), OPTS);
  assert.equal(eventToEntity({ ...e, showAs: 'free' }, entity(), OPTS).isFree, true);
  assert.equal(eventToEntity({ ...e, showAs: 'busy' }, entity({ isFree: true }), OPTS).isFree, false);
  assertSameEvent(roundTrip(entity({ isFree: true })).first, roundTrip(entity({ isFree: true })).second);
});

test('any non-public Private is private; writing private sets PrivateUser and keeps PrivateGroup', () => {
  assert.equal(entityToEvent(entity({ private: AppointmentPrivate.PrivateUser }), OPTS).private, true);
  assert.equal(entityToEvent(entity({ private: AppointmentPrivate.PrivateGroup }), OPTS).private, true);
  assert.equal(entityToEvent(entity({ private: AppointmentPrivate.Public }), OPTS).private, false);
  const e = entityToEvent(entity(), OPTS);
  assert.equal(eventToEntity({ ...e, private: true }, entity(), OPTS).private, AppointmentPrivate.PrivateUser);
  assert.equal(eventToEntity({ ...e, private: true }, entity({ private: AppointmentPrivate.PrivateGroup }), OPTS).private, AppointmentPrivate.PrivateGroup);
  assert.equal(eventToEntity({ ...e, private: false }, entity({ private: AppointmentPrivate.PrivateGroup }), OPTS).private, AppointmentPrivate.Public);
  const r = roundTrip(entity({ private: AppointmentPrivate.PrivateUser }));
  assert.equal(r.written.private, AppointmentPrivate.PrivateUser);
  assertSameEvent(r.first, r.second);
});

test('reminders: HasAlarm with AlarmLeadTime in minutes, none without an alarm', () => {
  assert.equal(entityToEvent(entity(), OPTS).reminderMinutes, 15);
  assert.equal(entityToEvent(entity({ hasAlarm: false }), OPTS).reminderMinutes, undefined);
  assert.equal(entityToEvent(entity({ alarmLeadTime: mkDuration('00:00:00') }), OPTS).reminderMinutes, 0);
  const e = entityToEvent(entity(), OPTS);
  for (const minutes of [0, 10, 90, 1440]) {
    const w = eventToEntity({ ...e, reminderMinutes: minutes }, entity(), OPTS);
    assert.equal(w.hasAlarm, true);
    assert.equal(w.alarmLeadTime?.asMinutes(), minutes);
    assert.equal(entityToEvent(w, OPTS).reminderMinutes, minutes);
  }
  const { reminderMinutes: _drop, ...none } = e;
  const off = eventToEntity(none, entity(), OPTS);
  assert.equal(off.hasAlarm, false);
  assert.equal(entityToEvent(off, OPTS).reminderMinutes, undefined);
});

test('organizer is the owner; attendees are participants matched by e-mail, responses from the invitation status', () => {
  const e = entityToEvent(entity(), OPTS);
  assert.deepEqual(e.organizer, { email: 'ada@demo.example', name: 'Ada Lindqvist' });
  assert.deepEqual(e.attendees, [
    { email: 'bob@demo.example', name: 'Bob Haugen', response: 'declined' },
    { email: 'kari@nordic.example', name: 'Kari Berg', response: 'none' },
  ]);
  const w = eventToEntity({
    ...e,
    attendees: [
      { email: 'KARI@nordic.example', response: 'accepted' },
      { email: 'bob@demo.example', response: 'none' },
      { email: 'stranger@elsewhere.example', name: 'Nobody we know', response: 'accepted' },
      { email: 'ada@demo.example', response: 'accepted' },
    ],
  }, entity(), OPTS);
  // The owner stays as SuperOffice had her; the stranger matches nobody and is not written.
  assert.deepEqual(w.participants?.map((p) => [p.associateId, p.personId, p.contactId, p.emailAddress, p.invitationStatus]), [
    [5, 1, 0, 'ada@demo.example', InvitationStatus.Accepted],
    [0, 100, 10, 'kari@nordic.example', InvitationStatus.Accepted],
    [6, 2, 0, 'bob@demo.example', InvitationStatus.Invitation],
  ]);
  assert.deepEqual(entityToEvent(w, OPTS).attendees.map((a) => [a.email, a.response]), [['kari@nordic.example', 'accepted'], ['bob@demo.example', 'none']]);
  assertSameEvent(roundTrip(entity()).first, roundTrip(entity()).second);
});

test('category is the appointment type: a matching name selects it, else the default type, else the type stays', () => {
  const e = entityToEvent(entity(), OPTS);
  assert.equal(e.category, 'Meeting');
  assert.deepEqual(eventToEntity({ ...e, category: 'phone CALL' }, entity(), OPTS).task, { taskListItemId: 2, value: 'Phone call' });
  assert.deepEqual(eventToEntity({ ...e, category: 'Holiday' }, entity(), { ...OPTS, defaultTaskId: 2 }).task, { taskListItemId: 2, value: 'Phone call' });
  assert.equal(eventToEntity({ ...e, category: 'Holiday' }, entity({ task: { taskListItemId: 1, value: 'Meeting' } }), OPTS).task?.taskListItemId, 1);
  assert.equal(entityToEvent(entity({ task: null as unknown as undefined }), OPTS).category, undefined);
});

test('CRM links: contact, person, project and sale ids, zeros left out; a link the event lacks is cleared', () => {
  const e = entityToEvent(entity({ project: { projectId: 7 }, sale: { saleId: 9 } }), OPTS);
  assert.deepEqual(e.crmLinks, { companyId: 10, personId: 100, projectId: 7, saleId: 9 });
  assert.deepEqual(entityToEvent(entity({ contact: { contactId: 0 }, person: null as unknown as undefined }), OPTS).crmLinks, {});
  const w = eventToEntity({ ...e, crmLinks: { companyId: 11 } }, entity(), OPTS);
  assert.deepEqual([w.contact?.contactId, w.person?.personId, w.project?.projectId, w.sale?.saleId], [11, 0, 0, 0]);
  assertSameEvent(entityToEvent(w, OPTS), { ...e, crmLinks: { companyId: 11 } });
});

test('the stable key is what the side read from the foreign key', () => {
  assert.equal(entityToEvent(entity(), OPTS, 'tenant:link:item').stableKey, 'tenant:link:item');
  assert.equal(entityToEvent(entity(), OPTS).stableKey, undefined);
});

// A weekly series on Mondays 09:00 Oslo time across the spring DST change, as SuperOffice holds it:
// one row per occurrence. 16 March: 08:00Z; 23 March cancelled (no row); 30 March moved to
// Tuesday 31 March 10:00 with its own title; 6 April: 07:00Z (summer time).
const weekly: Recurrence = {
  pattern: { type: 'weekly', interval: 1, daysOfWeek: ['mo'] },
  range: { type: 'count', startDate: '2026-03-16', count: 4 },
  exceptions: [],
};

function seriesRows(): SeriesRow[] {
  const info = {
    isRecurrence: true, recurrenceId: 3, pattern: RecurrencePattern.Weekly, recurrenceEndType: RecurrenceEndType.Counter, recurrenceCounter: 4,
    startDate: new Date('2026-03-15T23:00:00Z'), endDate: new Date('2026-03-15T23:00:00Z'), weekPattern: { cycle: 1, weekdays: 1 },
  };
  const row = (id: number, start: string, end: string, over: Partial<AppointmentEntity> = {}): SeriesRow => ({
    appointmentId: id, entity: entity({ appointmentId: id, startDate: new Date(start), endDate: new Date(end), recurrence: info, ...over }),
  });
  return [
    row(70, '2026-03-16T08:00:00Z', '2026-03-16T09:00:00Z'),
    row(72, '2026-03-31T08:00:00Z', '2026-03-31T09:00:00Z', { title: 'Pilot review (moved)' }),
    row(73, '2026-04-06T07:00:00Z', '2026-04-06T08:00:00Z'),
  ];
}

test('a series reads as one event: the rule, a cancelled occurrence and a moved one, each by its original start', () => {
  const { event, rowBySlot, offSlot } = seriesToEvent(seriesRows(), OPTS, 'k');
  assert.deepEqual(event.recurrence, {
    ...weekly,
    exceptions: [
      { kind: 'cancelled', originalStart: '2026-03-23T08:00:00.000Z' },
      {
        kind: 'changed', originalStart: '2026-03-30T07:00:00.000Z',
        changes: {
          title: 'Pilot review (moved)',
          timing: { allDay: false, start: { instant: '2026-03-31T08:00:00.000Z', timeZone: 'Europe/Oslo' }, end: { instant: '2026-03-31T09:00:00.000Z', timeZone: 'Europe/Oslo' } },
        },
      },
    ],
  });
  assert.equal(event.title, 'Pilot review');
  assert.equal(event.stableKey, 'k');
  assert.deepEqual(event.timing, { allDay: false, start: { instant: '2026-03-16T08:00:00.000Z', timeZone: 'Europe/Oslo' }, end: { instant: '2026-03-16T09:00:00.000Z', timeZone: 'Europe/Oslo' } });
  assert.deepEqual([...rowBySlot].map(([d, r]) => [d, r.appointmentId]), [['2026-03-16', 70], ['2026-04-06', 73], ['2026-03-30', 72]]);
  assert.deepEqual(offSlot, [72]);
});

/** The rule as SuperOffice hands it back: its dates at the day's midnight (Oslo), with an id. */
function stored(info: RecurrenceInfo, recurrenceId: number): RecurrenceInfo {
  const midnight = (d: Date | undefined) => (d ? new Date(d.getTime() - 12 * 3600_000) : d);
  return { ...info, recurrenceId, startDate: midnight(info.startDate), endDate: midnight(info.endDate) };
}

test('a series round trip: event -> rule and occurrence rows -> event gives the same event', () => {
  const { event } = seriesToEvent(seriesRows(), OPTS);
  const master = eventToEntity(event, entity({ appointmentId: 0 }), OPTS);
  assert.equal(master.recurrence?.isRecurrence, true);
  assert.equal(master.recurrence?.pattern, RecurrencePattern.Weekly);
  assert.equal(master.recurrence?.weekPattern?.weekdays, 1);
  assert.equal(master.recurrence?.recurrenceEndType, RecurrenceEndType.Counter);
  assert.equal(master.recurrence?.recurrenceCounter, 4);
  // Written at midday of the start date, so that SuperOffice's base zone takes the same date.
  assert.equal(master.recurrence?.startDate?.toISOString(), '2026-03-16T11:00:00.000Z');
  // The rows SuperOffice would hold for it: one per slot, minus the cancelled, with the changes.
  const byStart = new Map(event.recurrence!.exceptions.map((x) => [x.originalStart, x]));
  const rows: SeriesRow[] = [];
  for (const [i, slot] of slotsOf(event, 'Europe/Oslo').entries()) {
    const ex = byStart.get(slot.originalStart);
    if (ex?.kind === 'cancelled') continue;
    const occ = occurrenceEvent(event, slot, ex);
    rows.push({ appointmentId: 100 + i, entity: { ...eventToEntity(occ, master, OPTS), appointmentId: 100 + i, recurrence: stored(master.recurrence!, 9) } });
  }
  assert.equal(rows.length, 3);
  assertSameEvent(seriesToEvent(rows, OPTS).event, event);
  // Other rules survive the trip too.
  for (const recurrence of [
    { pattern: { type: 'daily', interval: 2 }, range: { type: 'endDate', startDate: '2026-03-16', endDate: '2026-03-30' }, exceptions: [] },
    { pattern: { type: 'monthlyNth', interval: 1, weekday: 'mo', nth: 3 }, range: { type: 'count', startDate: '2026-03-16', count: 6 }, exceptions: [] },
    { pattern: { type: 'monthly', interval: 2, dayOfMonth: 16 }, range: { type: 'count', startDate: '2026-03-16', count: 3 }, exceptions: [] },
    { pattern: { type: 'yearly', interval: 1, month: 3, dayOfMonth: 16 }, range: { type: 'count', startDate: '2026-03-16', count: 2 }, exceptions: [] },
  ] as Recurrence[]) {
    const ev = { ...event, recurrence };
    const m = eventToEntity(ev, entity({ appointmentId: 0 }), OPTS);
    const rs = slotsOf(ev, 'Europe/Oslo').map((slot, i) => ({
      appointmentId: 200 + i, entity: { ...eventToEntity(occurrenceEvent(ev, slot, undefined), m, OPTS), appointmentId: 200 + i, recurrence: stored(m.recurrence!, 11) },
    }));
    assert.ok(rs.length >= 2, recurrence.pattern.type);
    assert.deepEqual(seriesToEvent(rs, OPTS).event.recurrence, recurrence, recurrence.pattern.type);
  }
});
