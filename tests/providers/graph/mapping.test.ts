// The Graph mapping on its own: event JSON as Graph sends it (UTC times with Windows zone names,
// HTML bodies, all-day dates, series with instances) to CalendarEvent and back, the PATCH bodies
// that write only what differs, and the recurrence rules and Windows zone table it leans on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  STABLE_KEY_PROPERTY, createBodyFor, eventFromGraph, parseGraphEvent, patchFor, seriesFromGraph, type GraphEvent, type GraphEventWrite,
} from '../../../server/providers/graph/mapping.ts';
import { occurrenceDates, readRecurrence, writeRecurrence } from '../../../server/providers/graph/recurrence.ts';
import { htmlToText } from '../../../server/providers/graph/html-text.ts';
import { ianaZone, formatGraphWall, parseGraphWall } from '../../../server/providers/graph/graph-time.ts';
import { isTimeZone, wallOf, instantOf } from '../../../server/providers/wall-clock.ts';
import { WINDOWS_ZONE_NAMES, ianaZonesOf } from '../../../server/providers/graph/windows-zones.ts';
import { contentHash, SYNCED_FIELDS } from '../../../server/sync/hash.ts';
import type { CalendarEvent, RecurrencePattern, RecurrenceRange } from '../../../server/sync/event.ts';

const OSLO = { timeZone: 'Europe/Oslo' };

function graphEvent(over: Partial<GraphEvent> = {}): GraphEvent {
  return parseGraphEvent({
    id: 'AAMkAGI1AAAt9AHjAAA=',
    '@odata.etag': 'W/"ZlnW4RIAV06KYYwlrfNZvQAALfZeRQ=="',
    changeKey: 'ZlnW4RIAV06KYYwlrfNZvQAALfZeRQ==',
    lastModifiedDateTime: '2026-03-01T10:00:00Z',
    type: 'singleInstance',
    subject: 'Pilot review',
    body: { contentType: 'text', content: 'Where we are' },
    location: { displayName: 'Room 4' },
    start: { dateTime: '2026-03-10T08:00:00.0000000', timeZone: 'UTC' },
    end: { dateTime: '2026-03-10T09:30:00.0000000', timeZone: 'UTC' },
    originalStartTimeZone: 'W. Europe Standard Time',
    originalEndTimeZone: 'W. Europe Standard Time',
    isAllDay: false,
    showAs: 'busy',
    sensitivity: 'normal',
    isReminderOn: true,
    reminderMinutesBeforeStart: 15,
    organizer: { emailAddress: { name: 'Ada Lindqvist', address: 'ada@contoso.example' } },
    attendees: [
      { type: 'required', status: { response: 'accepted' }, emailAddress: { name: 'Bob', address: 'bob@contoso.example' } },
      { type: 'optional', status: { response: 'tentativelyAccepted' }, emailAddress: { name: 'Kari', address: 'kari@nordic.example' } },
      { type: 'required', status: { response: 'notResponded' }, emailAddress: { address: 'eve@nordic.example' } },
    ],
    categories: ['Meeting', 'Blue category'],
    singleValueExtendedProperties: [{ id: STABLE_KEY_PROPERTY, value: 'cs1-abc' }],
    ...over,
  });
}

/** What Graph would hand back for a write, read with Prefer outlook.timezone="UTC". */
function stored(write: GraphEventWrite, over: Partial<GraphEvent> = {}): GraphEvent {
  const toUtc = (v: { dateTime: string; timeZone: string }) => formatGraphWall(instantOf(parseGraphWall(v.dateTime), ianaZone(v.timeZone)!)) + '.0000000';
  return parseGraphEvent({
    id: 'new-1',
    changeKey: 'ck1',
    type: write.recurrence ? 'seriesMaster' : 'singleInstance',
    subject: write.subject,
    body: write.body,
    location: write.location,
    start: { dateTime: toUtc(write.start!), timeZone: 'UTC' },
    end: { dateTime: toUtc(write.end!), timeZone: 'UTC' },
    originalStartTimeZone: write.start!.timeZone,
    originalEndTimeZone: write.end!.timeZone,
    isAllDay: write.isAllDay,
    showAs: write.showAs,
    sensitivity: write.sensitivity,
    isReminderOn: write.isReminderOn,
    reminderMinutesBeforeStart: write.reminderMinutesBeforeStart ?? 15,
    organizer: { emailAddress: { name: 'Ada Lindqvist', address: 'ada@contoso.example' } },
    attendees: (write.attendees ?? []).map((a) => ({ ...a, status: { response: 'none' } })),
    categories: write.categories,
    recurrence: write.recurrence,
    singleValueExtendedProperties: write.singleValueExtendedProperties,
    ...over,
  });
}

function assertSame(read: CalendarEvent, written: CalendarEvent) {
  for (const f of SYNCED_FIELDS) assert.equal(contentHash(read, [f]), contentHash(written, [f]), `field ${f}: ${JSON.stringify(read[f])} vs ${JSON.stringify(written[f])}`);
  assert.equal(read.stableKey, written.stableKey);
}

const base: CalendarEvent = {
  title: 'Pilot review',
  description: 'Where we are\nwith the pilot',
  location: 'Room 4',
  timing: { allDay: false, start: { instant: '2026-03-10T08:00:00.000Z', timeZone: 'Europe/Oslo' }, end: { instant: '2026-03-10T09:30:00.000Z', timeZone: 'Europe/Oslo' } },
  showAs: 'busy',
  private: false,
  reminderMinutes: 15,
  organizer: { email: 'ada@contoso.example', name: 'Ada Lindqvist' },
  attendees: [{ email: 'bob@contoso.example', name: 'Bob', response: 'none' }],
  category: 'Meeting',
  crmLinks: {},
  stableKey: 'cs1-abc',
};

test('a timed event reads with its instants, its Windows zone as the IANA zone of the mailbox, and every synced field', () => {
  const e = eventFromGraph(graphEvent(), OSLO);
  assert.deepEqual(e.timing, { allDay: false, start: { instant: '2026-03-10T08:00:00.000Z', timeZone: 'Europe/Oslo' }, end: { instant: '2026-03-10T09:30:00.000Z', timeZone: 'Europe/Oslo' } });
  assert.equal(e.title, 'Pilot review');
  assert.equal(e.description, 'Where we are');
  assert.equal(e.location, 'Room 4');
  assert.equal(e.showAs, 'busy');
  assert.equal(e.private, false);
  assert.equal(e.reminderMinutes, 15);
  assert.deepEqual(e.organizer, { email: 'ada@contoso.example', name: 'Ada Lindqvist' });
  assert.deepEqual(e.attendees, [
    { email: 'bob@contoso.example', name: 'Bob', response: 'accepted' },
    { email: 'kari@nordic.example', name: 'Kari', response: 'tentative' },
    { email: 'eve@nordic.example', response: 'none' },
  ]);
  assert.equal(e.category, 'Meeting');
  assert.equal(e.stableKey, 'cs1-abc');
  assert.deepEqual(e.crmLinks, {});
  // A mailbox elsewhere gets CLDR's primary zone for the same Windows name.
  const elsewhere = eventFromGraph(graphEvent(), { timeZone: 'UTC' }).timing;
  assert.equal(!elsewhere.allDay && elsewhere.start.timeZone, 'Europe/Berlin');
});

test('times Graph sends in a Windows or IANA zone (no Prefer honoured) become the same instants', () => {
  const pacific = eventFromGraph(graphEvent({
    start: { dateTime: '2026-03-10T09:00:00.0000000', timeZone: 'Pacific Standard Time' },
    end: { dateTime: '2026-03-10T10:00:00.0000000', timeZone: 'Pacific Standard Time' },
    originalStartTimeZone: 'Pacific Standard Time', originalEndTimeZone: 'Pacific Standard Time',
  }), OSLO).timing;
  // 10 March 2026 is after the US switch to daylight time (8 March): UTC-7.
  assert.deepEqual(pacific, { allDay: false, start: { instant: '2026-03-10T16:00:00.000Z', timeZone: 'America/Los_Angeles' }, end: { instant: '2026-03-10T17:00:00.000Z', timeZone: 'America/Los_Angeles' } });
  const tokyo = eventFromGraph(graphEvent({
    start: { dateTime: '2026-07-01T09:00:00', timeZone: 'Asia/Tokyo' }, end: { dateTime: '2026-07-01T09:30:00', timeZone: 'Asia/Tokyo' },
    originalStartTimeZone: 'Tokyo Standard Time', originalEndTimeZone: 'Tokyo Standard Time',
  }), OSLO).timing;
  assert.equal(!tokyo.allDay && tokyo.start.instant, '2026-07-01T00:00:00.000Z');
  assert.equal(!tokyo.allDay && tokyo.start.timeZone, 'Asia/Tokyo');
  // A zone nobody can place falls back to the mailbox's.
  const custom = eventFromGraph(graphEvent({ originalStartTimeZone: 'Customized Time Zone', originalEndTimeZone: 'tzone://Microsoft/Custom' }), OSLO).timing;
  assert.equal(!custom.allDay && custom.start.timeZone, 'Europe/Oslo');
  assert.equal(!custom.allDay && custom.end.timeZone, 'Europe/Oslo');
});

test('the Windows zone table covers Europe, the Americas and Asia-Pacific with zones this node knows', () => {
  for (const name of WINDOWS_ZONE_NAMES) for (const z of ianaZonesOf(name)) assert.ok(isTimeZone(z), `${name} -> ${z}`);
  const expect: Record<string, string> = {
    'W. Europe Standard Time': 'Europe/Berlin', 'Romance Standard Time': 'Europe/Paris', 'GMT Standard Time': 'Europe/London',
    'Central Europe Standard Time': 'Europe/Budapest', 'Central European Standard Time': 'Europe/Warsaw', 'FLE Standard Time': 'Europe/Kiev',
    'GTB Standard Time': 'Europe/Bucharest', 'Russian Standard Time': 'Europe/Moscow', 'Eastern Standard Time': 'America/New_York',
    'Central Standard Time': 'America/Chicago', 'Mountain Standard Time': 'America/Denver', 'Pacific Standard Time': 'America/Los_Angeles',
    'US Mountain Standard Time': 'America/Phoenix', 'Alaskan Standard Time': 'America/Anchorage', 'Hawaiian Standard Time': 'Pacific/Honolulu',
    'E. South America Standard Time': 'America/Sao_Paulo', 'India Standard Time': 'Asia/Kolkata', 'China Standard Time': 'Asia/Shanghai',
    'Tokyo Standard Time': 'Asia/Tokyo', 'Singapore Standard Time': 'Asia/Singapore', 'AUS Eastern Standard Time': 'Australia/Sydney',
    'New Zealand Standard Time': 'Pacific/Auckland', 'Arabian Standard Time': 'Asia/Dubai', 'UTC': 'UTC',
  };
  for (const [win, iana] of Object.entries(expect)) assert.equal(ianaZone(win), iana, win);
  assert.equal(ianaZone('w. europe standard time', 'Europe/Oslo'), 'Europe/Oslo');
  assert.equal(ianaZone('W. Europe Standard Time', 'Europe/Paris'), 'Europe/Berlin', 'a preferred zone of another Windows zone does not win');
  assert.equal(ianaZone('tzone://Microsoft/Utc'), 'UTC');
  assert.equal(ianaZone('Europe/Oslo'), 'Europe/Oslo');
  assert.equal(ianaZone('Customized Time Zone'), undefined);
});

test('an HTML body reads as its text: markup, styles and entities gone, line breaks kept', () => {
  const html = '<html><head><meta charset="utf-8"><style>p { margin: 0 }</style></head><body><div>Agenda:&nbsp;the&nbsp;pilot</div>'
    + '<ul><li>Price &amp; terms</li><li>Next&#39;steps &lt;soon&gt;</li></ul><p>Line one<br>Line two</p><!-- hidden --></body></html>';
  assert.equal(htmlToText(html), 'Agenda: the pilot\n\n- Price & terms\n- Next\'steps <soon>\nLine one\nLine two');
  // Outlook writes a paragraph per line, and an empty one for a blank line.
  assert.equal(htmlToText('<p class=MsoNormal>Hello<o:p></o:p></p>\r\n<p class=MsoNormal>&nbsp;</p>\r\n<p class=MsoNormal>Bye</p>'), 'Hello\n\nBye');
  assert.equal(eventFromGraph(graphEvent({ body: { contentType: 'html', content: '<p>Hello<br/>world</p>' } }), OSLO).description, 'Hello\nworld');
});

test('free/busy, privacy and reminders map both ways', () => {
  const cases: Array<[string, CalendarEvent['showAs']]> = [['free', 'free'], ['tentative', 'tentative'], ['busy', 'busy'], ['oof', 'oof'], ['workingElsewhere', 'busy'], ['unknown', 'busy']];
  for (const [g, ours] of cases) assert.equal(eventFromGraph(graphEvent({ showAs: g }), OSLO).showAs, ours, g);
  for (const [s, p] of [['normal', false], ['personal', false], ['private', true], ['confidential', true]] as const) assert.equal(eventFromGraph(graphEvent({ sensitivity: s }), OSLO).private, p, s);
  assert.equal(eventFromGraph(graphEvent({ isReminderOn: false }), OSLO).reminderMinutes, undefined);
  assert.equal(eventFromGraph(graphEvent({ isReminderOn: true, reminderMinutesBeforeStart: 0 }), OSLO).reminderMinutes, 0);
  const body = createBodyFor({ ...base, private: true, showAs: 'oof', reminderMinutes: undefined }, OSLO);
  assert.equal(body.sensitivity, 'private');
  assert.equal(body.showAs, 'oof');
  assert.equal(body.isReminderOn, false);
  assert.equal(body.reminderMinutesBeforeStart, undefined);
});

test('a created event reads back as the event written, in its own zone', () => {
  const body = createBodyFor(base, OSLO);
  assert.deepEqual(body.start, { dateTime: '2026-03-10T09:00:00', timeZone: 'Europe/Oslo' });
  assert.deepEqual(body.body, { contentType: 'text', content: 'Where we are\nwith the pilot' });
  assert.deepEqual(body.singleValueExtendedProperties, [{ id: STABLE_KEY_PROPERTY, value: 'cs1-abc' }]);
  assert.deepEqual(body.attendees, [{ emailAddress: { address: 'bob@contoso.example', name: 'Bob' }, type: 'required' }]);
  assert.equal('organizer' in body, false, 'the organizer is the mailbox; it is never written');
  assertSame(eventFromGraph(stored(body), OSLO), base);
  const tokyo: CalendarEvent = { ...base, timing: { allDay: false, start: { instant: '2026-07-01T00:00:00.000Z', timeZone: 'Asia/Tokyo' }, end: { instant: '2026-07-01T00:30:00.000Z', timeZone: 'Asia/Tokyo' } } };
  assert.deepEqual(createBodyFor(tokyo, OSLO).start, { dateTime: '2026-07-01T09:00:00', timeZone: 'Asia/Tokyo' });
  assertSame(eventFromGraph(stored(createBodyFor(tokyo, OSLO)), OSLO), tokyo);
});

test('all-day events are dates with an exclusive end, written at midnight in the mailbox zone, read even when shifted to UTC', () => {
  const allDay: CalendarEvent = { ...base, timing: { allDay: true, startDate: '2026-05-01', endDate: '2026-05-03' } };
  const body = createBodyFor(allDay, OSLO);
  assert.equal(body.isAllDay, true);
  assert.deepEqual(body.start, { dateTime: '2026-05-01T00:00:00', timeZone: 'Europe/Oslo' });
  assert.deepEqual(body.end, { dateTime: '2026-05-03T00:00:00', timeZone: 'Europe/Oslo' });
  // Graph asked for UTC converts the midnights: 22:00 the day before, in summer time.
  assertSame(eventFromGraph(stored(body), OSLO), allDay);
  const floating = eventFromGraph(graphEvent({ isAllDay: true, start: { dateTime: '2026-05-01T00:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2026-05-02T00:00:00.0000000', timeZone: 'UTC' } }), OSLO);
  assert.deepEqual(floating.timing, { allDay: true, startDate: '2026-05-01', endDate: '2026-05-02' });
});

test('an update patches only what differs: nothing for the same event, only our key when stamping a user\'s item', () => {
  const raw = stored(createBodyFor(base, OSLO));
  const current = eventFromGraph(raw, OSLO);
  assert.deepEqual(patchFor(current, base, raw, OSLO), {});
  const unstamped = { ...current, stableKey: undefined };
  assert.deepEqual(patchFor(unstamped, base, raw, OSLO), { singleValueExtendedProperties: [{ id: STABLE_KEY_PROPERTY, value: 'cs1-abc' }] });
  // Responses and names are the attendees' own business: no attendee write, so no meeting update.
  const answered = { ...current, attendees: [{ email: 'BOB@contoso.example', name: 'Robert', response: 'accepted' as const }] };
  assert.deepEqual(patchFor(answered, base, raw, OSLO), {});
  const moved = patchFor(current, { ...base, title: 'Moved review', timing: { allDay: false, start: { instant: '2026-03-11T08:00:00.000Z', timeZone: 'Europe/Oslo' }, end: { instant: '2026-03-11T09:00:00.000Z', timeZone: 'Europe/Oslo' } } }, raw, OSLO);
  assert.deepEqual(moved, {
    subject: 'Moved review', isAllDay: false,
    start: { dateTime: '2026-03-11T09:00:00', timeZone: 'Europe/Oslo' }, end: { dateTime: '2026-03-11T10:00:00', timeZone: 'Europe/Oslo' },
  });
  const invited = patchFor(current, { ...base, attendees: [...base.attendees, { email: 'kari@nordic.example', response: 'none' }] }, graphEvent(), OSLO);
  assert.deepEqual(invited.attendees, [
    { emailAddress: { address: 'bob@contoso.example', name: 'Bob' }, type: 'required' },
    { emailAddress: { address: 'kari@nordic.example' }, type: 'optional' },
  ], 'a kept attendee keeps the type Outlook has for them');
  assert.deepEqual(Object.keys(invited), ['attendees']);
  const recategorised = patchFor(eventFromGraph(graphEvent(), OSLO), { ...eventFromGraph(graphEvent(), OSLO), category: 'Lunch' }, graphEvent(), OSLO);
  assert.deepEqual(recategorised, { categories: ['Lunch', 'Blue category'] });
  // A zone name of the same rules is no change; one with other rules is.
  const inZone = (timeZone: string): CalendarEvent => ({ ...base, timing: { allDay: false, start: { ...(base.timing as { start: { instant: string } }).start, timeZone }, end: { instant: '2026-03-10T09:30:00.000Z', timeZone } } });
  assert.deepEqual(patchFor(inZone('Europe/Berlin'), inZone('Europe/Stockholm'), raw, OSLO), {});
  assert.deepEqual(Object.keys(patchFor(inZone('Europe/Berlin'), inZone('Africa/Lagos'), raw, OSLO)).sort(), ['end', 'isAllDay', 'start']);
  const reminderOff = patchFor(current, { ...base, reminderMinutes: undefined, private: true, description: 'New text' }, raw, OSLO);
  assert.deepEqual(reminderOff, { body: { contentType: 'text', content: 'New text' }, sensitivity: 'private', isReminderOn: false });
});

const rule = (pattern: RecurrencePattern, range: RecurrenceRange) => ({ pattern, range });

test('recurrence patterns and ranges round-trip through patternedRecurrence', () => {
  const cases = [
    rule({ type: 'daily', interval: 2 }, { type: 'count', startDate: '2026-03-02', count: 10 }),
    rule({ type: 'weekly', interval: 2, daysOfWeek: ['mo', 'we'], firstDayOfWeek: 'mo' }, { type: 'endDate', startDate: '2026-03-02', endDate: '2026-06-30' }),
    rule({ type: 'monthly', interval: 1, dayOfMonth: 31 }, { type: 'noEnd', startDate: '2026-01-31' }),
    rule({ type: 'monthlyNth', interval: 2, weekday: 'fr', nth: -1 }, { type: 'noEnd', startDate: '2026-01-30' }),
    rule({ type: 'yearly', interval: 1, month: 5, dayOfMonth: 17 }, { type: 'count', startDate: '2026-05-17', count: 5 }),
  ];
  for (const c of cases) {
    const g = writeRecurrence(c.pattern, c.range, 'Europe/Oslo');
    assert.equal(g.range.recurrenceTimeZone, 'Europe/Oslo');
    assert.deepEqual(readRecurrence(g, '2000-01-01'), c, JSON.stringify(c));
  }
  const relativeYearly = readRecurrence({ pattern: { type: 'relativeYearly', interval: 1, month: 11, daysOfWeek: ['thursday'], index: 'fourth' }, range: { type: 'noEnd', startDate: '2026-11-26' } }, '2026-11-26');
  assert.deepEqual(relativeYearly?.pattern, { type: 'monthlyNth', interval: 12, weekday: 'th', nth: 4 });
  assert.deepEqual(occurrenceDates(relativeYearly!.pattern, relativeYearly!.range, '2026-01-01', '2028-12-31'), ['2026-11-26', '2027-11-25', '2028-11-23']);
});

test('occurrence dates follow Outlook: weeks from firstDayOfWeek, short months clamp, counts from the start', () => {
  assert.deepEqual(
    occurrenceDates({ type: 'weekly', interval: 2, daysOfWeek: ['mo', 'we'], firstDayOfWeek: 'su' }, { type: 'noEnd', startDate: '2026-03-04' }, '2026-03-01', '2026-03-31'),
    ['2026-03-04', '2026-03-16', '2026-03-18', '2026-03-30'],
  );
  assert.deepEqual(occurrenceDates({ type: 'monthly', interval: 1, dayOfMonth: 31 }, { type: 'count', startDate: '2026-01-31', count: 4 }, '2026-01-01', '2026-12-31'), ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']);
  assert.deepEqual(occurrenceDates({ type: 'monthlyNth', interval: 1, weekday: 'fr', nth: -1 }, { type: 'endDate', startDate: '2026-01-01', endDate: '2026-03-31' }, '2026-01-01', '2026-12-31'), ['2026-01-30', '2026-02-27', '2026-03-27']);
  assert.deepEqual(occurrenceDates({ type: 'daily', interval: 3 }, { type: 'count', startDate: '2026-03-01', count: 4 }, '2026-03-05', '2026-12-31'), ['2026-03-07', '2026-03-10']);
  assert.deepEqual(occurrenceDates({ type: 'yearly', interval: 1, month: 2, dayOfMonth: 29 }, { type: 'noEnd', startDate: '2028-02-29' }, '2028-01-01', '2030-12-31'), ['2028-02-29', '2029-02-28', '2030-02-28']);
});

test('a series reads as its master with a moved, a changed and a cancelled occurrence as exceptions', () => {
  // Weekly on Monday 09:00 Oslo, four weeks from 2 March 2026 (winter time: 08:00Z; from 30 March: 07:00Z).
  const series: CalendarEvent = {
    ...base,
    timing: { allDay: false, start: { instant: '2026-03-02T08:00:00.000Z', timeZone: 'Europe/Oslo' }, end: { instant: '2026-03-02T09:00:00.000Z', timeZone: 'Europe/Oslo' } },
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['mo'] },
      range: { type: 'count', startDate: '2026-03-02', count: 5 },
      exceptions: [],
    },
  };
  const master = stored(createBodyFor(series, OSLO), { id: 'm1', type: 'seriesMaster' });
  const instance = (originalStart: string, over: Partial<GraphEvent> = {}): GraphEvent => {
    const wall = formatGraphWall(Date.parse(originalStart)) + '.0000000';
    const end = formatGraphWall(Date.parse(originalStart) + 3600_000) + '.0000000';
    return { ...master, id: `m1-${originalStart}`, type: 'occurrence', seriesMasterId: 'm1', recurrence: null, singleValueExtendedProperties: null,
      originalStart, start: { dateTime: wall, timeZone: 'UTC' }, end: { dateTime: end, timeZone: 'UTC' }, ...over };
  };
  const instances = [
    instance('2026-03-02T08:00:00Z'),
    // Moved an hour later.
    instance('2026-03-09T08:00:00Z', { type: 'exception', start: { dateTime: '2026-03-09T09:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2026-03-09T10:00:00.0000000', timeZone: 'UTC' } }),
    // 16 March cancelled: no instance.
    instance('2026-03-23T08:00:00Z', { type: 'exception', subject: 'Review (customer visit)', location: { displayName: 'Their office' } }),
    instance('2026-03-30T07:00:00Z'),
  ];
  const read = seriesFromGraph(master, instances, { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-30T00:00:00Z') }, OSLO);
  assert.deepEqual(read.recurrence?.pattern, series.recurrence!.pattern);
  assert.deepEqual(read.recurrence?.range, series.recurrence!.range);
  assert.deepEqual(read.recurrence?.exceptions, [
    { kind: 'changed', originalStart: '2026-03-09T08:00:00.000Z', changes: { timing: { allDay: false, start: { instant: '2026-03-09T09:00:00.000Z', timeZone: 'Europe/Oslo' }, end: { instant: '2026-03-09T10:00:00.000Z', timeZone: 'Europe/Oslo' } } } },
    { kind: 'cancelled', originalStart: '2026-03-16T08:00:00.000Z' },
    { kind: 'changed', originalStart: '2026-03-23T08:00:00.000Z', changes: { title: 'Review (customer visit)', location: 'Their office' } },
  ]);
  assert.equal(read.stableKey, 'cs1-abc');
  // A cancelled occurrence outside the span read is not claimed.
  const narrow = seriesFromGraph(master, instances.slice(0, 2), { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-12T00:00:00Z') }, OSLO);
  assert.equal(narrow.recurrence?.exceptions.filter((x) => x.kind === 'cancelled').length, 0);
});

test('an all-day series keys its exceptions by date', () => {
  const series: CalendarEvent = {
    ...base,
    timing: { allDay: true, startDate: '2026-06-01', endDate: '2026-06-02' },
    recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'count', startDate: '2026-06-01', count: 3 }, exceptions: [] },
  };
  const master = stored(createBodyFor(series, OSLO), { id: 'm2', type: 'seriesMaster' });
  const day = (date: string, over: Partial<GraphEvent> = {}): GraphEvent => ({
    ...master, id: `m2-${date}`, type: 'occurrence', seriesMasterId: 'm2', recurrence: null,
    // Oslo midnight is 22:00Z the day before in summer.
    originalStart: new Date(Date.parse(`${date}T00:00:00Z`) - 2 * 3600_000).toISOString(),
    start: { dateTime: `${date}T00:00:00.0000000`, timeZone: 'Europe/Oslo' }, end: { dateTime: `${date}T00:00:00.0000000`.replace(date, new Date(Date.parse(date) + 86_400_000).toISOString().slice(0, 10)), timeZone: 'Europe/Oslo' },
    ...over,
  });
  const read = seriesFromGraph(master, [day('2026-06-01'), day('2026-06-03', { subject: 'Offsite' })], { from: new Date('2026-05-31T00:00:00Z'), to: new Date('2026-06-05T00:00:00Z') }, OSLO);
  assert.deepEqual(read.recurrence?.exceptions, [
    { kind: 'cancelled', originalStart: '2026-06-02' },
    { kind: 'changed', originalStart: '2026-06-03', changes: { title: 'Offsite' } },
  ]);
});

test('Graph date-times of every precision parse; wall clock survives a DST change', () => {
  assert.equal(new Date(parseGraphWall('2026-03-29T02:30:00.1234567')).toISOString(), '2026-03-29T02:30:00.123Z');
  assert.equal(new Date(parseGraphWall('2026-03-29T02:30')).toISOString(), '2026-03-29T02:30:00.000Z');
  // 09:00 in Oslo on both sides of the spring change.
  assert.equal(new Date(instantOf(Date.parse('2026-03-28T09:00:00Z'), 'Europe/Oslo')).toISOString(), '2026-03-28T08:00:00.000Z');
  assert.equal(new Date(instantOf(Date.parse('2026-03-30T09:00:00Z'), 'Europe/Oslo')).toISOString(), '2026-03-30T07:00:00.000Z');
  assert.equal(formatGraphWall(wallOf(Date.parse('2026-03-30T07:00:00Z'), 'Europe/Oslo')), '2026-03-30T09:00:00');
});
