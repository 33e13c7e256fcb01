import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hashFieldsFor, toCalendar, toSuperOffice } from '../../server/sync/transform.ts';
import { resolveSettings, type EffectiveSettings } from '../../server/sync/settings.ts';
import { SYNCED_FIELDS, type SyncedField } from '../../server/sync/hash.ts';
import type { Attendee, CalendarEvent, Person } from '../../server/sync/event.ts';
import type { Direction } from '../../server/sync/plan-types.ts';

const MAILBOX = 'ada@example.com';
const settings = (profile: object = {}): EffectiveSettings => resolveSettings(profile, {});
const DEFAULTS = settings();

const so: CalendarEvent = {
  title: 'Review',
  description: 'Quarterly review',
  location: 'Oslo',
  timing: { allDay: false, start: { instant: '2026-03-29T07:00:00.000Z', timeZone: 'Europe/Oslo' }, end: { instant: '2026-03-29T08:00:00.000Z', timeZone: 'Europe/Oslo' } },
  showAs: 'busy',
  private: false,
  reminderMinutes: 15,
  organizer: { email: 'Ada@Example.com', name: 'Ada' },
  attendees: [
    { email: 'bob@example.com', name: 'Bob', response: 'accepted' },
    { email: 'cy@example.com', response: 'none' },
  ],
  category: 'Meeting',
  crmLinks: { companyId: 12, personId: 7 },
  stableKey: 'k1',
};
const BLOCK = '-- Participants (synced from SuperOffice) --\nBob <bob@example.com>\n<cy@example.com>';

const cal: CalendarEvent = {
  title: 'Old title',
  description: 'calendar text',
  location: 'Bergen',
  timing: { allDay: true, startDate: '2026-03-30', endDate: '2026-03-31' },
  showAs: 'tentative',
  private: true,
  reminderMinutes: 5,
  organizer: { email: 'eve@example.com' },
  attendees: [{ email: 'dan@example.com', response: 'tentative' }],
  category: 'Other',
  crmLinks: {},
  stableKey: 'k-cal',
};

// ---- hashFieldsFor ----

test('hashFieldsFor with defaults: every field but the organiser from SuperOffice, every field but crmLinks from the calendar', () => {
  assert.deepEqual(
    hashFieldsFor('superoffice', DEFAULTS),
    SYNCED_FIELDS.filter((f) => f !== 'organizer'),
  );
  assert.deepEqual(
    hashFieldsFor('calendar', DEFAULTS),
    SYNCED_FIELDS.filter((f) => f !== 'crmLinks'),
  );
});

test('hashFieldsFor follows field directions', () => {
  const s = settings({ fieldDirections: { location: 'off', description: 'to_calendar', showAs: 'to_superoffice' } });
  const fromSo = hashFieldsFor('superoffice', s);
  const fromCal = hashFieldsFor('calendar', s);
  assert.ok(!fromSo.includes('location') && !fromCal.includes('location'));
  assert.ok(fromSo.includes('description') && !fromCal.includes('description'));
  assert.ok(!fromSo.includes('showAs') && fromCal.includes('showAs'));
});

test('hashFieldsFor drops reminders by their flags', () => {
  assert.ok(!hashFieldsFor('superoffice', settings({ reminders: { toCalendar: false } })).includes('reminderMinutes'));
  assert.ok(hashFieldsFor('calendar', settings({ reminders: { toCalendar: false } })).includes('reminderMinutes'));
  assert.ok(!hashFieldsFor('calendar', settings({ reminders: { toSuperOffice: false } })).includes('reminderMinutes'));
});

test('hashFieldsFor: SuperOffice attendees count only when they reach the calendar (text block or organiser copy)', () => {
  assert.ok(!hashFieldsFor('superoffice', settings({ participantsInDescription: false })).includes('attendees'));
  assert.ok(!hashFieldsFor('superoffice', settings({ fieldDirections: { description: 'off' } })).includes('attendees'));
  const copy = hashFieldsFor('superoffice', settings({ participantsInDescription: false, invitationPolicy: 'organizer_copy' }));
  assert.ok(copy.includes('attendees') && copy.includes('organizer'));
  assert.ok(!hashFieldsFor('superoffice', settings({ fieldDirections: { attendees: 'to_superoffice' } })).includes('attendees'));
});

test('hashFieldsFor: template placeholders keep their SuperOffice sources in the hash', () => {
  const off = { fieldDirections: { category: 'off', crmLinks: 'off' } };
  assert.ok(!hashFieldsFor('superoffice', settings(off)).includes('category'));
  assert.ok(hashFieldsFor('superoffice', settings({ ...off, subjectTemplate: '{type}: {title}' })).includes('category'));
  assert.ok(!hashFieldsFor('superoffice', settings(off)).includes('crmLinks'));
  assert.ok(hashFieldsFor('superoffice', settings({ ...off, subjectTemplate: '{title} ({person})' })).includes('crmLinks'));
});

// ---- toCalendar ----

test('toCalendar with defaults: content travels, attendees and organiser do not, participants go into the text', () => {
  const out = toCalendar(so, null, DEFAULTS, { mailbox: MAILBOX });
  const { organizer: _, ...rest } = so;
  assert.deepEqual(out, { ...rest, description: `Quarterly review\n\n${BLOCK}`, attendees: [] });
});

test('toCalendar omits optional fields without a value and shares nothing with its inputs', () => {
  const out = toCalendar(so, null, DEFAULTS, { mailbox: MAILBOX });
  assert.ok(!('organizer' in out) && !('recurrence' in out));
  out.crmLinks.companyId = 99;
  (out.timing as { allDay: false; start: { instant: string } }).start.instant = 'x';
  assert.equal(so.crmLinks.companyId, 12);
  assert.equal(so.timing.allDay === false && so.timing.start.instant, '2026-03-29T07:00:00.000Z');
});

test('toCalendar: a field that may not travel keeps the calendar value, or a neutral one when creating', () => {
  const s = settings({ fieldDirections: Object.fromEntries(SYNCED_FIELDS.map((f) => [f, 'to_superoffice'])) });
  const kept = toCalendar(so, cal, s, { mailbox: MAILBOX });
  assert.deepEqual(kept, cal);
  const created = toCalendar(so, null, s, { mailbox: MAILBOX });
  assert.deepEqual(created, { title: '', description: '', location: '', timing: so.timing, showAs: 'busy', private: false, attendees: [], crmLinks: {}, stableKey: 'k1' });
});

test('toCalendar applies the subject template', () => {
  const s = settings({ subjectTemplate: '{type}: {title} ({company}, {person})' });
  assert.equal(toCalendar(so, null, s, { mailbox: MAILBOX, names: { company: 'Acme', person: 'Bob' } }).title, 'Meeting: Review (Acme, Bob)');
  const { category: _, ...untyped } = so;
  assert.equal(toCalendar(untyped, null, s, { mailbox: MAILBOX }).title, ': Review (, )');
  // Placeholders inside values are not expanded again.
  assert.equal(toCalendar({ ...so, title: '{type}' }, null, s, { mailbox: MAILBOX, names: { company: '{title}' } }).title, 'Meeting: {type} ({title}, )');
});

test('toCalendar: no participant block when it is switched off, there are none, or attendees may not leave SuperOffice', () => {
  assert.equal(toCalendar(so, null, settings({ participantsInDescription: false }), { mailbox: MAILBOX }).description, 'Quarterly review');
  assert.equal(toCalendar({ ...so, attendees: [] }, null, DEFAULTS, { mailbox: MAILBOX }).description, 'Quarterly review');
  assert.equal(toCalendar(so, null, settings({ fieldDirections: { attendees: 'off' } }), { mailbox: MAILBOX }).description, 'Quarterly review');
  assert.equal(toCalendar({ ...so, description: '' }, null, DEFAULTS, { mailbox: MAILBOX }).description, BLOCK);
});

test('toCalendar: participant lines stay one line each', () => {
  const out = toCalendar({ ...so, attendees: [{ email: 'x@example.com', name: 'Two\nLines', response: 'none' }] }, null, DEFAULTS, { mailbox: MAILBOX });
  assert.equal(out.description, 'Quarterly review\n\n-- Participants (synced from SuperOffice) --\nTwo Lines <x@example.com>');
});

test("toCalendar under 'never' keeps the calendar's attendees and organiser", () => {
  const out = toCalendar(so, cal, DEFAULTS, { mailbox: MAILBOX });
  assert.deepEqual(out.attendees, cal.attendees);
  assert.deepEqual(out.organizer, cal.organizer);
});

test("toCalendar under 'organizer_copy' writes attendees only to the organiser's own calendar", () => {
  const s = settings({ invitationPolicy: 'organizer_copy' });
  const own = toCalendar(so, cal, s, { mailbox: 'ADA@example.COM' });
  assert.deepEqual(own.attendees, so.attendees);
  assert.deepEqual(own.organizer, so.organizer);
  const other = toCalendar(so, cal, s, { mailbox: 'bob@example.com' });
  assert.deepEqual(other.attendees, cal.attendees);
  assert.deepEqual(other.organizer, cal.organizer);
  const noOrganizer = toCalendar({ ...so, organizer: undefined }, null, s, { mailbox: MAILBOX });
  assert.deepEqual(noOrganizer.attendees, []);
});

test('toCalendar: the reminder travels only when its flag is on', () => {
  assert.equal(toCalendar(so, cal, DEFAULTS, { mailbox: MAILBOX }).reminderMinutes, 15);
  assert.equal(toCalendar(so, cal, settings({ reminders: { toCalendar: false } }), { mailbox: MAILBOX }).reminderMinutes, 5);
  assert.equal(toCalendar(so, null, settings({ reminders: { toCalendar: false } }), { mailbox: MAILBOX }).reminderMinutes, undefined);
  const { reminderMinutes: _, ...noReminder } = so;
  assert.ok(!('reminderMinutes' in toCalendar(noReminder, cal, DEFAULTS, { mailbox: MAILBOX })));
});

test('toCalendar copies crmLinks and keeps an existing stable key', () => {
  const out = toCalendar(so, cal, DEFAULTS, { mailbox: MAILBOX });
  assert.deepEqual(out.crmLinks, so.crmLinks);
  assert.equal(out.stableKey, 'k-cal');
  const { stableKey: _, ...unkeyed } = cal;
  assert.equal(toCalendar(so, unkeyed, DEFAULTS, { mailbox: MAILBOX }).stableKey, 'k1');
});

test('toCalendar keeps recurrence exceptions as the source has them', () => {
  const recurrence: CalendarEvent['recurrence'] = {
    pattern: { type: 'daily', interval: 1 },
    range: { type: 'count', startDate: '2026-03-29', count: 5 },
    exceptions: [{ kind: 'changed', originalStart: '2026-03-30T07:00:00Z', changes: { title: 'Moved', location: 'Moss' } }],
  };
  assert.deepEqual(toCalendar({ ...so, recurrence }, null, settings({ subjectTemplate: '[{title}]' }), { mailbox: MAILBOX }).recurrence, recurrence);
});

// ---- toSuperOffice ----

test('toSuperOffice recovers the title from a templated subject, and takes an edited one as it is', () => {
  const s = settings({ subjectTemplate: '{type}: {title} - {company}' });
  const names = { company: 'Acme - Oslo' };
  const sent = toCalendar({ ...so, title: 'Plan: Q3 - draft' }, null, s, { mailbox: MAILBOX, names });
  assert.equal(sent.title, 'Meeting: Plan: Q3 - draft - Acme - Oslo');
  assert.equal(toSuperOffice(sent, so, s, { names }).title, 'Plan: Q3 - draft');
  assert.equal(toSuperOffice({ ...sent, title: 'Meeting: Plan Q4 - Acme - Oslo' }, so, s, { names }).title, 'Plan Q4');
  assert.equal(toSuperOffice({ ...sent, title: 'Lunch with Acme' }, so, s, { names }).title, 'Lunch with Acme');
});

test('toSuperOffice recognises a subject rendered with the old type after the calendar changed the category', () => {
  const s = settings({ subjectTemplate: '{type}: {title}' });
  assert.equal(toSuperOffice({ ...cal, title: 'Meeting: Review', category: 'Call' }, so, s).title, 'Review');
  assert.equal(toSuperOffice({ ...cal, title: 'Call: Review', category: 'Call' }, so, s).title, 'Review');
});

test('toSuperOffice leaves a title that travels only from the calendar untouched by the template', () => {
  const s = settings({ subjectTemplate: '{type}: {title}', fieldDirections: { title: 'to_superoffice' } });
  assert.equal(toSuperOffice({ ...cal, title: 'Meeting: Review' }, so, s).title, 'Meeting: Review');
});

test('toSuperOffice removes the participant block and keeps the SuperOffice text exactly', () => {
  for (const text of ['', 'one line', 'trailing\n', 'two\n\n', '\n', 'a\n\n-- Participants (synced from SuperOffice) -- in prose']) {
    const sent = toCalendar({ ...so, description: text }, null, DEFAULTS, { mailbox: MAILBOX });
    assert.notEqual(sent.description, text);
    assert.equal(toSuperOffice(sent, so, DEFAULTS).description, text, JSON.stringify(text));
  }
  // Text the user added above the block survives; a block left from an earlier setting is removed too.
  assert.equal(toSuperOffice({ ...cal, description: `Agenda: budget\n\n${BLOCK}` }, so, settings({ participantsInDescription: false })).description, 'Agenda: budget');
  assert.equal(toSuperOffice({ ...cal, description: 'no block here' }, so, DEFAULTS).description, 'no block here');
});

test('toSuperOffice: a field that may not travel keeps the SuperOffice value, or a neutral one when creating', () => {
  const s = settings({ fieldDirections: Object.fromEntries(SYNCED_FIELDS.map((f) => [f, 'to_calendar'])) });
  assert.deepEqual(toSuperOffice(cal, so, s), so);
  assert.deepEqual(toSuperOffice(cal, null, s), { title: '', description: '', location: '', timing: cal.timing, showAs: 'busy', private: false, attendees: [], crmLinks: {}, stableKey: 'k-cal' });
});

test('toSuperOffice gives the default type only when neither side has one', () => {
  const s = settings({ defaultType: 'Meeting' });
  const { category: _, ...untyped } = cal;
  assert.equal(toSuperOffice(untyped, null, s).category, 'Meeting');
  assert.equal(toSuperOffice(untyped, { ...so, category: 'Call' }, s).category, 'Call');
  assert.equal(toSuperOffice(cal, so, s).category, 'Other');
  assert.ok(!('category' in toSuperOffice(untyped, null, DEFAULTS)));
  assert.equal(toSuperOffice(cal, null, settings({ defaultType: 'Meeting', fieldDirections: { category: 'off' } })).category, 'Meeting');
});

test('toSuperOffice keeps SuperOffice crmLinks (none when creating) and its stable key', () => {
  const out = toSuperOffice({ ...cal, crmLinks: { companyId: 1 } }, so, DEFAULTS);
  assert.deepEqual(out.crmLinks, so.crmLinks);
  assert.equal(out.stableKey, 'k1');
  assert.deepEqual(toSuperOffice({ ...cal, crmLinks: { companyId: 1 } }, null, DEFAULTS).crmLinks, {});
});

test('toSuperOffice: calendar attendees become participants; an empty calendar list does not erase them', () => {
  assert.deepEqual(toSuperOffice(cal, null, DEFAULTS).attendees, cal.attendees);
  assert.deepEqual(toSuperOffice(cal, so, DEFAULTS).attendees, cal.attendees);
  assert.deepEqual(toSuperOffice({ ...cal, attendees: [] }, so, DEFAULTS).attendees, so.attendees);
  assert.deepEqual(toSuperOffice({ ...cal, attendees: [] }, null, DEFAULTS).attendees, []);
  // The organiser's own copy is authoritative: emptied there, emptied in SuperOffice.
  const copy = settings({ invitationPolicy: 'organizer_copy' });
  assert.deepEqual(toSuperOffice({ ...cal, organizer: { email: 'ada@example.com' }, attendees: [] }, so, copy).attendees, []);
  assert.deepEqual(toSuperOffice({ ...cal, attendees: [] }, so, copy).attendees, so.attendees);
});

test('toSuperOffice: the calendar reminder travels only when its flag is on', () => {
  const { reminderMinutes: _, ...noReminder } = cal;
  assert.ok(!('reminderMinutes' in toSuperOffice(noReminder, so, DEFAULTS)));
  assert.equal(toSuperOffice(noReminder, so, settings({ reminders: { toSuperOffice: false } })).reminderMinutes, 15);
  assert.equal(toSuperOffice(cal, so, DEFAULTS).reminderMinutes, 5);
});

test('a subject parsed back renders to the same subject, so a calendar-made item does not drift', () => {
  const s = settings({ subjectTemplate: '{type}: {title}' });
  const fromCalendar = { ...cal, title: 'Other: Lunch' };
  const inSo = toSuperOffice(fromCalendar, null, s);
  assert.equal(inSo.title, 'Lunch');
  assert.equal(toCalendar(inSo, fromCalendar, s, { mailbox: MAILBOX }).title, 'Other: Lunch');
});

// ---- properties ----

const fragment = fc.constantFrom('a', 'B', ' ', '\n', '\r\n', '-', ' - ', ':', '{title}', '{type}', '{', '}', '(', ')', '$1', '$&', '\\', '.*', '[x]', 'Meeting', 'Acme', '<x>', 'é', '');
const text = fc.oneof(fc.array(fragment, { maxLength: 8 }).map((a) => a.join('')), fc.string({ maxLength: 12 }));
const email = fc.constantFrom('ada@example.com', 'ADA@example.com', 'bob@example.com', 'cy@example.org');
const person: fc.Arbitrary<Person> = fc.record({ email, name: text }, { requiredKeys: ['email'] });
const attendee: fc.Arbitrary<Attendee> = fc.record(
  { email, name: text, response: fc.constantFrom('none', 'accepted', 'declined', 'tentative') },
  { requiredKeys: ['email', 'response'] },
);
const instant = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const day = instant.map((i) => i.slice(0, 10));
const timing: fc.Arbitrary<CalendarEvent['timing']> = fc.oneof(
  fc.record({ allDay: fc.constant(false as const), start: fc.record({ instant, timeZone: fc.constantFrom('Europe/Oslo', 'UTC') }), end: fc.record({ instant, timeZone: fc.constantFrom('Europe/Oslo', 'UTC') }) }),
  fc.record({ allDay: fc.constant(true as const), startDate: day, endDate: day }),
);
const recurrence: fc.Arbitrary<NonNullable<CalendarEvent['recurrence']>> = fc.record({
  pattern: fc.oneof(
    fc.record({ type: fc.constant('daily' as const), interval: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ type: fc.constant('weekly' as const), interval: fc.integer({ min: 1, max: 3 }), daysOfWeek: fc.subarray(['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su'] as const).map((d) => [...d]) }),
  ),
  range: fc.oneof(fc.record({ type: fc.constant('noEnd' as const), startDate: day }), fc.record({ type: fc.constant('count' as const), startDate: day, count: fc.integer({ min: 1, max: 50 }) })),
  exceptions: fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('cancelled' as const), originalStart: instant }),
      fc.record({ kind: fc.constant('changed' as const), originalStart: instant, changes: fc.record({ title: text, location: text }, { requiredKeys: [] }) }),
    ),
    { maxLength: 3 },
  ),
});
const eventFields = {
  title: text,
  description: text,
  location: text,
  timing,
  showAs: fc.constantFrom('busy', 'free', 'tentative', 'oof'),
  private: fc.boolean(),
  reminderMinutes: fc.integer({ min: 0, max: 10080 }),
  organizer: person,
  attendees: fc.array(attendee, { maxLength: 4 }),
  recurrence,
  crmLinks: fc.record({ companyId: fc.nat(), personId: fc.nat(), projectId: fc.nat(), saleId: fc.nat() }, { requiredKeys: [] }),
  stableKey: fc.constantFrom('k1', 'k2'),
};
const optional = ['reminderMinutes', 'organizer', 'recurrence', 'stableKey'] as const;
const required = ['title', 'description', 'location', 'timing', 'showAs', 'private', 'attendees', 'crmLinks'] as const;
// fast-check builds records without a prototype; sides hand over plain (JSON-like) objects.
const plain = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T> => a.map((v) => structuredClone(v));
// Every SuperOffice appointment has a type, so SuperOffice items always carry a category.
const soItem = plain(fc.record({ ...eventFields, category: text }, { requiredKeys: [...required, 'category'] }) as fc.Arbitrary<CalendarEvent>);
const calItem = plain(fc.record({ ...eventFields, category: text }, { requiredKeys: [...required] }) as fc.Arbitrary<CalendarEvent>);

const direction = fc.constantFrom<Direction>('two_way', 'to_calendar', 'to_superoffice', 'off');
const anySettings = fc
  .record({
    fieldDirections: fc.record(Object.fromEntries(SYNCED_FIELDS.map((f) => [f, direction])) as Record<SyncedField, fc.Arbitrary<Direction>>, { requiredKeys: [] }),
    subjectTemplate: fc.constantFrom('{title}', '{type}: {title}', '{title} - {company}', '{company} - {title}', '{person}/{type}/{title}', '{title} | {title}', '{title}{title}', '{ {title} }', '[{type}] {title} ({company}, {person})'),
    participantsInDescription: fc.boolean(),
    invitationPolicy: fc.constantFrom('never', 'organizer_copy'),
    reminders: fc.record({ toCalendar: fc.boolean(), toSuperOffice: fc.boolean() }),
    defaultType: fc.option(fc.constantFrom('Meeting', 'Call'), { nil: null }),
  })
  .map((profile) => resolveSettings(profile, {}));
const names = plain(fc.record({ company: text, person: text }, { requiredKeys: [] }));

/** The fields whose SuperOffice value is carried into the calendar item and read back from it. */
function roundTripFields(s: EffectiveSettings, item: CalendarEvent, mailbox: string): SyncedField[] {
  const invites = s.invitationPolicy === 'organizer_copy' && item.organizer?.email.toLowerCase() === mailbox.toLowerCase();
  return SYNCED_FIELDS.filter((f) => {
    if ((s.fieldDirections[f] ?? 'two_way') !== 'two_way') return false;
    if (f === 'crmLinks') return false; // never read back from the calendar
    if (f === 'reminderMinutes') return s.reminders.toCalendar && s.reminders.toSuperOffice;
    if (f === 'attendees' || f === 'organizer') return invites;
    return true;
  });
}

test('property: SuperOffice -> calendar -> SuperOffice leaves every round-tripping field as it was', () => {
  fc.assert(
    fc.property(soItem, anySettings, email, names, (item, s, mailbox, n) => {
      const sent = toCalendar(item, null, s, { mailbox, names: n });
      const back = toSuperOffice(sent, item, s, { names: n });
      for (const f of roundTripFields(s, item, mailbox)) assert.deepEqual(back[f], item[f], `field ${f}`);
      // Fields that may not come back from the calendar keep SuperOffice's value.
      for (const f of SYNCED_FIELDS.filter((f) => !['two_way', 'to_superoffice'].includes(s.fieldDirections[f] ?? 'two_way'))) {
        assert.deepEqual(back[f], item[f], `kept field ${f}`);
      }
      assert.equal(back.stableKey, item.stableKey);
    }),
    { numRuns: 500 },
  );
});

test("property: under 'never' toCalendar never changes the calendar's attendees or organiser", () => {
  const never = anySettings.map((s) => ({ ...s, invitationPolicy: 'never' as const }));
  fc.assert(
    fc.property(soItem, fc.option(calItem, { nil: null }), never, email, names, (item, current, s, mailbox, n) => {
      const out = toCalendar(item, current, s, { mailbox, names: n });
      assert.deepEqual(out.attendees, current?.attendees ?? []);
      assert.deepEqual(out.organizer, current?.organizer);
      assert.equal('organizer' in out, current?.organizer !== undefined);
    }),
    { numRuns: 500 },
  );
});

test('the optional-field list in the generators covers the model', () => {
  // Keeps the generators honest when CalendarEvent grows a field.
  assert.deepEqual([...required, ...optional, 'category'].sort(), [...SYNCED_FIELDS, 'stableKey'].sort());
});
