// A SuperOffice series as one CalendarEvent. SuperOffice keeps each occurrence as its own row
// (specs/superoffice.md 6.2) and records no exceptions, so they are found here: the rule's dates
// are the slots, the content most rows share is the series, each row is laid on its slot (exact
// time first, then the slot our own stamp names, then the nearest free slot), a row that differs
// from the series is a changed occurrence and a slot without a row a cancelled one. Pure.
import type { AppointmentEntity } from '@superoffice/webapi';
import type { CalendarEvent, EventTiming, Recurrence, RecurrenceException } from '../../sync/event.ts';
import { contentHash, type SyncedField } from '../../sync/hash.ts';
import { occurrenceDates, readRule } from './recurrence.ts';
import { addDays, dateIn, daysBetween, instantOf, midnightOf, nearestDate, timeOfDay, wallOf, wallOfDate } from '../wall-clock.ts';

export interface SeriesRow {
  appointmentId: number;
  entity: AppointmentEntity;
  /** The slot date our stamp on this row names (we moved it from there); asked only for offSlot rows. */
  originalDate?: string;
}

export interface Slot {
  /** The occurrence's date in the series' zone: how the side finds its row. */
  date: string;
  /** The exception key: the original start instant (timed) or date (all-day). */
  originalStart: string;
  timing: EventTiming;
  /** Start instant (ms), for nearness. */
  at: number;
}

export interface SeriesAnalysis {
  event: CalendarEvent;
  slots: Slot[];
  /** The row on each slot, by slot date. */
  rowBySlot: Map<string, SeriesRow>;
  /** Rows not sitting exactly on a slot: the side reads their stamps and analyses again. */
  offSlot: number[];
  /** The row whose content is the series'. */
  template: SeriesRow;
}

/** Fields an occurrence may change (the exception's `changes`); timing is compared with the slot. */
const CHANGE_FIELDS = ['title', 'description', 'location', 'showAs', 'private', 'reminderMinutes', 'organizer', 'attendees', 'category'] as const;

/** The shape of an occurrence: all-day and its length in days, or time of day and length. */
interface Shape {
  allDay: boolean;
  /** ms after local midnight (timed). */
  timeOfDay: number;
  /** Wall-clock ms (timed) or days (all-day). */
  length: number;
}

function shapeOf(timing: EventTiming, zone: string): Shape {
  if (timing.allDay) return { allDay: true, timeOfDay: 0, length: daysBetween(timing.startDate, timing.endDate) };
  const start = Date.parse(timing.start.instant);
  const end = Date.parse(timing.end.instant);
  return { allDay: false, timeOfDay: timeOfDay(start, zone), length: wallOf(end, zone) - wallOf(start, zone) };
}

function slotOf(date: string, shape: Shape, zone: string): Slot {
  if (shape.allDay) {
    return { date, originalStart: date, at: midnightOf(date, zone), timing: { allDay: true, startDate: date, endDate: addDays(date, Math.max(1, shape.length)) } };
  }
  const wall = wallOfDate(date) + shape.timeOfDay;
  const start = instantOf(wall, zone);
  const end = instantOf(wall + shape.length, zone);
  const iso = new Date(start).toISOString();
  return {
    date, originalStart: iso, at: start,
    timing: { allDay: false, start: { instant: iso, timeZone: zone }, end: { instant: new Date(end).toISOString(), timeZone: zone } },
  };
}

/** The occurrence slots of a recurring event, as SuperOffice lays them out in `zone`. */
export function slotsOf(event: CalendarEvent, zone: string): Slot[] {
  if (!event.recurrence) return [];
  const shape = shapeOf(event.timing, zone);
  return occurrenceDates(event.recurrence.pattern, event.recurrence.range).map((d) => slotOf(d, shape, zone));
}

/** The slot date an exception's originalStart names. */
export function slotDateOf(originalStart: string, zone: string): string {
  return originalStart.includes('T') ? dateIn(Date.parse(originalStart), zone) : originalStart;
}

/** What one occurrence of `series` should hold: the series, the slot's time, the exception's changes. */
export function occurrenceEvent(series: CalendarEvent, slot: Slot, exception: RecurrenceException | undefined): CalendarEvent {
  const { recurrence: _r, stableKey: _k, ...rest } = series;
  const out: CalendarEvent = { ...rest, timing: slot.timing };
  if (exception?.kind === 'changed') Object.assign(out, exception.changes);
  return out;
}

function same(a: CalendarEvent, b: CalendarEvent, fields: readonly SyncedField[]): boolean {
  return contentHash(a, fields) === contentHash(b, fields);
}

/** True when two single occurrences hold the same synced content (timing included). */
export function sameOccurrence(a: CalendarEvent, b: CalendarEvent): boolean {
  return same(a, b, ['timing', 'crmLinks', ...CHANGE_FIELDS]);
}

function timingDiffers(a: EventTiming, b: EventTiming): boolean {
  return contentHash({ timing: a } as CalendarEvent, ['timing']) !== contentHash({ timing: b } as CalendarEvent, ['timing']);
}

export function analyseSeries(
  rows: readonly SeriesRow[],
  zone: string,
  toEvent: (e: AppointmentEntity) => CalendarEvent,
  stableKey: string | undefined,
): SeriesAnalysis {
  if (rows.length === 0) throw new Error('a series needs at least one row');
  const read = rows
    .map((row) => {
      const event = toEvent(row.entity);
      return { row, event, shape: shapeOf(event.timing, zone), at: row.entity.startDate?.getTime() ?? 0 };
    })
    .sort((a, b) => a.at - b.at || a.row.appointmentId - b.row.appointmentId);

  // The series is what most rows hold; on a tie, the group with the earliest row.
  const groups = new Map<string, typeof read>();
  for (const r of read) {
    const key = `${contentHash(r.event, CHANGE_FIELDS)}|${r.shape.allDay}|${r.shape.timeOfDay}|${r.shape.length}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  let best = read.slice(0, 1);
  for (const g of groups.values()) if (g.length > best.length) best = g;
  const template = best[0]!;

  const rule = readRule(template.row.entity.recurrence, zone);
  const shape = template.shape;
  const dates = rule ? occurrenceDates(rule.pattern, rule.range) : [shape.allDay ? nearestDate(template.at, zone) : dateIn(template.at, zone)];
  const slots = dates.map((d) => slotOf(d, shape, zone));
  const slotByDate = new Map(slots.map((s) => [s.date, s]));
  const rowBySlot = new Map<string, SeriesRow>();
  const rowEvent = new Map(read.map((r) => [r.row.appointmentId, r]));

  // 1. Rows exactly on a slot.
  const waiting: typeof read = [];
  for (const r of read) {
    const s = shape.allDay
      ? (r.shape.allDay ? slotByDate.get(nearestDate(r.at, zone)) : undefined)
      : slots.find((x) => x.at === r.at && !r.shape.allDay);
    if (s && !rowBySlot.has(s.date)) rowBySlot.set(s.date, r.row);
    else waiting.push(r);
  }
  const offSlot = waiting.map((r) => r.row.appointmentId);
  // 2. Rows whose stamp names a free slot. 3. The nearest free slot.
  const rest: typeof read = [];
  for (const r of waiting) {
    const s = r.row.originalDate ? slotByDate.get(r.row.originalDate) : undefined;
    if (s && !rowBySlot.has(s.date)) rowBySlot.set(s.date, r.row);
    else rest.push(r);
  }
  for (const r of rest) {
    let pick: Slot | undefined;
    for (const s of slots) {
      if (rowBySlot.has(s.date)) continue;
      if (!pick || Math.abs(s.at - r.at) < Math.abs(pick.at - r.at)) pick = s;
    }
    // More rows than slots: a row the rule no longer covers cannot be shown as part of it.
    if (pick) rowBySlot.set(pick.date, r.row);
  }

  const exceptions: RecurrenceException[] = [];
  for (const s of slots) {
    const row = rowBySlot.get(s.date);
    if (!row) {
      exceptions.push({ kind: 'cancelled', originalStart: s.originalStart });
      continue;
    }
    const ev = rowEvent.get(row.appointmentId)!.event;
    const changes: Partial<CalendarEvent> = {};
    for (const f of CHANGE_FIELDS) if (!same(ev, template.event, [f])) Object.assign(changes, { [f]: ev[f] });
    if (timingDiffers(ev.timing, s.timing)) changes.timing = ev.timing;
    if (Object.keys(changes).length > 0) exceptions.push({ kind: 'changed', originalStart: s.originalStart, changes });
  }

  const event: CalendarEvent = { ...template.event };
  if (rule) {
    const recurrence: Recurrence = { pattern: rule.pattern, range: rule.range, exceptions };
    event.recurrence = recurrence;
    event.timing = slots[0]!.timing;
  }
  if (stableKey) event.stableKey = stableKey;
  return { event, slots, rowBySlot, offSlot, template: template.row };
}
