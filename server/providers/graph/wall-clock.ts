// Wall-clock arithmetic in an IANA zone with nothing but Intl, and Graph's `dateTimeTimeZone`
// values read and written. Graph gives times as wall clock plus a zone name (Windows or IANA), the
// CalendarEvent holds instants and dates, and a series repeats on its zone's wall clock. "Wall"
// values are milliseconds of a UTC date whose fields read like the zone's clock.
import { ianaZonesOf } from './windows-zones.ts';

const DAY = 86_400_000;
export const DAY_MS = DAY;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

export function isTimeZone(zone: string): boolean {
  if (!zone) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The IANA zone a Graph zone name means: an IANA name as is, a Windows name through the CLDR table
 * (`preferred` when it is one of the zones sharing that Windows zone), `tzone://Microsoft/Utc` as
 * UTC. Undefined for names nobody can place (`Customized Time Zone`).
 */
export function ianaZone(name: string | null | undefined, preferred?: string): string | undefined {
  const n = (name ?? '').trim().replace(/^tzone:\/\/Microsoft\//i, '');
  if (!n) return undefined;
  if (/^utc$/i.test(n)) return 'UTC';
  const zones = ianaZonesOf(n);
  if (zones.length > 0) return preferred && zones.includes(preferred) ? preferred : zones[0];
  return n.includes('/') && isTimeZone(n) ? n : undefined;
}

/** Minutes east of UTC that `zone` has at `instant` (ms). */
function offsetMinutes(instant: number, zone: string): number {
  const parts = formatter(zone).formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60000);
}

export function wallOf(instant: number, zone: string): number {
  return instant + offsetMinutes(instant, zone) * 60000;
}

/** The instant at which `zone` shows `wall`; a wall time skipped by a DST gap lands an hour on. */
export function instantOf(wall: number, zone: string): number {
  const guess = wall - offsetMinutes(wall, zone) * 60000;
  return wall - offsetMinutes(guess, zone) * 60000;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` as the wall value of its midnight. */
export function wallOfDate(date: string): number {
  const m = DATE.exec(date);
  const wall = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (Number.isNaN(wall) || new Date(wall).toISOString().slice(0, 10) !== date) throw new RangeError(`not a date: ${date}`);
  return wall;
}

export function dateOfWall(wall: number): string {
  return new Date(Math.floor(wall / DAY) * DAY).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return dateOfWall(wallOfDate(date) + days * DAY);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((wallOfDate(to) - wallOfDate(from)) / DAY);
}

/** The zone's calendar date of `instant`. */
export function dateIn(instant: number, zone: string): string {
  return dateOfWall(wallOf(instant, zone));
}

/** The date whose midnight in `zone` is nearest to `instant` (all-day bounds written in another zone). */
export function nearestDate(instant: number, zone: string): string {
  return dateOfWall(wallOf(instant, zone) + DAY / 2);
}

/** Milliseconds since the zone's midnight at `instant`. */
export function timeOfDay(instant: number, zone: string): number {
  const wall = wallOf(instant, zone);
  return wall - Math.floor(wall / DAY) * DAY;
}

const GRAPH_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?$/;

/** Graph's `2017-04-15T12:00:00.0000000` as a wall value (an offset, if any, is dropped: Graph pairs it with a zone). */
export function parseGraphWall(dateTime: string): number {
  const m = GRAPH_DATE_TIME.exec(dateTime.trim());
  if (!m) throw new RangeError(`not a Graph dateTime: ${dateTime}`);
  const ms = Number(((m[7] ?? '') + '000').slice(0, 3));
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), ms);
}

/** A wall value as Graph writes it: `2026-05-04T10:00:00`. */
export function formatGraphWall(wall: number): string {
  return new Date(wall).toISOString().slice(0, 19);
}
