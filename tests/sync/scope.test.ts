import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scopeOf, windowOf } from '../../server/sync/scope.ts';
import { resolveSettings, type EffectiveSettings } from '../../server/sync/settings.ts';
import type { CalendarEvent, Recurrence } from '../../server/sync/event.ts';

const NOW = '2026-06-15T12:00:00.000Z';
// Default window: 30 days back, 180 ahead.
const FROM = '2026-05-16T12:00:00.000Z';
const TO = '2026-12-12T12:00:00.000Z';
const DEFAULTS = resolveSettings({}, {});

function timed(start: string, end: string, over: Partial<CalendarEvent> = {}): CalendarEvent {
  return {
    title: 'Review',
    description: '',
    location: '',
    timing: { allDay: false, start: { instant: start, timeZone: 'Europe/Oslo' }, end: { instant: end, timeZone: 'Europe/Oslo' } },
    showAs: 'busy',
    private: false,
    attendees: [],
    category: 'Meeting',
    crmLinks: {},
    ...over,
  };
}
const allDay = (startDate: string, endDate: string, over: Partial<CalendarEvent> = {}): CalendarEvent => ({
  ...timed(NOW, NOW, over),
  timing: { allDay: true, startDate, endDate },
});
const settings = (profile: object): EffectiveSettings => resolveSettings(profile, {});
const inWindow = timed('2026-06-16T09:00:00Z', '2026-06-16T10:00:00Z');

test('windowOf gives now - daysBack .. now + daysAhead as instants', () => {
  assert.deepEqual(windowOf(DEFAULTS, NOW), { from: FROM, to: TO });
  assert.deepEqual(windowOf(settings({ window: { daysBack: 0, daysAhead: 1 } }), '2026-06-15T14:00:00+02:00'), {
    from: '2026-06-15T12:00:00.000Z',
    to: '2026-06-16T12:00:00.000Z',
  });
  assert.throws(() => windowOf(DEFAULTS, 'yesterday'), RangeError);
});

test('an item inside the window with default settings is in', () => {
  assert.equal(scopeOf(inWindow, DEFAULTS, NOW), 'in');
});

test('window edges: ending exactly at the window start is outside, a millisecond later is in', () => {
  assert.equal(scopeOf(timed('2026-05-16T11:00:00Z', FROM), DEFAULTS, NOW), 'outside_window');
  assert.equal(scopeOf(timed('2026-05-16T11:00:00Z', '2026-05-16T12:00:00.001Z'), DEFAULTS, NOW), 'in');
});

test('window edges: starting exactly at the window end is outside, a millisecond earlier is in', () => {
  assert.equal(scopeOf(timed(TO, '2026-12-12T13:00:00Z'), DEFAULTS, NOW), 'outside_window');
  assert.equal(scopeOf(timed('2026-12-12T11:59:59.999Z', '2026-12-12T13:00:00Z'), DEFAULTS, NOW), 'in');
});

test('an item spanning the whole window is in; offsets other than Z are read as instants', () => {
  assert.equal(scopeOf(timed('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'), DEFAULTS, NOW), 'in');
  // 14:00+02:00 is 12:00Z, the window start: the item ends there, so it is outside.
  assert.equal(scopeOf(timed('2026-05-16T13:00:00+02:00', '2026-05-16T14:00:00+02:00'), DEFAULTS, NOW), 'outside_window');
});

test('all-day items are whole UTC days with an exclusive end date', () => {
  const w = settings({ window: { daysBack: 0, daysAhead: 10 } });
  const now = '2026-06-15T00:00:00.000Z';
  assert.equal(scopeOf(allDay('2026-06-14', '2026-06-15'), w, now), 'outside_window'); // ends at 15th 00:00 = window start
  assert.equal(scopeOf(allDay('2026-06-15', '2026-06-16'), w, now), 'in');
  assert.equal(scopeOf(allDay('2026-06-24', '2026-06-25'), w, now), 'in');
  assert.equal(scopeOf(allDay('2026-06-25', '2026-06-26'), w, now), 'outside_window'); // starts at window end
  assert.equal(scopeOf(allDay('2026-06-10', '2026-06-30'), w, now), 'in');
});

const weekly = (range: Recurrence['range'], exceptions: Recurrence['exceptions'] = []): Recurrence => ({
  pattern: { type: 'weekly', interval: 1, daysOfWeek: ['mo'] },
  range,
  exceptions,
});
const firstMonday = timed('2024-01-01T08:00:00Z', '2024-01-01T09:00:00Z');

test('a series open-ended in the past overlaps the window', () => {
  assert.equal(scopeOf({ ...firstMonday, recurrence: weekly({ type: 'noEnd', startDate: '2024-01-01' }) }, DEFAULTS, NOW), 'in');
});

test('a series starting after the window is outside, even open-ended', () => {
  const later = timed('2027-03-01T08:00:00Z', '2027-03-01T09:00:00Z', { recurrence: weekly({ type: 'noEnd', startDate: '2027-03-01' }) });
  assert.equal(scopeOf(later, DEFAULTS, NOW), 'outside_window');
});

test('a series whose end date lies before the window is outside; one ending inside it is in', () => {
  assert.equal(scopeOf({ ...firstMonday, recurrence: weekly({ type: 'endDate', startDate: '2024-01-01', endDate: '2025-12-29' }) }, DEFAULTS, NOW), 'outside_window');
  assert.equal(scopeOf({ ...firstMonday, recurrence: weekly({ type: 'endDate', startDate: '2024-01-01', endDate: '2026-06-01' }) }, DEFAULTS, NOW), 'in');
});

test('a counted series reaches as far as its occurrences', () => {
  // 10 weekly Mondays from 2024-01-01 end in March 2024; 200 run into 2027.
  assert.equal(scopeOf({ ...firstMonday, recurrence: weekly({ type: 'count', startDate: '2024-01-01', count: 10 }) }, DEFAULTS, NOW), 'outside_window');
  assert.equal(scopeOf({ ...firstMonday, recurrence: weekly({ type: 'count', startDate: '2024-01-01', count: 200 }) }, DEFAULTS, NOW), 'in');
  const daily = { ...firstMonday, recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'count', startDate: '2024-01-01', count: 30 }, exceptions: [] } } as CalendarEvent;
  assert.equal(scopeOf(daily, DEFAULTS, NOW), 'outside_window');
});

test('a series outside the window is in when one occurrence was moved into it', () => {
  const moved = weekly({ type: 'endDate', startDate: '2024-01-01', endDate: '2024-03-25' }, [
    { kind: 'changed', originalStart: '2024-01-08T08:00:00Z', changes: { timing: inWindow.timing } },
  ]);
  assert.equal(scopeOf({ ...firstMonday, recurrence: moved }, DEFAULTS, NOW), 'in');
});

test('filters: all-day, free, private and recurring items can each be left out', () => {
  const series = { ...inWindow, recurrence: weekly({ type: 'noEnd', startDate: '2026-06-16' }) };
  const cases: Array<[string, CalendarEvent]> = [
    ['allDay', allDay('2026-06-16', '2026-06-17')],
    ['free', { ...inWindow, showAs: 'free' }],
    ['private', { ...inWindow, private: true }],
    ['recurring', series],
  ];
  for (const [flag, item] of cases) {
    assert.equal(scopeOf(item, DEFAULTS, NOW), 'in', `${flag} syncs by default`);
    assert.equal(scopeOf(item, settings({ filters: { [flag]: false } }), NOW), 'filtered', `${flag}: false leaves it out`);
    assert.equal(scopeOf(inWindow, settings({ filters: { [flag]: false } }), NOW), 'in', `${flag}: false leaves ordinary items alone`);
  }
  assert.equal(scopeOf({ ...inWindow, showAs: 'tentative' }, settings({ filters: { free: false } }), NOW), 'in');
});

test('filters: appointment types compare case-insensitively with the category', () => {
  const s = settings({ filters: { appointmentTypes: ['Meeting', 'Phone call'] } });
  assert.equal(scopeOf({ ...inWindow, category: 'meeting' }, s, NOW), 'in');
  assert.equal(scopeOf({ ...inWindow, category: 'PHONE CALL' }, s, NOW), 'in');
  assert.equal(scopeOf({ ...inWindow, category: 'Lunch' }, s, NOW), 'filtered');
});

test('filters: an item without a type passes only by the default type, or when all types sync', () => {
  const { category: _, ...untyped } = inWindow;
  assert.equal(scopeOf(untyped, settings({ filters: { appointmentTypes: ['Meeting'] } }), NOW), 'filtered');
  assert.equal(scopeOf(untyped, settings({ filters: { appointmentTypes: ['Meeting'] }, defaultType: 'Lunch' }), NOW), 'filtered');
  assert.equal(scopeOf(untyped, settings({ filters: { appointmentTypes: ['Meeting'] }, defaultType: 'MEETING' }), NOW), 'in');
  assert.equal(scopeOf(untyped, DEFAULTS, NOW), 'in');
  assert.equal(scopeOf({ ...inWindow, category: 'Anything' }, DEFAULTS, NOW), 'in');
});

test('filtered takes precedence over the window', () => {
  const old = timed('2020-01-01T08:00:00Z', '2020-01-01T09:00:00Z', { private: true });
  assert.equal(scopeOf(old, DEFAULTS, NOW), 'outside_window');
  assert.equal(scopeOf(old, settings({ filters: { private: false } }), NOW), 'filtered');
});

test('a malformed instant is an error, not a guess', () => {
  assert.throws(() => scopeOf(timed('soon', '2026-06-16T10:00:00Z'), DEFAULTS, NOW), RangeError);
  assert.throws(() => scopeOf(allDay('2026-6-16', '2026-06-17'), DEFAULTS, NOW), RangeError);
});
