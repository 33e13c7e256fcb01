import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentHash, SYNCED_FIELDS } from '../../server/sync/hash.ts';
import type { CalendarEvent } from '../../server/sync/event.ts';

const base: CalendarEvent = {
  title: 'Review',
  description: 'Quarterly review\nwith notes',
  location: 'Oslo',
  timing: { allDay: false, start: { instant: '2026-03-29T07:00:00.000Z', timeZone: 'Europe/Oslo' }, end: { instant: '2026-03-29T08:00:00.000Z', timeZone: 'Europe/Oslo' } },
  showAs: 'busy',
  private: false,
  reminderMinutes: 15,
  organizer: { email: 'ada@example.com', name: 'Ada' },
  attendees: [
    { email: 'bob@example.com', name: 'Bob', response: 'accepted' },
    { email: 'cy@example.com', response: 'none' },
  ],
  recurrence: {
    pattern: { type: 'weekly', interval: 1, daysOfWeek: ['mo', 'we'] },
    range: { type: 'count', startDate: '2026-03-02', count: 10 },
    exceptions: [
      { kind: 'cancelled', originalStart: '2026-03-09T07:00:00Z' },
      { kind: 'changed', originalStart: '2026-03-04T07:00:00Z', changes: { location: 'Bergen' } },
    ],
  },
  category: 'Meeting',
  crmLinks: { companyId: 12, personId: 7 },
  stableKey: 'tenant1:link1:item1',
};

const h = (e: CalendarEvent) => contentHash(e);

test('contentHash is a sha256 hex digest and deterministic', () => {
  assert.match(h(base), /^[0-9a-f]{64}$/);
  assert.equal(h(base), h(structuredClone(base)));
});

test('equivalent forms hash alike', () => {
  const same: CalendarEvent = {
    // Keys in another order, padded strings, CRLF, an offset instead of Z, reordered lists, upper-case e-mail.
    stableKey: 'another:key',
    crmLinks: { personId: 7, companyId: 12 },
    category: ' Meeting ',
    recurrence: {
      exceptions: [
        { kind: 'changed', originalStart: '2026-03-04T08:00:00+01:00', changes: { location: 'Bergen ' } },
        { kind: 'cancelled', originalStart: '2026-03-09T07:00:00.000Z' },
      ],
      range: { type: 'count', startDate: '2026-03-02', count: 10 },
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['we', 'mo'] },
    },
    attendees: [
      { email: 'CY@example.com ', response: 'none' },
      { email: 'bob@example.com', name: 'Bob', response: 'accepted' },
    ],
    organizer: { name: 'Ada', email: 'Ada@Example.com' },
    reminderMinutes: 15,
    private: false,
    showAs: 'busy',
    timing: { allDay: false, start: { instant: '2026-03-29T09:00:00+02:00', timeZone: 'Europe/Oslo' }, end: { instant: '2026-03-29T08:00:00Z', timeZone: 'Europe/Oslo' } },
    location: '  Oslo',
    description: 'Quarterly review\r\nwith notes\n',
    title: 'Review ',
  };
  assert.equal(h(same), h(base));
});

test('every synced field changes the hash', () => {
  const edits: Array<[string, Partial<CalendarEvent>]> = [
    ['title', { title: 'Review 2' }],
    ['description', { description: 'other' }],
    ['location', { location: 'Bergen' }],
    ['start', { timing: { allDay: false, start: { instant: '2026-03-29T07:30:00Z', timeZone: 'Europe/Oslo' }, end: { instant: '2026-03-29T08:00:00Z', timeZone: 'Europe/Oslo' } } }],
    ['zone', { timing: { allDay: false, start: { instant: '2026-03-29T07:00:00Z', timeZone: 'Europe/London' }, end: { instant: '2026-03-29T08:00:00Z', timeZone: 'Europe/Oslo' } } }],
    ['all-day', { timing: { allDay: true, startDate: '2026-03-29', endDate: '2026-03-30' } }],
    ['showAs', { showAs: 'tentative' }],
    ['private', { private: true }],
    ['reminder', { reminderMinutes: 0 }],
    ['no reminder', { reminderMinutes: undefined }],
    ['organizer', { organizer: { email: 'bob@example.com' } }],
    ['attendee response', { attendees: [{ email: 'bob@example.com', name: 'Bob', response: 'declined' }, { email: 'cy@example.com', response: 'none' }] }],
    ['attendee removed', { attendees: [{ email: 'bob@example.com', name: 'Bob', response: 'accepted' }] }],
    ['recurrence', { recurrence: undefined }],
    ['category', { category: 'Call' }],
    ['crm link', { crmLinks: { companyId: 12, personId: 8 } }],
  ];
  const seen = new Set([h(base)]);
  for (const [name, edit] of edits) {
    const got = h({ ...base, ...edit });
    assert.ok(!seen.has(got), `${name} did not change the hash`);
    seen.add(got);
  }
});

test('a cancelled occurrence changes the hash', () => {
  const r = base.recurrence;
  assert.ok(r);
  const fewer = { ...base, recurrence: { ...r, exceptions: r.exceptions.slice(1) } };
  assert.notEqual(h(fewer), h(base));
});

test('only the given fields count, and the stable key never does', () => {
  const fields = SYNCED_FIELDS.filter((f) => f !== 'description');
  assert.equal(contentHash({ ...base, description: 'internal note' }, fields), contentHash(base, fields));
  assert.notEqual(contentHash({ ...base, title: 'x' }, fields), contentHash(base, fields));
  assert.equal(h({ ...base, stableKey: 'other' }), h(base));
  assert.notEqual(contentHash(base, ['title']), contentHash(base, ['location']));
});
