// Wall-clock arithmetic in an IANA zone, with nothing but Intl, shared by the providers: SuperOffice
// keeps appointments as base-zone wall time, Graph gives wall clock plus a zone, and a series repeats
// on its zone's wall clock, while the CalendarEvent holds instants and dates. "Wall" values are
// milliseconds of a UTC date whose fields read like the zone's clock.
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

function isDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** `YYYY-MM-DD` as the wall value of its midnight. */
export function wallOfDate(date: string): number {
  if (!isDate(date)) throw new RangeError(`not a date: ${date}`);
  return Date.parse(`${date}T00:00:00Z`);
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

/** The instant `date` begins in `zone`. */
export function midnightOf(date: string, zone: string): number {
  return instantOf(wallOfDate(date), zone);
}

/** The zone's calendar date of `instant`. */
export function dateIn(instant: number, zone: string): string {
  return dateOfWall(wallOf(instant, zone));
}

/**
 * The date whose midnight in `zone` is nearest to `instant`. All-day boundaries written as the
 * end of the last day (23:59) or as midnight in another zone still land on the intended date.
 */
export function nearestDate(instant: number, zone: string): string {
  return dateOfWall(wallOf(instant, zone) + DAY / 2);
}

/** Milliseconds since the zone's midnight at `instant`. */
export function timeOfDay(instant: number, zone: string): number {
  const wall = wallOf(instant, zone);
  return wall - Math.floor(wall / DAY) * DAY;
}
