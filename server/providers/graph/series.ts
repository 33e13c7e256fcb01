// A Graph series as one CalendarEvent: the master holds the rule and the series' content, its
// instances (GET .../instances over a span) hold the occurrences. Graph v1.0 names no cancelled
// occurrences, so a date of the rule inside the span with no instance is one; an instance that
// differs from the series (content, or time against its slot) is a changed occurrence. Pure.
import type { CalendarEvent, EventTiming, RecurrenceException } from '../../sync/event.ts';
import { contentHash, type SyncedField } from '../../sync/hash.ts';
import { occurrenceDates } from './recurrence.ts';
import { DAY_MS, addDays, dateIn, daysBetween, instantOf, nearestDate, timeOfDay, wallOf, wallOfDate } from '../wall-clock.ts';

/** Fields an occurrence may change (an exception's `changes`); timing is compared with the slot. */
const CHANGE_FIELDS = ['title', 'description', 'location', 'showAs', 'private', 'reminderMinutes', 'organizer', 'attendees', 'category'] as const;

export interface Slot {
  /** The exception key: the original start instant (timed, ISO) or date (all-day). */
  originalStart: string;
  timing: EventTiming;
  /** Start instant (ms). */
  at: number;
}

/** The key two originalStart values share when they name the same occurrence. */
export function occurrenceKey(originalStart: string, allDay: boolean, zone: string): string {
  if (!originalStart.includes('T')) return originalStart;
  const ms = Date.parse(originalStart);
  if (Number.isNaN(ms)) return originalStart;
  return allDay ? nearestDate(ms, zone) : new Date(ms).toISOString();
}

/** The occurrences the series' rule puts between `from` and `to` (a day of margin either side), laid out in `zone`. */
export function slotsOf(series: CalendarEvent, zone: string, from: Date, to: Date): Slot[] {
  const rec = series.recurrence;
  if (!rec) return [];
  const dates = occurrenceDates(rec.pattern, rec.range, addDays(dateIn(from.getTime(), zone), -1), addDays(dateIn(to.getTime(), zone), 1));
  const t = series.timing;
  if (t.allDay) {
    const days = Math.max(1, daysBetween(t.startDate, t.endDate));
    return dates.map((date) => ({
      originalStart: date,
      at: instantOf(wallOfDate(date), zone),
      timing: { allDay: true, startDate: date, endDate: addDays(date, days) },
    }));
  }
  const start = Date.parse(t.start.instant);
  const end = Date.parse(t.end.instant);
  const clock = timeOfDay(start, zone);
  const length = wallOf(end, zone) - wallOf(start, zone);
  return dates.map((date) => {
    const wall = wallOfDate(date) + clock;
    const at = instantOf(wall, zone);
    const iso = new Date(at).toISOString();
    return {
      originalStart: iso,
      at,
      timing: {
        allDay: false,
        start: { instant: iso, timeZone: t.start.timeZone },
        end: { instant: new Date(instantOf(wall + length, zone)).toISOString(), timeZone: t.end.timeZone },
      },
    };
  });
}

function same(a: CalendarEvent, b: CalendarEvent, fields: readonly SyncedField[]): boolean {
  return contentHash(a, fields) === contentHash(b, fields);
}

/** What one occurrence of `series` should hold: the series, the slot's time, the exception's changes. */
export function occurrenceEvent(series: CalendarEvent, timing: EventTiming, exception: RecurrenceException | undefined): CalendarEvent {
  const { recurrence: _r, stableKey: _k, ...rest } = series;
  const out: CalendarEvent = { ...rest, timing };
  if (exception?.kind === 'changed') Object.assign(out, exception.changes);
  return out;
}

/** The changes an occurrence holds against the series and its slot; undefined when it holds none. */
function changesOf(series: CalendarEvent, occurrence: CalendarEvent, slotTiming: EventTiming): RecurrenceException | undefined {
  const changes: Partial<CalendarEvent> = {};
  for (const f of CHANGE_FIELDS) if (!same(occurrence, series, [f])) Object.assign(changes, { [f]: occurrence[f] });
  if (!same({ ...occurrence, timing: slotTiming }, occurrence, ['timing'])) changes.timing = occurrence.timing;
  return Object.keys(changes).length > 0 ? { kind: 'changed', originalStart: '', changes } : undefined;
}

export interface Occurrence {
  originalStart: string;
  event: CalendarEvent;
}

/**
 * The exceptions of a series from its occurrences read over [from, to): changed ones for
 * occurrences that differ, cancelled ones for slots starting in the span that have no occurrence.
 */
export function exceptionsOf(series: CalendarEvent, occurrences: readonly Occurrence[], zone: string, from: Date, to: Date): RecurrenceException[] {
  const allDay = series.timing.allDay;
  const slots = slotsOf(series, zone, from, to);
  const bySlot = new Map(slots.map((s) => [s.originalStart, s]));
  const seen = new Set<string>();
  const out: RecurrenceException[] = [];
  for (const o of occurrences) {
    const key = occurrenceKey(o.originalStart, allDay, zone);
    if (seen.has(key)) continue;
    seen.add(key);
    const slot = bySlot.get(key);
    // An occurrence off every slot (a rule read differently) is still compared with where it began.
    const timing = slot?.timing ?? slotTimingAt(series, key, zone);
    const changed = changesOf(series, o.event, timing);
    if (changed) out.push({ ...changed, originalStart: key });
  }
  for (const s of slots) {
    if (!seen.has(s.originalStart) && s.at >= from.getTime() && s.at < to.getTime()) out.push({ kind: 'cancelled', originalStart: s.originalStart });
  }
  return out.sort((a, b) => (a.originalStart < b.originalStart ? -1 : a.originalStart > b.originalStart ? 1 : 0));
}

/** The series' own timing moved to start at `key` (an instant or a date). */
function slotTimingAt(series: CalendarEvent, key: string, zone: string): EventTiming {
  const t = series.timing;
  if (t.allDay) {
    const date = key.includes('T') ? nearestDate(Date.parse(key), zone) : key;
    return { allDay: true, startDate: date, endDate: addDays(date, Math.max(1, daysBetween(t.startDate, t.endDate))) };
  }
  const at = key.includes('T') ? Date.parse(key) : instantOf(wallOfDate(key), zone);
  const length = Date.parse(t.end.instant) - Date.parse(t.start.instant);
  return { allDay: false, start: { ...t.start, instant: new Date(at).toISOString() }, end: { ...t.end, instant: new Date(at + length).toISOString() } };
}

/** How far an exception's occurrence may lie from the span we read instances over. */
export function spanWith(exceptions: readonly RecurrenceException[], from: Date, to: Date): { from: Date; to: Date } {
  let lo = from.getTime();
  let hi = to.getTime();
  for (const x of exceptions) {
    const at = Date.parse(x.originalStart.includes('T') ? x.originalStart : `${x.originalStart}T00:00:00Z`);
    if (Number.isNaN(at)) continue;
    lo = Math.min(lo, at - DAY_MS);
    hi = Math.max(hi, at + 2 * DAY_MS);
  }
  return { from: new Date(lo), to: new Date(hi) };
}

/**
 * The span a series' instances are read over: from its first occurrence to its last, or to the end
 * of the window when it has no end. Exceptions anywhere in the series are read, so the series reads
 * the same whatever the window, and its version does not change as the window moves.
 */
export function seriesSpan(series: CalendarEvent, zone: string, windowTo: Date): { from: Date; to: Date } {
  const rec = series.recurrence;
  const start = series.timing.allDay ? instantOf(wallOfDate(series.timing.startDate), zone) : Date.parse(series.timing.start.instant);
  const first = rec ? Math.min(start, instantOf(wallOfDate(rec.range.startDate), zone)) : start;
  let last = windowTo.getTime();
  if (rec?.range.type === 'endDate') last = instantOf(wallOfDate(addDays(rec.range.endDate, 2)), zone);
  else if (rec?.range.type === 'count') {
    const dates = occurrenceDates(rec.pattern, rec.range, rec.range.startDate, '9999-12-31');
    last = instantOf(wallOfDate(addDays(dates.at(-1) ?? rec.range.startDate, 2)), zone);
  }
  return { from: new Date(first - DAY_MS), to: new Date(Math.max(last, first + DAY_MS)) };
}
