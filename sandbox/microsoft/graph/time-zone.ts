// Time zones as Graph speaks them: `dateTimeTimeZone {dateTime:"2025-03-03T10:00:00.0000000", timeZone}`
// where the zone is a Windows name ("W. Europe Standard Time"), an IANA name, or "UTC". Windows names
// map to IANA for the arithmetic (node's Intl only knows IANA); the name a client used is echoed back.
// The table covers the common zones; the ones the tests rely on are W. Europe / Europe/Oslo, Eastern /
// America/New_York, AUS Eastern / Australia/Sydney and India / Asia/Kolkata.

const WINDOWS_ZONES: Array<[windows: string, iana: string]> = [
  ['UTC', 'UTC'], ['Coordinated Universal Time', 'UTC'], ['GMT Standard Time', 'Europe/London'],
  ['Greenwich Standard Time', 'Atlantic/Reykjavik'], ['W. Europe Standard Time', 'Europe/Berlin'],
  ['Romance Standard Time', 'Europe/Paris'], ['Central Europe Standard Time', 'Europe/Budapest'],
  ['Central European Standard Time', 'Europe/Warsaw'], ['E. Europe Standard Time', 'Europe/Chisinau'],
  ['FLE Standard Time', 'Europe/Helsinki'], ['GTB Standard Time', 'Europe/Bucharest'], ['Russian Standard Time', 'Europe/Moscow'],
  ['Eastern Standard Time', 'America/New_York'], ['Central Standard Time', 'America/Chicago'],
  ['Mountain Standard Time', 'America/Denver'], ['US Mountain Standard Time', 'America/Phoenix'],
  ['Pacific Standard Time', 'America/Los_Angeles'], ['Alaskan Standard Time', 'America/Anchorage'],
  ['Hawaiian Standard Time', 'Pacific/Honolulu'], ['Atlantic Standard Time', 'America/Halifax'],
  ['E. South America Standard Time', 'America/Sao_Paulo'], ['AUS Eastern Standard Time', 'Australia/Sydney'],
  ['E. Australia Standard Time', 'Australia/Brisbane'], ['W. Australia Standard Time', 'Australia/Perth'],
  ['New Zealand Standard Time', 'Pacific/Auckland'], ['India Standard Time', 'Asia/Kolkata'], ['Tokyo Standard Time', 'Asia/Tokyo'],
  ['China Standard Time', 'Asia/Shanghai'], ['Singapore Standard Time', 'Asia/Singapore'], ['Arabian Standard Time', 'Asia/Dubai'],
  ['South Africa Standard Time', 'Africa/Johannesburg'],
];
const WINDOWS_TO_IANA = new Map(WINDOWS_ZONES.map(([w, i]) => [w.toLowerCase(), i]));

/** IANA -> Windows: the table's canonical zones plus the other IANA zones sharing a Windows zone. */
const IANA_TO_WINDOWS = new Map<string, string>([
  ['Europe/Oslo', 'W. Europe Standard Time'], ['Europe/Stockholm', 'W. Europe Standard Time'],
  ['Europe/Amsterdam', 'W. Europe Standard Time'], ['Europe/Rome', 'W. Europe Standard Time'],
  ['Europe/Vienna', 'W. Europe Standard Time'], ['Europe/Zurich', 'W. Europe Standard Time'],
  ['Europe/Copenhagen', 'Romance Standard Time'], ['Europe/Brussels', 'Romance Standard Time'], ['Europe/Madrid', 'Romance Standard Time'],
  ['Europe/Prague', 'Central Europe Standard Time'], ['Asia/Calcutta', 'India Standard Time'], ['Etc/UTC', 'UTC'],
  ...WINDOWS_ZONES.filter(([w]) => w !== 'Coordinated Universal Time').map(([w, i]) => [i, w] as [string, string]),
]);

const knownIana = new Map<string, boolean>();

function isIana(zone: string): boolean {
  let ok = knownIana.get(zone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      ok = zone.includes('/') || zone === 'UTC';
    } catch {
      ok = false;
    }
    knownIana.set(zone, ok);
  }
  return ok;
}

/** The IANA zone for a Windows or IANA name, or null when neither is known. */
export function resolveZone(name: string): string | null {
  const trimmed = name.trim();
  const win = WINDOWS_TO_IANA.get(trimmed.toLowerCase());
  if (win) return win;
  return isIana(trimmed) ? trimmed : null;
}

/** The Windows name of an IANA zone (for tools that want one), or the input when none is known. */
export function windowsName(iana: string): string {
  return IANA_TO_WINDOWS.get(iana) ?? iana;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function offsetMinutes(instant: number, zone: string): number {
  if (zone === 'UTC') return 0;
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(zone, f);
  }
  const parts = f.formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60000);
}

/** Wall clock of `instant` in `zone`, as ms of the UTC date with the same fields. */
export function toWall(instant: number, zone: string): number {
  return instant + offsetMinutes(instant, zone) * 60000;
}

/** The instant `zone`'s clock shows `wall` (a gap hour resolves forward, an ambiguous one to the first). */
export function fromWall(wall: number, zone: string): number {
  const guess = wall - offsetMinutes(wall, zone) * 60000;
  const again = wall - offsetMinutes(guess, zone) * 60000;
  return again;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Graph's dateTime text: seven fractional digits, no offset. */
export function formatWall(wall: number): string {
  const d = new Date(wall);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}0000`;
}

/**
 * A dateTime text as wall-clock ms (no offset), or, when it carries `Z` or an offset, as an instant
 * (`instant: true`). Null when it is not a date.
 */
export function parseDateTime(text: string): { ms: number; instant: boolean } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0);
  if (Number.isNaN(ms) || new Date(ms).getUTCDate() !== Number(d)) return null;
  if (!tz) return { ms, instant: false };
  if (tz.toUpperCase() === 'Z') return { ms, instant: true };
  const t = tz.replace(':', '');
  const off = (t[0] === '-' ? -1 : 1) * (Number(t.slice(1, 3)) * 60 + Number(t.slice(3, 5)));
  return { ms: ms - off * 60000, instant: true };
}

/** `{dateTime, timeZone}` of an instant in a zone, labelled with the name the client used. */
export function dateTimeTimeZone(instant: number, zone: string, label: string): { dateTime: string; timeZone: string } {
  return { dateTime: formatWall(toWall(instant, zone)), timeZone: label };
}
