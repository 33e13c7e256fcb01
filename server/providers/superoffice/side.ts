// The SuperOffice side of a link: one associate's diary in one tenant, within the link's window.
// Changes come from the FindAppointment archive (updated or registered since a watermark, or
// overlapping the window for a full read). SuperOffice cannot list deletions, so a delta read
// reports none and its cursor expires after `cursorMaxAgeMs`, which sends the engine back to a full
// read that can. SuperOffice has no If-Match either: writes compare the version read just before,
// and REST writes of single appointments also send If-Unmodified-Since (specs/superoffice.md 6.3).
// Attendees are matched by e-mail with `people` (the tenant's users) and, in what the side writes,
// with the persons `findPeople` finds for the addresses it meets (directory.ts).
import { RecurrenceUpdateMode } from '@superoffice/webapi';
import type { CalendarEvent } from '../../sync/event.ts';
import { contentHash } from '../../sync/hash.ts';
import { CursorExpired, NotFound, PreconditionFailed } from '../../sync/errors.ts';
import type { CalendarSide, ChangePage, SideItem } from '../../sync/side.ts';
import type { SuperOfficeApi } from '../../superoffice/api-client.ts';
import type { SystemUserTenant } from '../../superoffice/system-user.ts';
import { SuperOfficeAppointments, type ArchiveRow, type ForeignKeyOwner } from './client.ts';
import { ItemReader, STABLE_KEY, bounded, lastChange, type LoadedItem } from './items.ts';
import { DEFAULT_NO_END_HORIZON_DAYS, entityToEvent, eventToEntity, zoneOf, type MappingOptions, type SuperOfficePerson, type TaskType } from './mapping.ts';
import { SeriesWriter } from './series-writes.ts';
import { changedSince, dayAfterNext, dayBefore, stampedSince } from './archive-dates.ts';

/** The link's window: fixed, or relative to the side's clock at each read. */
export type SyncWindow = { from: Date; to: Date } | { daysBack: number; daysAhead: number };

export interface SuperOfficeSideOptions {
  api: SuperOfficeApi;
  tenant: SystemUserTenant;
  /** The diary owner. */
  associateId: number;
  window: SyncWindow;
  /** IANA zone of the tenant or user (default Europe/Oslo). */
  timeZone?: string;
  /** People attendees are matched with, by e-mail; loaded once per side when given as a function. */
  people?: readonly SuperOfficePerson[] | (() => Promise<readonly SuperOfficePerson[]>);
  /**
   * More people, asked for the attendee addresses of each event written that `people` does not
   * know (a directory's contact persons by e-mail: too many to list them all).
   */
  findPeople?: (emails: readonly string[]) => Promise<readonly SuperOfficePerson[]>;
  /** The tenant's appointment types; loaded once per side when given as a function. */
  tasks?: readonly TaskType[] | (() => Promise<readonly TaskType[]>);
  /** Type for an event whose category names none; default: the tenant's default type. */
  defaultTaskId?: number;
  foreignKeys?: ForeignKeyOwner;
  now?: () => Date;
  /** A delta read starts this long before the previous one did (clock skew, same-second writes). */
  cursorOverlapMs?: number;
  /** A delta cursor older than this is refused (CursorExpired): the full read that follows sees deletions. */
  cursorMaxAgeMs?: number;
  pageSize?: number;
  noEndHorizonDays?: number;
}

const DEFAULT_FOREIGN_KEY_OWNER: ForeignKeyOwner = { applicationName: 'CalendarSync', deviceName: 'calendar-sync' };
const DAY = 86_400_000;
/** The widest offset of a zone from UTC: how far a `date` read in the wrong zone can be off. */
const ZONE_SLACK_MS = 14 * 3_600_000;

interface Cursor {
  v: 1;
  a: number;
  /** Watermark: read changes after this instant. */
  s: string;
  /** When the cursor was made. */
  m: string;
  /**
   * Appointments the last read loaded, by id, with the last-change stamp they had: the overlap
   * lists them again, and an unchanged stamp means there is nothing new to load.
   */
  k?: Record<string, string>;
}

/**
 * How much older than the read a stamp must be to be trusted as "unchanged since": UpdatedDate has
 * one-second precision, so a second save within the second the read saw would keep the stamp; the
 * margin also covers some clock skew between SuperOffice and us. A webhook's hint is re-read anyway.
 */
const STAMP_SETTLE_MS = 5000;

/** A list given as such, or loaded once; a failed load is tried again on the next call. */
function loadedOnce<T>(source: readonly T[] | (() => Promise<readonly T[]>) | undefined): () => Promise<readonly T[] | undefined> {
  let loaded: Promise<readonly T[] | undefined> | undefined;
  return () =>
    (loaded ??= (typeof source === 'function' ? source() : Promise.resolve(source)).catch((err: unknown) => {
      loaded = undefined;
      throw err;
    }));
}

/** Every attendee address of the event, its occurrences' included. */
function attendeeEmails(event: CalendarEvent): string[] {
  const changed = (event.recurrence?.exceptions ?? []).flatMap((x) => (x.kind === 'changed' ? x.changes.attendees ?? [] : []));
  return [...event.attendees, ...changed].map((a) => a.email.trim().toLowerCase()).filter(Boolean);
}

export function createSuperOfficeSide(opts: SuperOfficeSideOptions): CalendarSide {
  const client = new SuperOfficeAppointments(opts.api, opts.tenant, opts.foreignKeys ?? DEFAULT_FOREIGN_KEY_OWNER, { pageSize: opts.pageSize });
  const now = opts.now ?? (() => new Date());
  const overlapMs = opts.cursorOverlapMs ?? 2 * 60_000;
  const maxAgeMs = opts.cursorMaxAgeMs ?? DAY;
  const horizon = opts.noEndHorizonDays ?? DEFAULT_NO_END_HORIZON_DAYS;
  const A = opts.associateId;

  const people = loadedOnce(opts.people);
  const tasks = loadedOnce(opts.tasks);
  let tenantTask: Promise<TaskType | undefined> | undefined;
  const mapping = async (): Promise<MappingOptions> => {
    const [p, t] = await Promise.all([people(), tasks()]);
    return { timeZone: opts.timeZone, people: p ?? [], tasks: t, defaultTaskId: opts.defaultTaskId, noEndHorizonDays: horizon };
  };
  /** People found by findPeople for the events this side wrote, by address. */
  const met = new Map<string, SuperOfficePerson>();
  const meet = async (event: CalendarEvent): Promise<void> => {
    if (!opts.findPeople) return;
    const known = new Set([...((await mapping()).people ?? []).map((p) => p.email.trim().toLowerCase()), ...met.keys()]);
    const unknown = [...new Set(attendeeEmails(event))].filter((e) => !known.has(e));
    if (unknown.length === 0) return;
    for (const p of await opts.findPeople(unknown)) {
      met.set(p.email.trim().toLowerCase(), { email: p.email, associateId: p.associateId, personId: p.personId, contactId: p.contactId });
    }
  };
  /** For writes: the caller's default type, else the tenant's (what a new appointment gets). */
  const writeMapping = async (): Promise<MappingOptions> => {
    const read = await mapping();
    // People met take part in writes only, and nameless: reads know only `people` and so cannot
    // name them, and an update compares what it would write with what it read.
    const m = met.size ? { ...read, people: [...(read.people ?? []), ...met.values()] } : read;
    if (m.defaultTaskId !== undefined) return m;
    tenantTask ??= client.createDefault().then(
      (d) => (d.task?.taskListItemId ? { id: d.task.taskListItemId, name: d.task.value ?? '' } : undefined),
      (err: unknown) => {
        tenantTask = undefined;
        throw err;
      },
    );
    const t = await tenantTask;
    if (!t) return m;
    const tasks = m.tasks ?? [];
    return { ...m, defaultTaskId: t.id, tasks: tasks.some((x) => x.id === t.id) ? tasks : [...tasks, t] };
  };
  const zone = zoneOf({ timeZone: opts.timeZone });
  const reader = new ItemReader({ client, associateId: A, mapping });
  const writer = new SeriesWriter({ client, reader, mapping: writeMapping, zone });

  const windowNow = (): { from: Date; to: Date } => {
    const w = opts.window;
    if ('from' in w) return w;
    const t = now().getTime();
    return { from: new Date(t - w.daysBack * DAY), to: new Date(t + w.daysAhead * DAY) };
  };

  const encode = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
  const decode = (s: string): Cursor => {
    let c: Partial<Cursor>;
    try {
      c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Partial<Cursor>;
    } catch {
      throw new CursorExpired('not a SuperOffice cursor');
    }
    const since = Date.parse(c.s ?? '');
    const made = Date.parse(c.m ?? '');
    if (c.v !== 1 || c.a !== A || Number.isNaN(since) || Number.isNaN(made)) throw new CursorExpired('not a cursor of this diary');
    if (now().getTime() - made > maxAgeMs) throw new CursorExpired('cursor too old: a full read is due to see deletions');
    return c as Cursor;
  };

  /** Items for archive rows: each single once, each series once (by its rule). */
  const itemsFor = async (rows: { appointmentId: number; recurrenceRuleId: number }[]): Promise<SideItem[]> => {
    const out = new Map<string, SideItem>();
    const rules = new Set<number>();
    for (const r of rows) {
      if (r.recurrenceRuleId > 0) {
        if (rules.has(r.recurrenceRuleId)) continue;
        rules.add(r.recurrenceRuleId);
        const s = await reader.loadSeries(r.recurrenceRuleId);
        if (s) out.set(s.item.id, s.item);
        continue;
      }
      const loaded = await reader.load(r.appointmentId);
      if (loaded) out.set(loaded.item.id, loaded.item);
    }
    return [...out.values()];
  };

  const mustLoad = async (id: string): Promise<LoadedItem> => {
    const n = Number(id);
    const loaded = Number.isInteger(n) && n > 0 ? await reader.load(n) : null;
    if (!loaded) throw new NotFound(id);
    return loaded;
  };

  const checkVersion = (id: string, loaded: LoadedItem, ifVersion: string) => {
    if (loaded.item.version !== ifVersion) throw new PreconditionFailed(id);
  };

  const create = async (event: CalendarEvent): Promise<SideItem> => {
    await meet(event);
    const m = await writeMapping();
    const base = await client.createDefault();
    // The default entity belongs to whoever calls (the system user); it goes in the owner's diary.
    base.associate = { associateId: A };
    const saved = await client.save(eventToEntity(event, { ...base, participants: [] }, m), RecurrenceUpdateMode.OnlyThis);
    const id = saved.appointmentId ?? 0;
    if (event.stableKey) await client.saveKey(STABLE_KEY, id, event.stableKey);
    const anchor = event.recurrence ? await writer.applyOccurrences(bounded(event, horizon), id) : id;
    const loaded = await reader.load(anchor);
    if (!loaded) throw new NotFound(String(id), `appointment ${id} vanished right after it was created`);
    return loaded.item;
  };

  return {
    capabilities: { readOnly: false, noDelete: false, recurrence: true },

    async listChanges(cursor: string | null): Promise<ChangePage> {
      const started = now();
      const owner = `associateId = ${A}`;
      let rows;
      if (cursor === null) {
        const w = windowNow();
        // Whole days, a day wider than the window (archive-dates.ts); the rows' own times decide,
        // with slack in case `date`/`endDate` come back as the tenant's wall time rather than UTC.
        const listed = await client.archive(`${owner} and date beforeTime '${dayAfterNext(w.to, zone)}' and endDate afterTime '${dayBefore(w.from, zone)}'`);
        rows = listed.filter((r) => (r.start === undefined || r.start.getTime() < w.to.getTime() + ZONE_SLACK_MS)
          && (r.end === undefined || r.end.getTime() > w.from.getTime() - ZONE_SLACK_MS));
      } else {
        const since = new Date(decode(cursor).s);
        // A new row keeps updatedDate 0001-01-01 until its first update: ask both columns.
        // Both at once: the two queries are independent, and each costs a round trip.
        const [registered, updated] = await Promise.all([
          client.archive(`${owner} and ${changedSince('registeredDate', since, zone)}`),
          client.archive(`${owner} and ${changedSince('updatedDate', since, zone)}`),
        ]);
        // The server may read only the dates: the exact stamps decide what changed since.
        rows = [...registered, ...updated].filter((r) => stampedSince(r.changed, since));
      }
      const seen = cursor === null ? {} : (decode(cursor).k ?? {});
      // A series is loaded whole by its rule: its rows' stamps say nothing about the others.
      const unchanged = (r: ArchiveRow) => r.recurrenceRuleId === 0 && r.changed !== undefined && seen[r.appointmentId] === r.changed;
      const changes = await itemsFor(rows.filter((r) => !unchanged(r)));
      const since = started.getTime() - overlapMs;
      const k: Record<string, string> = {};
      for (const r of rows) {
        if (r.recurrenceRuleId !== 0 || r.changed === undefined) continue;
        const t = Date.parse(r.changed);
        // Only what the next read will list again, and only settled stamps.
        if (t > since && t < started.getTime() - STAMP_SETTLE_MS) k[r.appointmentId] = r.changed;
      }
      const next: Cursor = {
        v: 1, a: A, s: new Date(since).toISOString(), m: cursor === null ? started.toISOString() : decode(cursor).m,
        ...(Object.keys(k).length ? { k } : {}),
      };
      return { changes, nextCursor: encode(next), complete: true };
    },

    async get(ids: readonly string[]): Promise<Map<string, SideItem>> {
      const out = new Map<string, SideItem>();
      for (const id of ids) {
        const n = Number(id);
        if (!Number.isInteger(n) || n <= 0) continue;
        const loaded = await reader.load(n);
        if (loaded) out.set(id, loaded.item);
      }
      return out;
    },

    create,

    async update(id: string, event: CalendarEvent, ifVersion: string): Promise<SideItem> {
      const cur = await mustLoad(id);
      checkVersion(id, cur, ifVersion);
      await meet(event);
      const m = await writeMapping();
      const want = bounded(event, horizon);
      if (!cur.series) {
        const entity = eventToEntity(want, cur.entity, m);
        let rowId = Number(cur.item.id);
        // Only a real change is saved: stamping a user's own appointment with our key must not
        // touch it (no new Updated, no notice to its participants).
        if (want.recurrence || contentHash(entityToEvent(entity, m)) !== contentHash(cur.item.event)) {
          const saved = await client.put(rowId, entity, lastChange(cur.entity) ?? new Date(0));
          rowId = saved.appointmentId ?? rowId;
        }
        if (event.stableKey && event.stableKey !== cur.item.event.stableKey) await client.saveKey(STABLE_KEY, rowId, event.stableKey);
        const anchor = want.recurrence ? await writer.applyOccurrences(want, rowId) : rowId;
        const loaded = await reader.load(anchor);
        if (!loaded) throw new NotFound(id);
        return loaded.item;
      }
      if (!want.recurrence || !writer.canUpdateInPlace(cur, want)) {
        // A different rule (or a cancelled occurrence back again): SuperOffice cannot re-expand a
        // series, so a new one replaces it. The item's id changes; the stable key goes along.
        const created = await create({ ...event, stableKey: event.stableKey ?? cur.item.event.stableKey });
        await writer.deleteSeries(cur);
        return created;
      }
      const anchor = await writer.updateInPlace(cur, want);
      if (event.stableKey && event.stableKey !== cur.item.event.stableKey) await client.saveKey(STABLE_KEY, anchor, event.stableKey);
      const loaded = await reader.load(anchor);
      if (!loaded) throw new NotFound(id);
      return loaded.item;
    },

    async delete(id: string, ifVersion: string): Promise<void> {
      const cur = await mustLoad(id);
      checkVersion(id, cur, ifVersion);
      if (cur.series) {
        await writer.deleteSeries(cur);
        return;
      }
      await client.deleteUnmodified(Number(cur.item.id), lastChange(cur.entity) ?? new Date(0));
      await writer.dropKeys([Number(cur.item.id)]);
    },

    async findByStableKey(key: string): Promise<SideItem | null> {
      // The lookup answers one key; one left on a row that is gone (deleted in SuperOffice) is
      // removed so that the next answer is the live one.
      for (let i = 0; i < 5; i++) {
        const recordId = await client.findKey(STABLE_KEY, key);
        if (!recordId) return null;
        const loaded = await reader.load(recordId);
        if (loaded) return loaded.item.event.stableKey === key ? loaded.item : null;
        if (await client.get(recordId)) return null; // there, but in another diary now
        await writer.dropKeys([recordId]);
      }
      return null;
    },
  };
}
