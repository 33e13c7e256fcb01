// Whether the profile tracks an item at all: its filters (kinds of items to leave alone) and its
// date window. Pure: `now` is passed in, so a run decides every item against one instant.
import type { CalendarEvent, EventTiming, RecurrencePattern, RecurrenceRange } from './event.ts';
import type { Scope } from './plan-types.ts';
import type { EffectiveSettings } from './settings.ts';

const DAY_MS = 86_400_000;

/** The window a side lists, as ISO instants: [now - daysBack, now + daysAhead). */
export function windowOf(settings: EffectiveSettings, now: string): { from: string; to: string } {
  const w = windowMs(settings, now);
  return { from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString() };
}

/** A filter excluding the item wins over the window: a filtered item is never synced, wherever it lies. */
export function scopeOf(event: CalendarEvent, settings: EffectiveSettings, now: string): Scope {
  if (filteredOut(event, settings)) return 'filtered';
  const w = windowMs(settings, now);
  const inside = (s: Span) => s.start < w.to && s.end > w.from;
  if (inside(spanOf(event))) return 'in';
  // An occurrence moved into the window keeps the series in play even when the series lies outside.
  const moved = event.recurrence?.exceptions ?? [];
  return moved.some((x) => x.kind === 'changed' && x.changes.timing && inside(timingSpan(x.changes.timing))) ? 'in' : 'outside_window';
}

function filteredOut(event: CalendarEvent, settings: EffectiveSettings): boolean {
  const f = settings.filters;
  if (!f.allDay && event.timing.allDay) return true;
  if (!f.free && event.showAs === 'free') return true;
  if (!f.private && event.private) return true;
  if (!f.recurring && event.recurrence) return true;
  if (f.appointmentTypes === null) return false;
  // An item without a type gets the default type when it reaches SuperOffice, so that is what it is judged by.
  const type = event.category ?? settings.defaultType;
  if (type === null) return true;
  const wanted = type.toLowerCase();
  return !f.appointmentTypes.some((t) => t.toLowerCase() === wanted);
}

function windowMs(settings: EffectiveSettings, now: string): { from: number; to: number } {
  const at = Date.parse(now);
  if (Number.isNaN(at)) throw new RangeError(`scope: now is not an instant: ${now}`);
  return { from: at - settings.window.daysBack * DAY_MS, to: at + settings.window.daysAhead * DAY_MS };
}

/** Half-open [start, end) in epoch milliseconds. */
interface Span {
  start: number;
  end: number;
}

function spanOf(event: CalendarEvent): Span {
  const one = timingSpan(event.timing);
  if (!event.recurrence) return one;
  const { range, pattern } = event.recurrence;
  // Range dates are in the series' zone, up to 14 hours off UTC; a day of slack on each end keeps
  // a series that overlaps from being called outside. One that misses by less than a day may count
  // as in, which costs at most a write.
  const first = dateMs(range.startDate);
  const start = Math.min(one.start, first - DAY_MS);
  const duration = Math.max(0, one.end - one.start);
  return { start, end: seriesLastDay(range, pattern, first) + 2 * DAY_MS + duration };
}

/** Start of the day of the last occurrence (or a later day: an upper bound is enough here). */
function seriesLastDay(range: RecurrenceRange, pattern: RecurrencePattern, first: number): number {
  if (range.type === 'noEnd') return Number.POSITIVE_INFINITY;
  if (range.type === 'endDate') return dateMs(range.endDate);
  return first + countSpanDays(pattern, Math.max(1, range.count)) * DAY_MS;
}

// Days from the first to the last of `count` occurrences, rounded up; exact expansion is the
// providers' business and needs the zone rules, a bound is all the window needs.
function countSpanDays(p: RecurrencePattern, count: number): number {
  const every = Math.max(1, p.interval);
  switch (p.type) {
    case 'daily':
      return (count - 1) * every;
    case 'weekly': {
      const perWeek = Math.max(1, new Set(p.daysOfWeek).size);
      return (Math.ceil(count / perWeek) + 1) * 7 * every;
    }
    case 'monthly':
      // The 29th to 31st are missing in some months, which RRULE skips.
      return ((count - 1) * every * (p.dayOfMonth > 28 ? 2 : 1) + 1) * 31;
    case 'monthlyNth':
      return ((count - 1) * every + 1) * 31;
    case 'yearly':
      // 29 February recurs only in leap years, at worst eight years apart (2096 -> 2104).
      return ((count - 1) * every * (p.month === 2 && p.dayOfMonth === 29 ? 8 : 1) + 1) * 366;
  }
}

// All-day dates are taken as whole UTC days rather than days in the user's zone: the window is
// weeks wide, so being off by a few hours at its edges is acceptable.
function timingSpan(t: EventTiming): Span {
  if (t.allDay) return { start: dateMs(t.startDate), end: dateMs(t.endDate) };
  return { start: instantMs(t.start.instant), end: instantMs(t.end.instant) };
}

function dateMs(date: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`scope: not a date: ${date}`);
  const ms = Date.parse(date); // date-only forms parse as UTC midnight
  if (Number.isNaN(ms)) throw new RangeError(`scope: not a date: ${date}`);
  return ms;
}

function instantMs(instant: string): number {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`scope: not an instant: ${instant}`);
  return ms;
}
