// `SO-TimeZone` (specs/superoffice.md 6.5). Each simulated tenant keeps its data in a base zone (UTC
// unless a test sets another). Without the header, dates go out without an offset (base-zone wall
// time); `SO-TimeZone: NO`
// converts to that zone, still without an offset; `,includeTZOffset` adds it (`Z` for UTC). Inbound
// dates with `Z` or an offset are instants; without one they are wall time in the header's zone.
// Created/updated dates are always UTC. Only a handful of zone codes are known here; an unknown code
// falls back to the base zone. Rows hold instants; the base zone matters where SuperOffice works in
// wall time: without the header, and when a recurrence is expanded into occurrence rows.
import type { Request } from 'express';
import { SoApiError } from './errors.ts';

export interface TimeZoneView {
  /** IANA zone, or 'UTC'. */
  zone: string;
  includeOffset: boolean;
}

const ZONES: Record<string, string> = {
  utc: 'UTC', '1': 'UTC',
  no: 'Europe/Oslo', '261': 'Europe/Oslo',
  se: 'Europe/Stockholm', dk: 'Europe/Copenhagen', fi: 'Europe/Helsinki', de: 'Europe/Berlin', nl: 'Europe/Amsterdam',
  gb: 'Europe/London', uk: 'Europe/London',
  'us-ny': 'America/New_York', 'us-il': 'America/Chicago', 'us-ca': 'America/Los_Angeles',
};

export function timeZoneOf(req: Request, baseZone = 'UTC'): TimeZoneView {
  const header = req.get('so-timezone');
  if (!header) return { zone: baseZone, includeOffset: false };
  let zone = baseZone;
  let includeOffset = false;
  for (const part of header.split(',').map((p) => p.trim()).filter(Boolean)) {
    if (part.toLowerCase() === 'includetzoffset') includeOffset = true;
    else zone = ZONES[part.toLowerCase()] ?? baseZone;
  }
  return { zone, includeOffset };
}

/** True when `zone` is an IANA zone this Node knows. */
export function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Minutes east of UTC that `zone` has at `instant`. */
function offsetMinutes(instant: number, zone: string): number {
  if (zone === 'UTC') return 0;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60000);
}

/** The wall clock of `instant` in `zone`, as milliseconds of a UTC date with the same fields. */
export function wallTime(instant: Date, zone: string): number {
  return instant.getTime() + offsetMinutes(instant.getTime(), zone) * 60000;
}

/** The instant at which `zone`'s wall clock shows `wall` (see wallTime). */
export function fromWallTime(wall: number, zone: string): Date {
  // Guess with the offset at that wall time, then correct once for DST edges.
  const guess = wall - offsetMinutes(wall, zone) * 60000;
  return new Date(wall - offsetMinutes(guess, zone) * 60000);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function wallClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** A date-time field (StartDate, EndDate, ...) in the caller's view. */
export function formatDate(d: Date, view: TimeZoneView): string {
  const off = offsetMinutes(d.getTime(), view.zone);
  const text = wallClock(d.getTime() + off * 60000);
  if (!view.includeOffset) return text;
  if (view.zone === 'UTC') return `${text}Z`;
  const sign = off < 0 ? '-' : '+';
  return `${text}${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

/** NetServer's "never": 0001-01-01T00:00:00. */
const NEVER = '0001-01-01T00:00:00';

/** Created/Updated/Registered: always UTC; never-set is `0001-01-01T00:00:00`. */
export function formatUtc(d: Date | null, view: TimeZoneView): string {
  const text = d ? wallClock(d.getTime()) : NEVER;
  return view.includeOffset ? `${text}Z` : text;
}

/** An inbound date: an instant when it carries Z or an offset, else wall time in the view's zone. */
export function parseDate(v: unknown, view: TimeZoneView, field: string): Date | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v !== 'string') throw new SoApiError(400, 'ArgumentException', `${field} must be a date string`);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(v.trim());
  if (!m) throw new SoApiError(400, 'ArgumentException', `${field}: '${v}' is not a date`);
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  if (y === '0001') return null;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0),
    frac ? Math.round(Number(`0.${frac}`) * 1000) : 0);
  if (Number.isNaN(wall)) throw new SoApiError(400, 'ArgumentException', `${field}: '${v}' is not a date`);
  if (tz) {
    if (tz.toUpperCase() === 'Z') return new Date(wall);
    const t = tz.replace(':', '');
    const off = (t[0] === '-' ? -1 : 1) * (Number(t.slice(1, 3)) * 60 + Number(t.slice(3, 5)));
    return new Date(wall - off * 60000);
  }
  return fromWallTime(wall, view.zone);
}
