// The content hash half of "changed" (version changed AND hash changed). It covers only the fields
// we sync, normalised so that two sides holding the same appointment hash alike and a provider
// that rewrites an item without editing it (new etag, reordered attendees, an offset instead of Z)
// does not look like an edit.
import { createHash } from 'node:crypto';
import type { CalendarEvent } from './event.ts';

export type SyncedField = Exclude<keyof CalendarEvent, 'stableKey'>;

/** Every field the engine syncs by default; a profile's per-field direction removes some. */
export const SYNCED_FIELDS: readonly SyncedField[] = [
  'title',
  'description',
  'location',
  'timing',
  'showAs',
  'private',
  'reminderMinutes',
  'organizer',
  'attendees',
  'recurrence',
  'category',
  'crmLinks',
];

/** sha256 (hex) of the canonical JSON of `fields` of `event`. */
export function contentHash(event: CalendarEvent, fields: readonly SyncedField[] = SYNCED_FIELDS): string {
  const picked: Record<string, unknown> = {};
  for (const f of new Set(fields)) picked[f] = event[f];
  return createHash('sha256').update(JSON.stringify(canonical(picked, ''))).digest('hex');
}

// Keys whose string values are instants; compared as UTC so `+01:00` and `Z` forms agree.
const INSTANT_KEYS = new Set(['instant', 'originalStart']);

function canonical(value: unknown, key: string): unknown {
  if (typeof value === 'string') return canonicalString(value, key);
  if (Array.isArray(value)) {
    const items = value.map((v) => canonical(v, ''));
    // Order carries no meaning in these lists, and providers do not keep it.
    if (key === 'attendees') return items.sort(by((a) => String((a as { email?: unknown }).email)));
    if (key === 'exceptions') return items.sort(by((e) => String((e as { originalStart?: unknown }).originalStart)));
    if (key === 'daysOfWeek') return [...new Set(items as string[])].sort();
    return items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      // An absent optional field and one set to undefined are the same item.
      if (v === undefined) continue;
      out[k] = canonical(v, k);
    }
    return out;
  }
  return value === undefined ? null : value;
}

function canonicalString(s: string, key: string): string {
  const text = s.replace(/\r\n?/g, '\n').trim();
  if (key === 'email') return text.toLowerCase();
  // All-day dates (`YYYY-MM-DD`) stay dates; only timed values are instants.
  if (INSTANT_KEYS.has(key) && text.includes('T')) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return text;
}

function by<T>(keyOf: (x: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}
