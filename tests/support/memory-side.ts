// An in-memory CalendarSide for engine tests. It keeps the contract of server/sync/side.ts the way
// a real provider does (versions that move on every write, preconditions, a change log whose
// cursors expire, copies in and out), so an engine test that passes against it means something,
// and it adds what no real provider offers a test: edits behind the engine's back and scripted
// faults. Provider behaviour itself is tested against the simulators, not here.
import { CursorExpired, NotFound, PreconditionFailed } from '../../server/sync/errors.ts';
import type { CalendarEvent } from '../../server/sync/event.ts';
import type { CalendarSide, ChangePage, SideCapabilities, SideChange, SideItem, Version } from '../../server/sync/side.ts';

export type SideMethod = 'listChanges' | 'get' | 'create' | 'update' | 'delete' | 'findByStableKey';
export type WriteMethod = 'create' | 'update' | 'delete';

export interface MemorySideOptions {
  /** Id prefix (`<name>-<n>`); cursors carry it too, so one side refuses another's cursor. */
  name: string;
  /** The link's sync window (ISO instants); full reads leave out items that do not overlap it. */
  window?: { from: string; to: string };
  capabilities?: Partial<SideCapabilities>;
  /** Source of `modifiedAt`, called once per write; the default advances 1 s per call. */
  now?: () => string;
  /** Change-log entries kept; a cursor that needs an older one is expired. Default: all. */
  cursorHorizon?: number;
  /**
   * False makes delta reads leave deletions out, as SuperOffice's change feed does: the engine
   * then learns of a delete only from a hint (a webhook) or a full read. Default true.
   */
  deletionsInDelta?: boolean;
}

interface Stored {
  id: string;
  version: Version;
  event: CalendarEvent;
  modifiedAt: string;
  /** Sequence number of the item's last write: orders reads and bounds an incomplete one. */
  seq: number;
}

const DAY_MS = 86_400_000;

export class MemorySide implements CalendarSide {
  readonly name: string;
  readonly capabilities: SideCapabilities;
  /** Every call of a contract method, counted on entry (calls that then fail included). */
  readonly calls: Record<SideMethod, number> = { listChanges: 0, get: 0, create: 0, update: 0, delete: 0, findByStableKey: 0 };
  private window: { from: number; to: number } | undefined;
  private readonly now: () => string;
  private readonly horizon: number;
  private readonly items = new Map<string, Stored>();
  private readonly byKey = new Map<string, Set<string>>();
  private readonly log: Array<{ id: string; seq: number }> = [];
  private seq = 0;
  private nextId = 1;
  private epoch = 0;
  private incompleteReads = 0;
  private readonly deletionsInDelta: boolean;
  private readonly failBefore = new Map<SideMethod, Error[]>();
  private readonly failAfter = new Map<WriteMethod, Error[]>();

  constructor(options: MemorySideOptions) {
    this.name = options.name;
    this.capabilities = { readOnly: false, noDelete: false, recurrence: true, ...options.capabilities };
    if (options.window) this.rebindWindow(options.window);
    this.deletionsInDelta = options.deletionsInDelta ?? true;
    let ticks = 0;
    this.now = options.now ?? (() => new Date(Date.UTC(2026, 0, 1) + 1000 * ++ticks).toISOString());
    this.horizon = options.cursorHorizon ?? Infinity;
    if (!(this.horizon >= 0)) throw new RangeError(`MemorySide ${this.name}: bad cursorHorizon ${this.horizon}`);
  }

  /** The window a new binding of this calendar would get (the job builds sides per run, bound to the profile's window). */
  rebindWindow(window: { from: string; to: string }): void {
    const from = Date.parse(window.from);
    const to = Date.parse(window.to);
    if (!(from < to)) throw new RangeError(`MemorySide ${this.name}: bad window ${window.from} .. ${window.to}`);
    this.window = { from, to };
  }

  // ---- the contract ----

  async listChanges(cursor: string | null): Promise<ChangePage> {
    this.enter('listChanges');
    const from = cursor === null ? null : this.parseCursor(cursor);
    let entries: Array<{ change: SideChange; seq: number }>;
    if (from === null) {
      entries = [...this.items.values()]
        .filter((s) => this.inWindow(s.event))
        .sort((a, b) => a.seq - b.seq)
        .map((s) => ({ change: copy(s), seq: s.seq }));
    } else {
      // Last write per id, ordered by that write; delete-then-set moves an id to the end.
      const last = new Map<string, number>();
      for (const e of this.log) {
        if (e.seq <= from) continue;
        last.delete(e.id);
        last.set(e.id, e.seq);
      }
      entries = [...last].flatMap(([id, seq]) => {
        const s = this.items.get(id);
        if (!s && !this.deletionsInDelta) return [];
        return [{ change: s ? copy(s) : { id, deleted: true as const }, seq }];
      });
    }
    let through = this.seq;
    let complete = true;
    if (this.incompleteReads > 0) {
      this.incompleteReads--;
      const keep = Math.ceil(entries.length / 2);
      // Every change left out was written after the last one handed out, so a delta from there
      // reports it: the cursor of a cut-short read is safe to store, it just says less.
      through = entries[keep - 1]?.seq ?? from ?? this.seq;
      entries = entries.slice(0, keep);
      complete = false;
    }
    return { changes: entries.map((e) => e.change), nextCursor: `${this.name}:${this.epoch}:${through}`, complete };
  }

  async get(ids: readonly string[]): Promise<Map<string, SideItem>> {
    this.enter('get');
    const found = new Map<string, SideItem>();
    for (const id of ids) {
      const s = this.items.get(id);
      if (s) found.set(id, copy(s));
    }
    return found;
  }

  async create(event: CalendarEvent): Promise<SideItem> {
    this.enter('create');
    this.refuse('create');
    const stored = this.write(this.newId(), event);
    this.afterWrite('create');
    return copy(stored);
  }

  async update(id: string, event: CalendarEvent, ifVersion: Version): Promise<SideItem> {
    this.enter('update');
    this.refuse('update');
    const current = this.expect(id, ifVersion);
    // The stamp is not a synced field: like a provider's extended property it survives an update
    // that does not mention it.
    const next = event.stableKey === undefined && current.event.stableKey !== undefined ? { ...event, stableKey: current.event.stableKey } : event;
    const stored = this.write(id, next);
    this.afterWrite('update');
    return copy(stored);
  }

  async delete(id: string, ifVersion: Version): Promise<void> {
    this.enter('delete');
    this.refuse('delete');
    this.expect(id, ifVersion);
    this.remove(id);
    this.afterWrite('delete');
  }

  async findByStableKey(key: string): Promise<SideItem | null> {
    this.enter('findByStableKey');
    for (const id of this.byKey.get(key) ?? []) {
      const s = this.items.get(id);
      if (s) return copy(s);
    }
    return null;
  }

  // ---- a person editing their calendar, behind the engine's back (no counters, no faults) ----

  userCreate(event: CalendarEvent): SideItem {
    return copy(this.write(this.newId(), event));
  }

  userUpdate(id: string, patch: Partial<CalendarEvent>): SideItem {
    return copy(this.write(id, { ...this.live(id).event, ...patch }));
  }

  userDelete(id: string): void {
    this.live(id);
    this.remove(id);
  }

  /** A new version with the same content, as providers do when they rewrite an item unasked. */
  touch(id: string): SideItem {
    return copy(this.write(id, this.live(id).event));
  }

  /** Every live item, in creation order, as copies. */
  snapshot(): SideItem[] {
    return [...this.items.values()].map(copy);
  }

  /** Number of live items. */
  get size(): number {
    return this.items.size;
  }

  // ---- fault knobs ----

  /** The next `times` calls of `method` throw `error` before doing anything. */
  failNext(method: SideMethod, error: Error, times = 1): void {
    const queue = this.failBefore.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(error);
    this.failBefore.set(method, queue);
  }

  /**
   * The next `times` calls of `method` that do write throw `error` after the write: a crash or a
   * lost response between the write and its bookkeeping. A call refused before writing does not
   * use one up.
   */
  failAfterWrite(method: WriteMethod, error: Error, times = 1): void {
    const queue = this.failAfter.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(error);
    this.failAfter.set(method, queue);
  }

  /** The next listChanges that returns hands out only the first half of its changes, complete: false. */
  incompleteNextRead(): void {
    this.incompleteReads++;
  }

  /** Drops every scripted fault that has not fired yet: "the faults stop". */
  clearFaults(): void {
    this.failBefore.clear();
    this.failAfter.clear();
    this.incompleteReads = 0;
  }

  /** Every cursor issued so far, the newest included, is refused with CursorExpired. */
  expireCursors(): void {
    this.epoch++;
  }

  // ---- internals ----

  private enter(method: SideMethod): void {
    this.calls[method]++;
    const error = this.failBefore.get(method)?.shift();
    if (error) throw error;
  }

  private afterWrite(method: WriteMethod): void {
    const error = this.failAfter.get(method)?.shift();
    if (error) throw error;
  }

  // The engine must not plan these (capabilities say so): a bug to surface, not a domain error.
  private refuse(method: WriteMethod): void {
    if (this.capabilities.readOnly) throw new Error(`MemorySide ${this.name}: ${method} on a read-only side`);
    if (method === 'delete' && this.capabilities.noDelete) throw new Error(`MemorySide ${this.name}: delete on a no-delete side`);
  }

  private newId(): string {
    return `${this.name}-${this.nextId++}`;
  }

  private live(id: string): Stored {
    const s = this.items.get(id);
    if (!s) throw new NotFound(id);
    return s;
  }

  private expect(id: string, ifVersion: Version): Stored {
    const s = this.live(id);
    if (s.version !== ifVersion) throw new PreconditionFailed(id);
    return s;
  }

  private write(id: string, event: CalendarEvent): Stored {
    extent(event); // a malformed fixture fails here, not silently in a later read
    this.unindex(id);
    const seq = this.append(id);
    const stored: Stored = { id, version: `v${seq}`, event: structuredClone(event), modifiedAt: this.now(), seq };
    this.items.set(id, stored);
    const key = stored.event.stableKey;
    if (key !== undefined) this.byKey.set(key, (this.byKey.get(key) ?? new Set<string>()).add(id));
    return stored;
  }

  private remove(id: string): void {
    this.unindex(id);
    this.items.delete(id);
    this.append(id);
  }

  private unindex(id: string): void {
    const key = this.items.get(id)?.event.stableKey;
    if (key === undefined) return;
    const ids = this.byKey.get(key);
    ids?.delete(id);
    if (ids?.size === 0) this.byKey.delete(key);
  }

  private append(id: string): number {
    this.log.push({ id, seq: ++this.seq });
    if (this.log.length > this.horizon) this.log.splice(0, this.log.length - this.horizon);
    return this.seq;
  }

  private parseCursor(cursor: string): number {
    const m = /^(.*):(\d+):(\d+)$/.exec(cursor);
    if (!m || m[1] !== this.name) throw new CursorExpired(`cursor ${JSON.stringify(cursor)} is not one of ${this.name}'s`);
    const seq = Number(m[3]);
    if (Number(m[2]) !== this.epoch) throw new CursorExpired(`cursor ${cursor} has expired`);
    if (seq > this.seq) throw new CursorExpired(`cursor ${cursor} was never issued`);
    // The log holds seq (this.seq - log.length, this.seq]; a delta from `seq` needs all after it.
    if (seq < this.seq - this.log.length) throw new CursorExpired(`cursor ${cursor} is older than the change log`);
    return seq;
  }

  private inWindow(event: CalendarEvent): boolean {
    if (!this.window) return true;
    const [start, end] = extent(event);
    // A zero-length event is a point in time: inside when its start is.
    return start < this.window.to && Math.max(end, start + 1) > this.window.from;
  }
}

function copy(s: Stored): SideItem {
  return { id: s.id, version: s.version, event: structuredClone(s.event), modifiedAt: s.modifiedAt };
}

/** [start, end) in epoch ms; all-day dates as UTC days. Throws TypeError on a malformed timing. */
function extent(event: CalendarEvent): [number, number] {
  const t = event.timing;
  const start = t.allDay ? utcDay(t.startDate) : Date.parse(t.start.instant);
  const end = t.allDay ? utcDay(t.endDate) : Date.parse(t.end.instant);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) throw new TypeError(`MemorySide: malformed timing ${JSON.stringify(t)}`);
  const range = event.recurrence?.range;
  if (!range) return [start, end];
  // Expanding a series is the providers' job; the double over-includes a little (zone offsets,
  // the last occurrence's length) rather than hide a series with occurrences in the window.
  if (range.type !== 'endDate') return [start, Infinity];
  const last = utcDay(range.endDate);
  if (Number.isNaN(last)) throw new TypeError(`MemorySide: malformed recurrence end ${range.endDate}`);
  return [start, Math.max(end, last + 2 * DAY_MS + (end - start))];
}

function utcDay(date: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00.000Z`) : NaN;
}
