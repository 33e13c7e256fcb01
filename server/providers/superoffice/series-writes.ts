// Writing a series to SuperOffice, where every occurrence is a row: after the rule is saved (which
// makes the rows), each occurrence row is brought to what the event says, with OnlyThis saves and
// deletes. A change to the whole series goes out once with ThisAndForward from its first plain
// occurrence, so a weekly meeting's new title costs one save, not one per week; the rows it cannot
// reach (exceptions, earlier ones) are then set one by one.
import { RecurrenceUpdateMode, type AppointmentEntity } from '@superoffice/webapi';
import type { CalendarEvent } from '../../sync/event.ts';
import { contentHash } from '../../sync/hash.ts';
import { NotFound } from '../../sync/errors.ts';
import type { SuperOfficeAppointments } from './client.ts';
import { ORIGINAL_DATE, STABLE_KEY, type ItemReader, type LoadedItem } from './items.ts';
import { entityToEvent, eventToEntity, type MappingOptions } from './mapping.ts';
import { occurrenceEvent, sameOccurrence, slotDateOf, slotsOf, type Slot } from './series.ts';

interface SeriesWriterDeps {
  client: SuperOfficeAppointments;
  reader: ItemReader;
  mapping: () => Promise<MappingOptions>;
  zone: string;
}

function ruleOf(event: CalendarEvent): string {
  const r = event.recurrence;
  return r ? contentHash({ recurrence: { pattern: r.pattern, range: r.range, exceptions: [] } } as unknown as CalendarEvent, ['recurrence']) : '';
}

export class SeriesWriter {
  constructor(private readonly deps: SeriesWriterDeps) {}

  private exceptionDates(event: CalendarEvent, kind?: 'cancelled') {
    return new Set((event.recurrence?.exceptions ?? []).filter((x) => !kind || x.kind === kind).map((x) => slotDateOf(x.originalStart, this.deps.zone)));
  }

  /** What SuperOffice would hold after writing `want` over `base`: the part of an event it can store. */
  private stored(want: CalendarEvent, base: AppointmentEntity, m: MappingOptions): CalendarEvent {
    return entityToEvent(eventToEntity(want, base, m), m);
  }

  /** Same rule, same all-day-ness, and no occurrence that SuperOffice lost must come back. */
  canUpdateInPlace(cur: LoadedItem, want: CalendarEvent): boolean {
    const have = cur.item.event;
    if (!cur.series || !have.recurrence || !want.recurrence) return false;
    if (have.timing.allDay !== want.timing.allDay || ruleOf(have) !== ruleOf(want)) return false;
    const keep = this.exceptionDates(want, 'cancelled');
    return [...this.exceptionDates(have, 'cancelled')].every((d) => keep.has(d));
  }

  /** Brings an existing series to `want` (see canUpdateInPlace); returns its id afterwards. */
  async updateInPlace(cur: LoadedItem, want: CalendarEvent): Promise<number> {
    const { client, zone } = this.deps;
    const series = cur.series!;
    const m = await this.deps.mapping();
    const wantSlots = slotsOf(want, zone);
    const mine = new Set([...this.exceptionDates(want), ...this.exceptionDates(cur.item.event)]);
    const plain = wantSlots.find((s) => series.rowBySlot.has(s.date) && !mine.has(s.date));
    if (plain) {
      const row = series.rowBySlot.get(plain.date)!;
      const next = occurrenceEvent(want, plain, undefined);
      if (!sameOccurrence(this.stored(next, row.entity, m), entityToEvent(row.entity, m))) {
        await client.save(eventToEntity(next, row.entity, m), RecurrenceUpdateMode.ThisAndForward, String(row.appointmentId));
      }
    }
    return this.applyOccurrences(want, Number(cur.item.id));
  }

  /**
   * Sets every occurrence row of the series `rowId` belongs to as `event` says: cancelled ones
   * deleted, changed ones saved (and stamped with their slot when moved off it), the rest reset.
   * Returns the series' id afterwards (it changes when its first row goes).
   */
  async applyOccurrences(event: CalendarEvent, rowId: number): Promise<number> {
    const { client, reader, zone } = this.deps;
    const loaded = await reader.load(rowId);
    if (!loaded?.series) return rowId;
    const m = await this.deps.mapping();
    const byDate = new Map((event.recurrence?.exceptions ?? []).map((x) => [slotDateOf(x.originalStart, zone), x]));
    const gone = new Set<number>();
    for (const slot of slotsOf(event, zone)) {
      const row = loaded.series.rowBySlot.get(slot.date);
      if (!row) continue;
      const ex = byDate.get(slot.date);
      if (ex?.kind === 'cancelled') {
        await this.deleteRow(row.appointmentId, RecurrenceUpdateMode.OnlyThis);
        gone.add(row.appointmentId);
        continue;
      }
      const want = occurrenceEvent(event, slot, ex);
      if (sameOccurrence(this.stored(want, row.entity, m), entityToEvent(row.entity, m))) continue;
      await client.save(eventToEntity(want, row.entity, m), RecurrenceUpdateMode.OnlyThis, String(row.appointmentId));
      if (moved(want, slot)) await client.saveKey(ORIGINAL_DATE, row.appointmentId, slot.date);
    }
    const left = loaded.rows.map((r) => r.appointmentId).filter((id) => !gone.has(id)).sort((a, b) => a - b);
    const anchor = Number(loaded.item.id);
    const next = left[0] ?? anchor;
    if (gone.has(anchor)) {
      // The series is now known by its next row; our key goes with it so retries still find it.
      const key = loaded.item.event.stableKey;
      if (key && left.length) await client.saveKey(STABLE_KEY, next, key);
      await this.dropKeys([anchor]);
    }
    return next;
  }

  /** Deletes every row of the series (and our key). */
  async deleteSeries(cur: LoadedItem): Promise<void> {
    const { client } = this.deps;
    const first = [...cur.rows].sort((a, b) => (a.entity.startDate?.getTime() ?? 0) - (b.entity.startDate?.getTime() ?? 0))[0];
    if (first) await this.deleteRow(first.appointmentId, RecurrenceUpdateMode.ThisAndForward);
    const ruleId = cur.entity.recurrence?.recurrenceId ?? 0;
    // A row moved before the first one's time, or one added since we read, is not "forward".
    const left = ruleId ? await client.archive(`recurrenceRuleId = ${ruleId}`) : [];
    for (const r of left) await this.deleteRow(r.appointmentId, RecurrenceUpdateMode.OnlyThis);
    await this.dropKeys([Number(cur.item.id)]);
  }

  private async deleteRow(id: number, mode: RecurrenceUpdateMode): Promise<void> {
    try {
      await this.deps.client.deleteRow(id, mode);
    } catch (err) {
      // Already gone is what we wanted.
      if (!(err instanceof NotFound)) throw err;
    }
  }

  /** Removes our stable key from rows that are gone, so a lookup by key cannot land on them. */
  async dropKeys(ids: readonly number[]): Promise<void> {
    for (const id of ids) await this.deps.client.deleteKey(STABLE_KEY, id);
  }
}

function moved(want: CalendarEvent, slot: Slot): boolean {
  return contentHash(want, ['timing']) !== contentHash({ timing: slot.timing } as CalendarEvent, ['timing']);
}
