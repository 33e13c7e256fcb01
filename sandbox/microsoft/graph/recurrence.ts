// patternedRecurrence (https://learn.microsoft.com/graph/api/resources/patternedrecurrence): reading
// it, and expanding a series into the original start instants of its occurrences. Expansion walks
// calendar days in the recurrence time zone and keeps the master's wall-clock time of day, so an
// occurrence stays at 09:00 local across a DST change, as Outlook's do.
import { badRequest } from './errors.ts';
import { fromWall, resolveZone, toWall } from './time-zone.ts';

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const INDEXES = ['first', 'second', 'third', 'fourth', 'last'] as const;
const PATTERNS = ['daily', 'weekly', 'absoluteMonthly', 'relativeMonthly', 'absoluteYearly', 'relativeYearly'] as const;
const RANGES = ['endDate', 'noEnd', 'numbered'] as const;

export interface Recurrence {
  pattern: {
    type: (typeof PATTERNS)[number];
    interval: number;
    month: number;
    dayOfMonth: number;
    daysOfWeek: (typeof DAYS)[number][];
    firstDayOfWeek: (typeof DAYS)[number];
    index: (typeof INDEXES)[number];
  };
  range: {
    type: (typeof RANGES)[number];
    startDate: string;
    endDate: string;
    recurrenceTimeZone: string;
    numberOfOccurrences: number;
  };
}

const DAY = 86_400_000;
/** Guards against patterns that would run for ever (Outlook has limits of its own). */
const MAX_OCCURRENCES = 5000;
const MAX_DAYS_WALKED = 200 * 366;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function pickEnum<T extends string>(v: unknown, allowed: readonly T[], field: string, fallback?: T): T {
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  const hit = typeof v === 'string' ? allowed.find((a) => a.toLowerCase() === v.toLowerCase()) : undefined;
  if (!hit) throw badRequest(`Invalid value '${String(v)}' for recurrence ${field}; expected one of ${allowed.join(', ')}.`);
  return hit;
}

function int(v: unknown, field: string, min: number, max: number, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw badRequest(`Invalid value for recurrence ${field}.`);
  return v;
}

function date(v: unknown, field: string): number {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw badRequest(`Recurrence ${field} must be a date (YYYY-MM-DD).`);
  const ms = Date.UTC(Number(v.slice(0, 4)), Number(v.slice(5, 7)) - 1, Number(v.slice(8, 10)));
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== v) throw badRequest(`Recurrence ${field} '${v}' is not a date.`);
  return ms;
}

export function readRecurrence(v: unknown): Recurrence {
  if (!isObj(v) || !isObj(v.pattern) || !isObj(v.range)) throw badRequest('recurrence needs a pattern and a range.');
  const p = v.pattern;
  const r = v.range;
  const type = pickEnum(p.type, PATTERNS, 'pattern.type');
  const daysOfWeek = p.daysOfWeek === undefined || p.daysOfWeek === null ? [] : Array.isArray(p.daysOfWeek) ? p.daysOfWeek.map((d) => pickEnum(d, DAYS, 'pattern.daysOfWeek')) : [];
  const pattern: Recurrence['pattern'] = {
    type,
    interval: int(p.interval, 'pattern.interval', 1, 99, 1),
    month: int(p.month, 'pattern.month', 0, 12, 0),
    dayOfMonth: int(p.dayOfMonth, 'pattern.dayOfMonth', 0, 31, 0),
    daysOfWeek,
    firstDayOfWeek: pickEnum(p.firstDayOfWeek, DAYS, 'pattern.firstDayOfWeek', 'sunday'),
    index: pickEnum(p.index, INDEXES, 'pattern.index', 'first'),
  };
  if ((type === 'weekly' || type.startsWith('relative')) && !daysOfWeek.length) throw badRequest(`A ${type} pattern needs daysOfWeek.`);
  if (type.startsWith('absolute') && pattern.dayOfMonth < 1) throw badRequest(`An ${type} pattern needs dayOfMonth.`);
  if (type.endsWith('Yearly') && pattern.month < 1) throw badRequest(`A ${type} pattern needs month.`);
  const rangeType = pickEnum(r.type, RANGES, 'range.type');
  const startDate = date(r.startDate, 'range.startDate');
  const range: Recurrence['range'] = {
    type: rangeType,
    startDate: String(r.startDate),
    endDate: rangeType === 'endDate' ? String(r.endDate) : '0001-01-01',
    recurrenceTimeZone: typeof r.recurrenceTimeZone === 'string' ? r.recurrenceTimeZone : '',
    numberOfOccurrences: rangeType === 'numbered' ? int(r.numberOfOccurrences, 'range.numberOfOccurrences', 1, 999, 0) : 0,
  };
  if (rangeType === 'endDate' && date(r.endDate, 'range.endDate') < startDate) throw badRequest('Recurrence range.endDate is before range.startDate.');
  if (rangeType === 'numbered' && range.numberOfOccurrences < 1) throw badRequest('A numbered range needs numberOfOccurrences.');
  if (range.recurrenceTimeZone && !resolveZone(range.recurrenceTimeZone)) throw badRequest(`Unknown recurrenceTimeZone '${range.recurrenceTimeZone}'.`);
  return { pattern, range };
}

const ymd = (day: number) => {
  const d = new Date(day);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth(), d: d.getUTCDate(), wd: d.getUTCDay() };
};
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m + 1, 0)).getUTCDate();

/** Whether `day` (UTC midnight of a calendar date) is the index-th of the pattern's weekdays in its month. */
function relativeMatch(day: number, p: Recurrence['pattern']): boolean {
  const { y, m } = ymd(day);
  const candidates: number[] = [];
  for (let d = 1; d <= daysInMonth(y, m); d++) {
    const t = Date.UTC(y, m, d);
    if (p.daysOfWeek.includes(DAYS[new Date(t).getUTCDay()]!)) candidates.push(t);
  }
  const i = p.index === 'last' ? candidates.length - 1 : INDEXES.indexOf(p.index);
  return candidates[i] === day;
}

function matches(day: number, start: number, p: Recurrence['pattern']): boolean {
  const a = ymd(start);
  const b = ymd(day);
  const months = (b.y - a.y) * 12 + (b.m - a.m);
  switch (p.type) {
    case 'daily':
      return Math.round((day - start) / DAY) % p.interval === 0;
    case 'weekly': {
      if (!p.daysOfWeek.includes(DAYS[b.wd]!)) return false;
      const first = DAYS.indexOf(p.firstDayOfWeek);
      const weekStart = (t: number) => t - ((new Date(t).getUTCDay() - first + 7) % 7) * DAY;
      return Math.round((weekStart(day) - weekStart(start)) / (7 * DAY)) % p.interval === 0;
    }
    case 'absoluteMonthly':
      return months % p.interval === 0 && b.d === Math.min(p.dayOfMonth, daysInMonth(b.y, b.m));
    case 'relativeMonthly':
      return months % p.interval === 0 && relativeMatch(day, p);
    case 'absoluteYearly':
      return b.m === p.month - 1 && (b.y - a.y) % p.interval === 0 && b.d === Math.min(p.dayOfMonth, daysInMonth(b.y, b.m));
    case 'relativeYearly':
      return b.m === p.month - 1 && (b.y - a.y) % p.interval === 0 && relativeMatch(day, p);
  }
}

/** The zone a series is expanded in: its recurrenceTimeZone, else the master's start zone. */
export function seriesZone(rec: Recurrence, startZone: string): string {
  return resolveZone(rec.range.recurrenceTimeZone || startZone) ?? 'UTC';
}

/**
 * Original start instants of the occurrences whose original slot [start, start + duration) overlaps
 * [from, to). `masterStart` gives the time of day.
 */
export function expandSeries(rec: Recurrence, masterStart: number, startZone: string, duration: number, from: number, to: number): number[] {
  const zone = seriesZone(rec, startZone);
  const timeOfDay = ((toWall(masterStart, zone) % DAY) + DAY) % DAY;
  const first = Date.UTC(Number(rec.range.startDate.slice(0, 4)), Number(rec.range.startDate.slice(5, 7)) - 1, Number(rec.range.startDate.slice(8, 10)));
  const last = rec.range.type === 'endDate'
    ? Date.UTC(Number(rec.range.endDate.slice(0, 4)), Number(rec.range.endDate.slice(5, 7)) - 1, Number(rec.range.endDate.slice(8, 10)))
    : Infinity;
  const limit = rec.range.type === 'numbered' ? rec.range.numberOfOccurrences : MAX_OCCURRENCES;
  // Counting needs every occurrence from the first; otherwise start near the window.
  let day = rec.range.type === 'numbered' ? first : Math.max(first, Math.floor((from - duration) / DAY) * DAY - 2 * DAY);
  const out: number[] = [];
  let produced = 0;
  for (let walked = 0; day <= last && produced < limit && walked < MAX_DAYS_WALKED; day += DAY, walked++) {
    if (!matches(day, first, rec.pattern)) continue;
    produced++;
    const start = fromWall(day + timeOfDay, zone);
    if (start >= to) break;
    const end = start + duration;
    if (end > from || (duration === 0 && start >= from)) out.push(start);
  }
  return out;
}
