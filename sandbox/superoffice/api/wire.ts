// Reading SuperOffice request bodies the way NetServer does: property names are case-insensitive
// (the TS SDK sends camelCase, other clients PascalCase), enums come as names or numbers, TimeSpans as
// ISO-8601 durations (`PT15M`, what dayjs serializes) or .NET `hh:mm:ss`. Output is always PascalCase
// with enum names and `hh:mm:ss` TimeSpans (specs/superoffice.md 6.2, checklist 16).
import { SoApiError } from './errors.ts';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The property `name` of `o`, matched case-insensitively; undefined when absent. */
export function pick(o: unknown, name: string): unknown {
  if (!isObject(o)) return undefined;
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

export function has(o: unknown, name: string): boolean {
  return pick(o, name) !== undefined;
}

export function str(v: unknown, field: string): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new SoApiError(400, 'ArgumentException', `${field} must be a string`);
}

export function int(v: unknown, field: string): number {
  if (v === null || v === '') return 0;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new SoApiError(400, 'ArgumentException', `${field} must be an integer`);
  }
  return n;
}

export function bool(v: unknown, field: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True' || v === 1) return true;
  if (v === 'false' || v === 'False' || v === 0 || v === null) return false;
  throw new SoApiError(400, 'ArgumentException', `${field} must be a boolean`);
}

/** An enum whose wire names sit at their numeric values (gaps as undefined). */
export type EnumNames = readonly (string | undefined)[];

export function enumValue(v: unknown, names: EnumNames, field: string): number {
  if (typeof v === 'number' && names[v] !== undefined) return v;
  if (typeof v === 'string') {
    if (/^\d+$/.test(v) && names[Number(v)] !== undefined) return Number(v);
    const i = names.findIndex((n) => n !== undefined && n.toLowerCase() === v.toLowerCase());
    if (i >= 0) return i;
  }
  throw new SoApiError(400, 'ArgumentException', `${field}: '${String(v)}' is not a valid value`);
}

export function enumName(value: number, names: EnumNames): string {
  return names[value] ?? names[0] ?? 'Unknown';
}

function sparse(entries: Record<number, string>): EnumNames {
  const out: (string | undefined)[] = [];
  for (const [k, v] of Object.entries(entries)) out[Number(k)] = v;
  return out;
}

// Numeric values from the SDK's Enums.ts doc comments (the TS enums themselves are string enums).
export const APPOINTMENT_TYPE = ['Unknown', 'inDiary', 'inChecklist', 'Note', 'Document', 'SavedReport',
  'BookingForDiary', 'BookingForChecklist', 'MergeDraft', 'MergeFinal'] as const;
export const APPOINTMENT_PRIVATE = ['Public', 'PrivateUser', 'PrivateGroup'] as const;
export const ACTIVITY_STATUS = ['Unknown', 'NotStarted', 'Started', 'Completed'] as const;
export const INVITATION_STATUS = ['Unknown', 'None', 'Accepted', 'Hidden', 'Invitation', 'Moved', 'Seen',
  'MovedSeen', 'Declined', 'Cancelled'] as const;
export const RECURRENCE_UPDATE_MODE = sparse({ 0: 'Unknown', 1: 'OnlyThis', 2: 'ThisAndForward', 9: 'StopRecurrence' });
export const RECURRENCE_PATTERN = ['Unknown', 'Daily', 'Weekly', 'Monthly', 'Yearly', 'Custom'] as const;
export const RECURRENCE_END_TYPE = ['Unknown', 'EndDate', 'Counter'] as const;
export const DAILY_PATTERN = ['Unknown', 'EveryWorkday', 'EveryWeekday', 'EveryCyclicDay'] as const;
export const MONTHLY_PATTERN = ['Unknown', 'DayOfMonth', 'WeekdayOfMonth'] as const;
export const WEEK_OF_MONTH = ['Unknown', 'First', 'Second', 'Third', 'Fourth', 'Last'] as const;
export const WEBHOOK_STATE = ['Unknown', 'Active', 'Stopped', 'TooManyErrors'] as const;
export const URL_ENCODING = ['Unknown', 'None', 'ANSI', 'Unicode'] as const;

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** Weekday flags (Mon=1 ... Sun=64): the SDK sends numbers, the server emits "Monday, Friday". */
export function weekdayFlags(v: unknown, field: string): number {
  if (v === null || v === undefined || v === '') return 0;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 128) return v;
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return weekdayFlags(Number(v), field);
    let flags = 0;
    for (const part of v.split(/\s*,\s*/)) {
      const i = WEEKDAYS.findIndex((d) => d.toLowerCase() === part.toLowerCase());
      if (i < 0 && part.toLowerCase() !== 'unknown') {
        throw new SoApiError(400, 'ArgumentException', `${field}: '${part}' is not a weekday`);
      }
      if (i >= 0) flags |= 1 << i;
    }
    return flags;
  }
  throw new SoApiError(400, 'ArgumentException', `${field} must be weekday flags`);
}

export function weekdayNames(flags: number): string {
  const names = WEEKDAYS.filter((_, i) => flags & (1 << i));
  return names.length ? names.join(', ') : 'Unknown';
}

/** Seconds from `P1DT2H30M`, `PT15M`, `P0D`, `00:15:00` or `1.02:00:00`. */
export function durationSeconds(v: unknown, field: string): number {
  if (v === null || v === undefined || v === '') return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const iso = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(v);
    if (iso && v.toUpperCase() !== 'P' && !v.toUpperCase().endsWith('T')) {
      const [, w, d, h, m, s] = iso.map((x) => (x === undefined ? 0 : Number(x)));
      return Math.round((w ?? 0) * 604800 + (d ?? 0) * 86400 + (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0));
    }
    const span = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(v);
    if (span) {
      const secs = Number(span[2] ?? 0) * 86400 + Number(span[3]) * 3600 + Number(span[4]) * 60 + Number(span[5] ?? 0);
      return span[1] ? -secs : secs;
    }
  }
  throw new SoApiError(400, 'ArgumentException', `${field}: '${String(v)}' is not a TimeSpan`);
}

/** .NET TimeSpan text: `00:15:00`, or `1.02:00:00` past a day. */
export function timeSpan(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const rest = seconds - days * 86400;
  const hh = String(Math.floor(rest / 3600)).padStart(2, '0');
  const mm = String(Math.floor((rest % 3600) / 60)).padStart(2, '0');
  const ss = String(rest % 60).padStart(2, '0');
  return `${days ? `${days}.` : ''}${hh}:${mm}:${ss}`;
}

/** A query parameter matched case-insensitively (`appointmentEntityId` vs `AppointmentEntityId`). */
export function queryParam(query: unknown, name: string): string | undefined {
  const v = pick(query, name);
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined;
  return typeof v === 'string' ? v : undefined;
}
