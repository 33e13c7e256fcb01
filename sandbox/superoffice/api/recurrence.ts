// RecurrenceInfo (specs/superoffice.md 6.2): reading a pattern, expanding it into occurrence dates
// (each occurrence becomes its own appointment row sharing a recurrenceRuleId, as in NetServer's
// database), and writing it back out. Expansion works day by day on the tenant's base-zone calendar,
// so an occurrence keeps the first one's wall-clock time across DST changes (the database keeps
// base-zone wall time).
import { SoApiError } from './errors.ts';
import type { AppointmentRow, RecurrenceRule } from './store.ts';
import { formatDate, fromWallTime, parseDate, wallTime, type TimeZoneView } from './time-zone.ts';
import {
  DAILY_PATTERN, MONTHLY_PATTERN, RECURRENCE_END_TYPE, RECURRENCE_PATTERN, WEEK_OF_MONTH, bool, enumName, enumValue,
  int, isObject, pick, weekdayFlags, weekdayNames, type Json,
} from './wire.ts';

const DAY = 86400000;
/** A guard against runaway patterns; NetServer has limits of its own. */
const MAX_OCCURRENCES = 1000;
const P = { Daily: 1, Weekly: 2, Monthly: 3, Yearly: 4 } as const;

/** The base-zone calendar day of `d`, as the UTC midnight with that date. */
export function wallDay(d: Date, zone: string): number {
  return Math.floor(wallTime(d, zone) / DAY) * DAY;
}

/** The instant the base-zone day `day` (a wallDay) begins. */
function dayStart(day: number, zone: string): Date {
  return fromWallTime(day, zone);
}

/** Mon=1 ... Sun=64, the Weekday flag of a UTC day. */
function weekdayFlag(day: number): number {
  const js = new Date(day).getUTCDay(); // 0 = Sunday
  return 1 << ((js + 6) % 7);
}

function sub(v: unknown, field: string) {
  const o = isObject(v) ? v : {};
  const read = (name: string, names: readonly (string | undefined)[]) => {
    const x = pick(o, name);
    return x === undefined || x === null ? 0 : enumValue(x, names, `${field}.${name}`);
  };
  return {
    cycle: Math.max(1, int(pick(o, 'Cycle') ?? 1, `${field}.Cycle`)),
    day: int(pick(o, 'Day') ?? 0, `${field}.Day`),
    weekday: weekdayFlags(pick(o, 'Weekday') ?? pick(o, 'Weekdays'), `${field}.Weekday`),
    weekOfMonth: read('WeekOfMonth', WEEK_OF_MONTH),
    pattern: read('Pattern', field === 'DayPattern' ? DAILY_PATTERN : MONTHLY_PATTERN),
  };
}

/** The rule a body's Recurrence asks for, or null when it is absent or IsRecurrence is false. */
export function readRecurrence(v: unknown, first: AppointmentRow, view: TimeZoneView, baseZone: string): Omit<RecurrenceRule, 'recurrenceRuleId'> | null {
  if (!isObject(v) || !bool(pick(v, 'IsRecurrence') ?? false, 'Recurrence.IsRecurrence')) return null;
  const pattern = enumValue(pick(v, 'Pattern') ?? 'Unknown', RECURRENCE_PATTERN, 'Recurrence.Pattern');
  if (!([P.Daily, P.Weekly, P.Monthly, P.Yearly] as number[]).includes(pattern)) {
    throw new SoApiError(400, 'ArgumentException', 'Recurrence.Pattern must be Daily, Weekly, Monthly or Yearly here');
  }
  const start = parseDate(pick(v, 'StartDate'), view, 'Recurrence.StartDate') ?? first.start;
  const end = parseDate(pick(v, 'EndDate'), view, 'Recurrence.EndDate');
  const counter = int(pick(v, 'RecurrenceCounter') ?? 0, 'Recurrence.RecurrenceCounter');
  let endType = enumValue(pick(v, 'RecurrenceEndType') ?? 0, RECURRENCE_END_TYPE, 'Recurrence.RecurrenceEndType');
  if (endType === 0) endType = end ? 1 : 2;
  if (endType === 1 && !end) throw new SoApiError(400, 'ArgumentException', 'Recurrence.EndDate is required');
  if (endType === 2 && counter < 1) throw new SoApiError(400, 'ArgumentException', 'Recurrence.RecurrenceCounter must be at least 1');
  const week = sub(pick(v, 'WeekPattern'), 'WeekPattern');
  const daily = sub(pick(v, 'DayPattern'), 'DayPattern');
  return {
    pattern, start, end: end ?? start, endType, counter,
    // DayPattern defaults to EveryCyclicDay (3).
    dayPattern: { cycle: daily.cycle, pattern: daily.pattern || 3 },
    weekPattern: { cycle: week.cycle, weekdays: week.weekday || weekdayFlag(wallDay(start, baseZone)) },
    monthPattern: { ...sub(pick(v, 'MonthPattern'), 'MonthPattern') },
    yearPattern: { ...sub(pick(v, 'YearPattern'), 'YearPattern') },
  };
}

function matches(rule: Omit<RecurrenceRule, 'recurrenceRuleId'>, day: number, startDay: number): boolean {
  const d = new Date(day);
  const s = new Date(startDay);
  const days = Math.round((day - startDay) / DAY);
  const months = (d.getUTCFullYear() - s.getUTCFullYear()) * 12 + d.getUTCMonth() - s.getUTCMonth();
  const nthWeekday = (weekOfMonth: number, weekday: number) => {
    if (!(weekdayFlag(day) & weekday)) return false;
    const nth = Math.floor((d.getUTCDate() - 1) / 7) + 1;
    const last = new Date(day + 7 * DAY).getUTCMonth() !== d.getUTCMonth();
    return weekOfMonth === 5 ? last : nth === weekOfMonth;
  };
  switch (rule.pattern) {
    case P.Daily:
      if (rule.dayPattern.pattern === 3) return days % rule.dayPattern.cycle === 0;
      return (weekdayFlag(day) & 31) !== 0; // EveryWorkday / EveryWeekday: Monday to Friday
    case P.Weekly: {
      const weekStart = startDay - (((new Date(startDay).getUTCDay() + 6) % 7) * DAY);
      const week = Math.floor((day - weekStart) / (7 * DAY));
      return week % rule.weekPattern.cycle === 0 && (weekdayFlag(day) & rule.weekPattern.weekdays) !== 0;
    }
    case P.Monthly: {
      const m = rule.monthPattern;
      if (months % m.cycle !== 0) return false;
      if (m.pattern === 2) return nthWeekday(m.weekOfMonth, m.weekday);
      return d.getUTCDate() === (m.day || s.getUTCDate());
    }
    case P.Yearly: {
      const y = rule.yearPattern;
      if (d.getUTCMonth() !== s.getUTCMonth() || (months / 12) % y.cycle !== 0) return false;
      if (y.pattern === 2) return nthWeekday(y.weekOfMonth, y.weekday);
      return d.getUTCDate() === (y.day || s.getUTCDate());
    }
    default:
      return false;
  }
}

/** The base-zone days (wallDay values) on which the rule puts an occurrence. */
export function occurrenceDays(rule: Omit<RecurrenceRule, 'recurrenceRuleId'>, baseZone: string): number[] {
  const startDay = wallDay(rule.start, baseZone);
  const lastDay = rule.endType === 1 ? wallDay(rule.end, baseZone) : Number.POSITIVE_INFINITY;
  const out: number[] = [];
  for (let day = startDay; day <= lastDay && out.length < MAX_OCCURRENCES; day += DAY) {
    if (matches(rule, day, startDay)) out.push(day);
    if (rule.endType === 2 && out.length >= rule.counter) break;
    if (day - startDay > 50 * 366 * DAY) break;
  }
  return out;
}

export function recurrenceInfo(rule: RecurrenceRule | undefined, row: AppointmentRow, dates: Date[], view: TimeZoneView, baseZone: string): Json {
  const day = new Date(wallDay(row.start, baseZone));
  const begins = (d: Date) => formatDate(dayStart(wallDay(d, baseZone), baseZone), view);
  const pattern = (p: { cycle: number; day: number; weekday: number; weekOfMonth: number; pattern: number }) => ({
    Cycle: p.cycle, Day: p.day, Weekday: weekdayNames(p.weekday), WeekOfMonth: enumName(p.weekOfMonth, WEEK_OF_MONTH),
    Pattern: enumName(p.pattern, MONTHLY_PATTERN),
  });
  if (!rule) {
    return {
      RecurrenceId: 0, StartDate: begins(row.start), EndDate: begins(row.start), RecurrenceEndType: 'EndDate',
      Pattern: 'Daily', RecurrenceCounter: 0, IsRecurrence: false, DayPattern: { Cycle: 1, Pattern: 'EveryCyclicDay' },
      WeekPattern: { Cycle: 1, Weekdays: weekdayNames(weekdayFlag(day.getTime())) },
      MonthPattern: pattern({ cycle: 1, day: day.getUTCDate(), weekday: 0, weekOfMonth: 0, pattern: 1 }),
      YearPattern: pattern({ cycle: 1, day: day.getUTCDate(), weekday: 0, weekOfMonth: 0, pattern: 1 }),
      Dates: [],
    };
  }
  return {
    RecurrenceId: rule.recurrenceRuleId,
    StartDate: begins(rule.start),
    EndDate: begins(rule.end),
    RecurrenceEndType: enumName(rule.endType, RECURRENCE_END_TYPE),
    Pattern: enumName(rule.pattern, RECURRENCE_PATTERN),
    RecurrenceCounter: rule.counter,
    IsRecurrence: true,
    DayPattern: { Cycle: rule.dayPattern.cycle, Pattern: enumName(rule.dayPattern.pattern, DAILY_PATTERN) },
    WeekPattern: { Cycle: rule.weekPattern.cycle, Weekdays: weekdayNames(rule.weekPattern.weekdays) },
    MonthPattern: pattern(rule.monthPattern),
    YearPattern: pattern(rule.yearPattern),
    Dates: dates.map((d) => ({ Date: begins(d), IsConflict: false, Description: null, DescriptionStyleHint: '', Tooltip: '' })),
  };
}
