// Graph's time values: zone names (Windows or IANA) placed as IANA zones, and its `dateTimeTimeZone`
// wall-clock strings read and written. The arithmetic itself is the providers' shared wall-clock.ts.
import { isTimeZone } from '../wall-clock.ts';
import { ianaZonesOf } from './windows-zones.ts';

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
