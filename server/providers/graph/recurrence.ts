// Graph's patternedRecurrence <-> the CalendarEvent's pattern and range, and the dates a rule puts
// occurrences on, by Outlook's rules (graph-ews spec 2.1; learn.microsoft.com patternedrecurrence):
// weeks start on `firstDayOfWeek` and count from the week holding the range's start date, months
// from its month; a monthly or yearly day past the month's end falls on its last day. Graph lists
// no cancelled occurrences in v1.0, so the side finds them as dates of the rule with no instance.
import type { RecurrencePattern, RecurrenceRange, Weekday } from '../../sync/event.ts';
import { addDays, dateOfWall, wallOfDate } from '../wall-clock.ts';

type GraphDay = 'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday';
type GraphIndex = 'first' | 'second' | 'third' | 'fourth' | 'last';

export interface GraphRecurrence {
  pattern: {
    type: string;
    interval?: number | null;
    month?: number | null;
    dayOfMonth?: number | null;
    daysOfWeek?: string[] | null;
    firstDayOfWeek?: string | null;
    index?: string | null;
  };
  range: {
    type: string;
    startDate?: string | null;
    endDate?: string | null;
    recurrenceTimeZone?: string | null;
    numberOfOccurrences?: number | null;
  };
}

const DAYS: ReadonlyArray<[Weekday, GraphDay]> = [
  ['su', 'sunday'], ['mo', 'monday'], ['tu', 'tuesday'], ['we', 'wednesday'], ['th', 'thursday'], ['fr', 'friday'], ['sa', 'saturday'],
];
const INDEX: ReadonlyArray<[GraphIndex, 1 | 2 | 3 | 4 | -1]> = [['first', 1], ['second', 2], ['third', 3], ['fourth', 4], ['last', -1]];

const weekdayOf = (g: string | null | undefined): Weekday | undefined => DAYS.find(([, d]) => d === g?.toLowerCase())?.[0];
const graphDayOf = (w: Weekday): GraphDay => DAYS.find(([d]) => d === w)![1];
const positive = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : fallback);

/** 0 = Sunday ... 6 = Saturday. */
function dayIndex(date: string): number {
  return new Date(wallOfDate(date)).getUTCDay();
}

function ymd(date: string): { y: number; m: number; d: number } {
  const t = new Date(wallOfDate(date));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function dateOf(y: number, m: number, d: number): string {
  return dateOfWall(Date.UTC(y, m - 1, d));
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** The pattern and range of a Graph recurrence; null when it is absent or of a kind we cannot hold. */
export function readRecurrence(r: GraphRecurrence | null | undefined, fallbackStart: string): { pattern: RecurrencePattern; range: RecurrenceRange } | null {
  if (!r?.pattern || !r.range) return null;
  const p = r.pattern;
  const startDate = r.range.startDate && /^\d{4}-\d{2}-\d{2}$/.test(r.range.startDate) ? r.range.startDate : fallbackStart;
  const interval = positive(p.interval, 1);
  const days = (p.daysOfWeek ?? []).map(weekdayOf).filter((d): d is Weekday => d !== undefined);
  const nth = INDEX.find(([i]) => i === (p.index ?? 'first').toLowerCase())?.[1] ?? 1;
  const start = ymd(startDate);
  let pattern: RecurrencePattern;
  switch (p.type) {
    case 'daily':
      pattern = { type: 'daily', interval };
      break;
    case 'weekly': {
      // The week's first day only decides which weeks count when the series skips weeks; Graph
      // always names one (usually Sunday) and SuperOffice none, so for a plain weekly series it is
      // left out, else every series would differ between the sides and be rewritten on each edit.
      const first = interval > 1 ? weekdayOf(p.firstDayOfWeek) : undefined;
      pattern = { type: 'weekly', interval, daysOfWeek: days.length ? days : [DAYS[dayIndex(startDate)]![0]], ...(first ? { firstDayOfWeek: first } : {}) };
      break;
    }
    case 'absoluteMonthly':
      pattern = { type: 'monthly', interval, dayOfMonth: positive(p.dayOfMonth, start.d) };
      break;
    case 'relativeMonthly':
      pattern = { type: 'monthlyNth', interval, weekday: days[0] ?? DAYS[dayIndex(startDate)]![0], nth };
      break;
    case 'absoluteYearly':
      pattern = { type: 'yearly', interval, month: positive(p.month, start.m), dayOfMonth: positive(p.dayOfMonth, start.d) };
      break;
    case 'relativeYearly':
      // The CalendarEvent has no "nth weekday of a month every N years"; every 12N months from the
      // start (which lies in that month) puts occurrences on the same dates.
      pattern = { type: 'monthlyNth', interval: 12 * interval, weekday: days[0] ?? DAYS[dayIndex(startDate)]![0], nth };
      break;
    default:
      return null;
  }
  let range: RecurrenceRange;
  if (r.range.type === 'endDate' && r.range.endDate && /^\d{4}-\d{2}-\d{2}$/.test(r.range.endDate)) range = { type: 'endDate', startDate, endDate: r.range.endDate };
  else if (r.range.type === 'numbered' && positive(r.range.numberOfOccurrences, 0) > 0) range = { type: 'count', startDate, count: r.range.numberOfOccurrences as number };
  else range = { type: 'noEnd', startDate };
  return { pattern, range };
}

/** A Graph recurrence for a pattern and range; `zone` (IANA) is the series' wall clock. */
export function writeRecurrence(pattern: RecurrencePattern, range: RecurrenceRange, zone: string): GraphRecurrence {
  let p: GraphRecurrence['pattern'];
  switch (pattern.type) {
    case 'daily':
      p = { type: 'daily', interval: pattern.interval };
      break;
    case 'weekly':
      p = { type: 'weekly', interval: pattern.interval, daysOfWeek: pattern.daysOfWeek.map(graphDayOf), firstDayOfWeek: graphDayOf(pattern.firstDayOfWeek ?? 'su') };
      break;
    case 'monthly':
      p = { type: 'absoluteMonthly', interval: pattern.interval, dayOfMonth: pattern.dayOfMonth };
      break;
    case 'monthlyNth':
      p = { type: 'relativeMonthly', interval: pattern.interval, daysOfWeek: [graphDayOf(pattern.weekday)], index: INDEX.find(([, n]) => n === pattern.nth)![0] };
      break;
    case 'yearly':
      p = { type: 'absoluteYearly', interval: pattern.interval, month: pattern.month, dayOfMonth: pattern.dayOfMonth };
      break;
  }
  const r: GraphRecurrence['range'] =
    range.type === 'endDate' ? { type: 'endDate', startDate: range.startDate, endDate: range.endDate }
    : range.type === 'count' ? { type: 'numbered', startDate: range.startDate, numberOfOccurrences: range.count }
    : { type: 'noEnd', startDate: range.startDate };
  return { pattern: p, range: { ...r, recurrenceTimeZone: zone } };
}

/** Past this many the expansion stops (a daily rule over decades); Outlook caps series lower still. */
const MAX_STEPS = 20_000;

/** Candidate dates of the rule's `step`-th period, in order (before range and count checks). */
function periodDates(pattern: RecurrencePattern, startDate: string, step: number): string[] {
  const s = ymd(startDate);
  switch (pattern.type) {
    case 'daily':
      return [addDays(startDate, step * pattern.interval)];
    case 'weekly': {
      const first = DAYS.findIndex(([d]) => d === (pattern.firstDayOfWeek ?? 'su'));
      const weekStart = addDays(startDate, -((dayIndex(startDate) - first + 7) % 7) + 7 * step * pattern.interval);
      const wanted = new Set(pattern.daysOfWeek);
      return [0, 1, 2, 3, 4, 5, 6].map((i) => addDays(weekStart, i)).filter((d) => wanted.has(DAYS[dayIndex(d)]![0]));
    }
    case 'monthly':
    case 'monthlyNth': {
      const months = s.m - 1 + step * pattern.interval;
      const y = s.y + Math.floor(months / 12);
      const m = (months % 12) + 1;
      if (pattern.type === 'monthly') return [dateOf(y, m, Math.min(pattern.dayOfMonth, daysInMonth(y, m)))];
      const target = DAYS.findIndex(([d]) => d === pattern.weekday);
      if (pattern.nth === -1) {
        const last = daysInMonth(y, m);
        const lastDay = dayIndex(dateOf(y, m, last));
        return [dateOf(y, m, last - ((lastDay - target + 7) % 7))];
      }
      const firstDay = dayIndex(dateOf(y, m, 1));
      return [dateOf(y, m, 1 + ((target - firstDay + 7) % 7) + 7 * (pattern.nth - 1))];
    }
    case 'yearly': {
      const y = s.y + step * pattern.interval;
      return [dateOf(y, pattern.month, Math.min(pattern.dayOfMonth, daysInMonth(y, pattern.month)))];
    }
  }
}

/** The dates the rule puts occurrences on within [from, to] (dates in the series' zone, inclusive). */
export function occurrenceDates(pattern: RecurrencePattern, range: RecurrenceRange, from: string, to: string): string[] {
  const out: string[] = [];
  let count = 0;
  for (let step = 0; step < MAX_STEPS; step++) {
    const dates = periodDates(pattern, range.startDate, step).filter((d) => d >= range.startDate);
    for (const d of dates) {
      if (range.type === 'endDate' && d > range.endDate) return out;
      if (range.type === 'count' && count >= range.count) return out;
      if (d > to) return out;
      count++;
      if (d >= from) out.push(d);
    }
  }
  return out;
}
