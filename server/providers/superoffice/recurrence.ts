// SuperOffice RecurrenceInfo <-> the CalendarEvent's pattern and range, and the dates a rule puts
// occurrences on (specs/superoffice.md 6.2). SuperOffice stores every occurrence as its own row, so
// it has no exceptions of its own: series.ts finds them by laying the rows over these dates.
// Expansion follows NetServer's rules as the simulator implements them: weeks start on Monday and
// count from the first occurrence's week, months from its month; a yearly rule repeats in the month
// the series starts in; the first occurrence is always one, matching or not.
import {
  RecurrenceDailyPattern, RecurrenceEndType, RecurrenceMonthlyPattern, RecurrencePattern as SoPattern,
  RecurrenceYearlyPattern, WeekOfMonth, type RecurrenceInfo,
} from '@superoffice/webapi';
import type { RecurrencePattern, RecurrenceRange, Weekday } from '../../sync/event.ts';
import { DAY_MS, addDays, midnightOf, nearestDate, wallOfDate } from '../wall-clock.ts';

/** NetServer materialises every occurrence; past this many we stop, as the simulator does. */
const MAX_OCCURRENCES = 1000;

const WEEKDAYS: readonly Weekday[] = ['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su'];
const NTH: ReadonlyArray<[WeekOfMonth, 1 | 2 | 3 | 4 | -1]> = [
  [WeekOfMonth.First, 1], [WeekOfMonth.Second, 2], [WeekOfMonth.Third, 3], [WeekOfMonth.Fourth, 4], [WeekOfMonth.Last, -1],
];

/** Weekday flags: Monday 1 ... Sunday 64. */
function flagOf(d: Weekday): number {
  return 1 << WEEKDAYS.indexOf(d);
}

function daysOf(flags: number): Weekday[] {
  return WEEKDAYS.filter((_, i) => flags & (1 << i));
}

/** 0 = Monday ... 6 = Sunday. */
function weekdayIndex(date: string): number {
  return (new Date(wallOfDate(date)).getUTCDay() + 6) % 7;
}

function parts(date: string): { y: number; m: number; d: number } {
  const t = new Date(wallOfDate(date));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}

/** The pattern and range of a recurring entity, read in `zone`; null when it does not recur. */
export function readRule(info: RecurrenceInfo | null | undefined, zone: string): { pattern: RecurrencePattern; range: RecurrenceRange } | null {
  if (!info?.isRecurrence || !info.startDate) return null;
  const startDate = nearestDate(info.startDate.getTime(), zone);
  const start = parts(startDate);
  let pattern: RecurrencePattern;
  switch (info.pattern) {
    case SoPattern.Weekly: {
      const days = daysOf(Number(info.weekPattern?.weekdays ?? 0));
      pattern = { type: 'weekly', interval: num(info.weekPattern?.cycle, 1), daysOfWeek: days.length ? days : [WEEKDAYS[weekdayIndex(startDate)]!] };
      break;
    }
    case SoPattern.Monthly: {
      const m = info.monthPattern;
      const nth = NTH.find(([w]) => w === m?.weekOfMonth)?.[1];
      const weekday = daysOf(Number(m?.weekday ?? 0))[0];
      pattern = m?.pattern === RecurrenceMonthlyPattern.WeekdayOfMonth && nth && weekday
        ? { type: 'monthlyNth', interval: num(m.cycle, 1), weekday, nth }
        : { type: 'monthly', interval: num(m?.cycle, 1), dayOfMonth: num(m?.day, start.d) };
      break;
    }
    case SoPattern.Yearly:
      // The month is the series' own; a yearly "nth weekday" has no CalendarEvent form and reads as its first date.
      pattern = {
        type: 'yearly', interval: num(info.yearPattern?.cycle, 1), month: start.m,
        dayOfMonth: info.yearPattern?.pattern === RecurrenceYearlyPattern.WeekdayOfMonth ? start.d : num(info.yearPattern?.day, start.d),
      };
      break;
    case SoPattern.Daily:
      pattern = info.dayPattern?.pattern === RecurrenceDailyPattern.EveryWorkday || info.dayPattern?.pattern === RecurrenceDailyPattern.EveryWeekday
        ? { type: 'weekly', interval: 1, daysOfWeek: ['mo', 'tu', 'we', 'th', 'fr'] }
        : { type: 'daily', interval: num(info.dayPattern?.cycle, 1) };
      break;
    default:
      // Custom: the rows themselves say when; every day, with the days without a row cancelled.
      pattern = { type: 'daily', interval: 1 };
  }
  const range: RecurrenceRange = info.recurrenceEndType === RecurrenceEndType.Counter
    ? { type: 'count', startDate, count: num(info.recurrenceCounter, 1) }
    : { type: 'endDate', startDate, endDate: info.endDate ? nearestDate(info.endDate.getTime(), zone) : startDate };
  return { pattern, range };
}

/**
 * The RecurrenceInfo for a pattern and range. SuperOffice has no open-ended series (it stores every
 * occurrence): `noEnd` is written as `horizonDays` of them.
 */
export function writeRule(pattern: RecurrencePattern, range: RecurrenceRange, zone: string, horizonDays: number): RecurrenceInfo {
  const start = parts(range.startDate);
  // SuperOffice takes the date of these in its base zone; noon in ours is that date in any base
  // zone within twelve hours of it, where midnight would be the day before in one further west.
  const at = (date: string) => new Date(midnightOf(date, zone) + DAY_MS / 2);
  const info: RecurrenceInfo = {
    isRecurrence: true,
    startDate: at(range.startDate),
    pattern: SoPattern.Daily,
    dayPattern: { cycle: 1, pattern: RecurrenceDailyPattern.EveryCyclicDay },
    weekPattern: { cycle: 1, weekdays: flagOf(WEEKDAYS[weekdayIndex(range.startDate)]!) },
    monthPattern: { cycle: 1, day: start.d, weekday: 0, weekOfMonth: WeekOfMonth.Unknown, pattern: RecurrenceMonthlyPattern.DayOfMonth },
    yearPattern: { cycle: 1, day: start.d, weekday: 0, weekOfMonth: WeekOfMonth.Unknown, pattern: RecurrenceYearlyPattern.DayOfMonth },
  };
  switch (pattern.type) {
    case 'daily':
      info.dayPattern = { cycle: pattern.interval, pattern: RecurrenceDailyPattern.EveryCyclicDay };
      break;
    case 'weekly':
      info.pattern = SoPattern.Weekly;
      info.weekPattern = { cycle: pattern.interval, weekdays: pattern.daysOfWeek.reduce<number>((f, d) => f | flagOf(d), 0) };
      break;
    case 'monthly':
      info.pattern = SoPattern.Monthly;
      info.monthPattern = { ...info.monthPattern, cycle: pattern.interval, day: pattern.dayOfMonth };
      break;
    case 'monthlyNth':
      info.pattern = SoPattern.Monthly;
      info.monthPattern = {
        cycle: pattern.interval, day: 0, weekday: flagOf(pattern.weekday),
        weekOfMonth: NTH.find(([, n]) => n === pattern.nth)?.[0] ?? WeekOfMonth.First, pattern: RecurrenceMonthlyPattern.WeekdayOfMonth,
      };
      break;
    case 'yearly':
      info.pattern = SoPattern.Yearly;
      info.yearPattern = { ...info.yearPattern, cycle: pattern.interval, day: pattern.dayOfMonth };
      break;
  }
  if (range.type === 'count') {
    info.recurrenceEndType = RecurrenceEndType.Counter;
    info.recurrenceCounter = range.count;
    info.endDate = at(range.startDate);
  } else {
    info.recurrenceEndType = RecurrenceEndType.EndDate;
    info.endDate = at(range.type === 'endDate' ? range.endDate : addDays(range.startDate, horizonDays));
    info.recurrenceCounter = 0;
  }
  return info;
}

function matches(pattern: RecurrencePattern, date: string, startDate: string): boolean {
  const d = parts(date);
  const s = parts(startDate);
  const days = Math.round((wallOfDate(date) - wallOfDate(startDate)) / DAY_MS);
  const months = (d.y - s.y) * 12 + d.m - s.m;
  const weekday = WEEKDAYS[weekdayIndex(date)]!;
  switch (pattern.type) {
    case 'daily':
      return days % pattern.interval === 0;
    case 'weekly': {
      const week = Math.floor((days + weekdayIndex(startDate)) / 7);
      return week % pattern.interval === 0 && pattern.daysOfWeek.includes(weekday);
    }
    case 'monthly':
      return months % pattern.interval === 0 && d.d === pattern.dayOfMonth;
    case 'monthlyNth': {
      if (months % pattern.interval !== 0 || weekday !== pattern.weekday) return false;
      if (pattern.nth === -1) return parts(addDays(date, 7)).m !== d.m;
      return Math.floor((d.d - 1) / 7) + 1 === pattern.nth;
    }
    case 'yearly':
      return d.m === s.m && (months / 12) % pattern.interval === 0 && d.d === pattern.dayOfMonth;
  }
}

/** The dates (in the series' zone) a rule puts occurrences on, first one included. */
export function occurrenceDates(pattern: RecurrencePattern, range: RecurrenceRange): string[] {
  const out: string[] = [];
  const last = range.type === 'endDate' ? range.endDate : null;
  let counted = 0;
  for (let i = 0, date = range.startDate; i <= 50 * 366 && out.length < MAX_OCCURRENCES; i++, date = addDays(date, 1)) {
    if (last !== null && date > last) break;
    if (range.type === 'count' && counted >= range.count) break;
    if (matches(pattern, date, range.startDate)) {
      out.push(date);
      counted++;
    } else if (i === 0) {
      out.push(date);
    }
    if (range.type === 'noEnd' && i >= 2 * 366) break;
  }
  return out;
}
