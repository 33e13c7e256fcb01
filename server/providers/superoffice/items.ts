// Reading appointments as the side's items: a single appointment is one row; a series is every row
// of its recurrence rule, shown once under its lowest AppointmentId (the row it was created from,
// unless that one was deleted). Versions are derived, since SuperOffice has no ETag: UpdatedDate
// (CreatedDate until the first update) of every row, plus a content hash, because UpdatedDate has
// one-second precision and two saves within a second must still give two versions.
import { createHash } from 'node:crypto';
import { AppointmentType, type AppointmentEntity } from '@superoffice/webapi';
import type { CalendarEvent } from '../../sync/event.ts';
import { contentHash } from '../../sync/hash.ts';
import type { SideItem } from '../../sync/side.ts';
import type { SuperOfficeAppointments } from './client.ts';
import { entityToEvent, seriesToEvent, type MappingOptions, type SeriesAnalysis, type SeriesRow } from './mapping.ts';
import { addDays } from '../wall-clock.ts';

/** Foreign key names we stamp on appointments (specs/superoffice.md 6.6). */
export const STABLE_KEY = 'calsync.stableKey';
/** On an occurrence we moved: the date of the slot it belongs to. */
export const ORIGINAL_DATE = 'calsync.originalDate';

/** Types that live in a diary; checklist tasks, notes and documents are not calendar items. */
const DIARY_TYPES: ReadonlySet<string | undefined> = new Set([AppointmentType.inDiary, AppointmentType.BookingForDiary, AppointmentType.Unknown, undefined]);

export interface LoadedItem {
  item: SideItem;
  /** The row itself (single) or the row whose content is the series'. */
  entity: AppointmentEntity;
  /** Set for a series. */
  series?: SeriesAnalysis;
  /** Every row of the item, by AppointmentId. */
  rows: SeriesRow[];
}

interface ItemReaderDeps {
  client: SuperOfficeAppointments;
  associateId: number;
  mapping: () => Promise<MappingOptions>;
}

/** Last change of a row: UpdatedDate, or CreatedDate for a row never updated (0001-01-01). */
export function lastChange(e: AppointmentEntity): Date | undefined {
  const u = e.updatedDate;
  if (u && !Number.isNaN(u.getTime()) && u.getUTCFullYear() > 1) return u;
  const c = e.createdDate;
  return c && !Number.isNaN(c.getTime()) ? c : undefined;
}

function markerOf(e: AppointmentEntity): string {
  return lastChange(e)?.toISOString() ?? 'never';
}

function isOurs(e: AppointmentEntity, associateId: number): boolean {
  return e.associate?.associateId === associateId && DIARY_TYPES.has(e.type);
}

function isRecurring(e: AppointmentEntity): boolean {
  return e.recurrence?.isRecurrence === true && (e.recurrence.recurrenceId ?? 0) > 0;
}

export class ItemReader {
  constructor(private readonly deps: ItemReaderDeps) {}

  /** The item `id` is (part of), or null when it is gone or not in this owner's diary. */
  async load(id: number): Promise<LoadedItem | null> {
    // Our key is asked for alongside the entity: one round trip instead of two for the common
    // single appointment. For a series or a row that is not ours that one call is wasted (and its
    // failure ignored).
    const key = this.deps.client.getKey(STABLE_KEY, id);
    key.catch(() => undefined);
    const entity = await this.deps.client.get(id);
    if (!entity || !isOurs(entity, this.deps.associateId)) return null;
    if (isRecurring(entity)) return this.loadSeries(entity.recurrence!.recurrenceId!, entity);
    return this.single(entity, await key);
  }

  private async single(entity: AppointmentEntity, key: string | undefined): Promise<LoadedItem> {
    const opts = await this.deps.mapping();
    const id = entity.appointmentId ?? 0;
    const event = entityToEvent(entity, opts, key);
    return {
      entity,
      rows: [{ appointmentId: id, entity }],
      item: withModified({ id: String(id), version: `${markerOf(entity)}.${contentHash(event).slice(0, 12)}`, event }, [entity]),
    };
  }

  /** Every row of recurrence rule `ruleId` (one of them may be at hand already). */
  async loadSeries(ruleId: number, known?: AppointmentEntity): Promise<LoadedItem | null> {
    const { client, associateId } = this.deps;
    const ids = (await client.archive(`recurrenceRuleId = ${ruleId}`)).map((r) => r.appointmentId);
    const rows: SeriesRow[] = [];
    for (const id of ids) {
      const e = known?.appointmentId === id ? known : await client.get(id);
      if (e && isOurs(e, associateId) && e.recurrence?.recurrenceId === ruleId) rows.push({ appointmentId: id, entity: e });
    }
    if (rows.length === 0) return null;
    rows.sort((a, b) => a.appointmentId - b.appointmentId);
    const opts = await this.deps.mapping();
    const anchor = rows[0]!.appointmentId;
    const stableKey = await client.getKey(STABLE_KEY, anchor);
    let analysis = seriesToEvent(rows, opts, stableKey);
    // Rows off their slot may carry our stamp saying which slot they were moved from.
    let stamped = false;
    for (const id of analysis.offSlot) {
      const date = await client.getKey(ORIGINAL_DATE, id);
      const row = rows.find((r) => r.appointmentId === id);
      if (date && row) {
        row.originalDate = date;
        stamped = true;
      }
    }
    if (stamped) analysis = seriesToEvent(rows, opts, stableKey);
    const digest = createHash('sha256');
    for (const r of rows) digest.update(`${r.appointmentId}@${markerOf(r.entity)}#${contentHash(entityToEvent(r.entity, opts))}\n`);
    const item: SideItem = { id: String(anchor), version: `s.${digest.digest('hex').slice(0, 24)}`, event: analysis.event };
    return { entity: analysis.template.entity, series: analysis, rows, item: withModified(item, rows.map((r) => r.entity)) };
  }
}

function withModified(item: SideItem, entities: AppointmentEntity[]): SideItem {
  const times = entities.map((e) => lastChange(e)?.getTime() ?? 0).filter((t) => t > 0);
  return times.length ? { ...item, modifiedAt: new Date(Math.max(...times)).toISOString() } : item;
}

/** The event as SuperOffice will store it: an open-ended series ends `horizonDays` after its start. */
export function bounded(event: CalendarEvent, horizonDays: number): CalendarEvent {
  const r = event.recurrence;
  if (!r || r.range.type !== 'noEnd') return event;
  return { ...event, recurrence: { ...r, range: { type: 'endDate', startDate: r.range.startDate, endDate: addDays(r.range.startDate, horizonDays) } } };
}
