// The sync engine's storage for one link: its link-table rows (synced_items), cursors, hints and
// the link's own sync state. Every query is scoped by tenant and link; writes that belong to one
// action go through `write`, one small transaction each, so a crash loses at most that action's
// bookkeeping (which the stable key then recovers).
import type { Knex } from 'knex';
import type { CalendarEvent } from './event.ts';
import type { LinkRow, SideName, SideState, SyncAction } from './plan-types.ts';

export interface StoredRow extends LinkRow {
  /** The last action on this row failed: the next run re-reads both of its items. */
  dirty: boolean;
  lastError: string | null;
}

/** States only an administrator sets and lifts; a run ending meanwhile does not overwrite them. */
const HELD_STATES = ['paused', 'unlinked'];

export interface LinkSyncState {
  state: string;
  /** The administrator's choice for this link; null: as the settings say. */
  direction: string | null;
  associateId: number;
  mailbox: string;
  settings: unknown;
  pendingDeletions: PendingDeletion[] | null;
  confirmDeletions: boolean;
}

/** A delete a mass-deletion guard held back, with what the admin needs to judge it. */
export type PendingDeletion = Extract<SyncAction, { kind: 'delete' }> & { title?: string; start?: string };

export interface AuditEntry {
  actor: string;
  action: string;
  side?: SideName;
  itemId?: string;
  before?: CalendarEvent | null;
  after?: CalendarEvent | null;
  reason?: string;
}

export interface Tombstone {
  /** The side we deleted the item from, and the item as it was, so a restore can write it back. */
  side: SideName;
  event: CalendarEvent | null;
}

const HALF_COLUMNS = {
  superoffice: { id: 'so_id', version: 'so_version', hash: 'so_hash' },
  calendar: { id: 'ext_id', version: 'ext_version', hash: 'ext_hash' },
} as const;

interface ItemRecord {
  stable_key: string;
  so_id: string | null;
  so_version: string | null;
  so_hash: string | null;
  ext_id: string | null;
  ext_version: string | null;
  ext_hash: string | null;
  state: 'active' | 'tombstone';
  dirty: boolean;
  last_error: string | null;
}

function half(id: string | null, version: string | null, hash: string | null): SideState | null {
  return id === null ? null : { id, version: version ?? '', hash: hash ?? '' };
}

export class LinkStore {
  constructor(
    private readonly db: Knex,
    readonly tenantId: string,
    readonly linkId: string,
  ) {}

  private scope() {
    return { tenant_id: this.tenantId, link_id: this.linkId };
  }

  async linkState(): Promise<LinkSyncState | null> {
    const row = await this.db('links')
      .where({ tenant_id: this.tenantId, id: this.linkId })
      .first('state', 'direction', 'associate_id', 'mailbox', 'settings', 'pending_deletions', 'confirm_deletions');
    if (!row) return null;
    return {
      state: row.state,
      direction: row.direction,
      associateId: row.associate_id,
      mailbox: row.mailbox,
      settings: row.settings,
      pendingDeletions: row.pending_deletions,
      confirmDeletions: row.confirm_deletions,
    };
  }

  async rows(): Promise<StoredRow[]> {
    const records: ItemRecord[] = await this.db('synced_items')
      .where(this.scope())
      .select('stable_key', 'so_id', 'so_version', 'so_hash', 'ext_id', 'ext_version', 'ext_hash', 'state', 'dirty', 'last_error');
    return records.map((r) => ({
      stableKey: r.stable_key,
      so: half(r.so_id, r.so_version, r.so_hash),
      ext: half(r.ext_id, r.ext_version, r.ext_hash),
      state: r.state,
      dirty: r.dirty,
      lastError: r.last_error,
    }));
  }

  async cursor(side: SideName): Promise<string | null> {
    const row = await this.db('cursors').where({ ...this.scope(), side }).first('value');
    return row ? (row.value as string) : null;
  }

  /**
   * Item ids a webhook or notification named since the last run, per side, and the database's
   * clock at reading: `finishRun` drops only hints older than that, so one that arrives during the
   * run (stamped by the same clock) survives for the next.
   */
  async hints(): Promise<{ ids: Record<SideName, string[]>; readAt: Date }> {
    const clock = await this.db.raw('select clock_timestamp() as t');
    const readAt = (clock.rows[0] as { t: Date }).t;
    const rows: Array<{ side: SideName; item_id: string }> = await this.db('sync_hints')
      .where(this.scope())
      .where('created_at', '<=', readAt)
      .select('side', 'item_id');
    const ids: Record<SideName, string[]> = { superoffice: [], calendar: [] };
    for (const r of rows) ids[r.side]?.push(r.item_id);
    return { ids, readAt };
  }

  /**
   * Ends a run that read everything it planned from: the cursors move on and the hints it read are
   * dropped, in one transaction, after every action was applied or recorded. Hints that arrived
   * while the run was going (later than `readAt`) stay for the next run.
   */
  async finishRun(opts: {
    cursors: Partial<Record<SideName, string | null>>;
    hintsRead: Record<SideName, string[]>;
    readAt: Date;
    state: string;
    lastError: string | null;
    pendingDeletions?: PendingDeletion[] | null;
    now: Date;
  }): Promise<void> {
    await this.db.transaction(async (trx) => {
      for (const [side, value] of Object.entries(opts.cursors) as Array<[SideName, string | null]>) {
        if (value === null) {
          await trx('cursors').where({ ...this.scope(), side }).delete();
        } else {
          await trx('cursors')
            .insert({ ...this.scope(), side, value, updated_at: opts.now })
            .onConflict(['link_id', 'side'])
            .merge(['value', 'updated_at']);
        }
      }
      for (const side of ['superoffice', 'calendar'] as const) {
        const ids = opts.hintsRead[side];
        if (ids.length === 0) continue;
        await trx('sync_hints').where({ ...this.scope(), side }).whereIn('item_id', ids).where('created_at', '<=', opts.readAt).delete();
      }
      const patch: Record<string, unknown> = { state: opts.state, last_error: opts.lastError, last_sync_at: opts.now, updated_at: opts.now };
      if (opts.pendingDeletions !== undefined) patch.pending_deletions = opts.pendingDeletions === null ? null : JSON.stringify(opts.pendingDeletions);
      // An administrator who paused or unlinked the link while this run was under way has the
      // last word: the run records itself but does not set the link going again.
      await trx('links').where({ tenant_id: this.tenantId, id: this.linkId }).update(patch).whereNotIn('state', HELD_STATES);
      await trx('links').where({ tenant_id: this.tenantId, id: this.linkId }).whereIn('state', HELD_STATES).update({ last_sync_at: opts.now, updated_at: opts.now });
    });
  }

  /** A run that could not go on (authorisation withdrawn, say): the link says why, nothing else moves. */
  async stopLink(state: string, reason: string, now: Date): Promise<void> {
    await this.db('links').where({ tenant_id: this.tenantId, id: this.linkId }).whereNotIn('state', HELD_STATES).update({ state, last_error: reason, updated_at: now });
  }

  async clearConfirmedDeletions(now: Date): Promise<void> {
    await this.db('links')
      .where({ tenant_id: this.tenantId, id: this.linkId })
      .update({ confirm_deletions: false, pending_deletions: null, updated_at: now });
  }

  /** Drops tombstones whose restore window has passed. */
  async purgeTombstones(now: Date): Promise<number> {
    return this.db('synced_items').where({ ...this.scope(), state: 'tombstone' }).where('restorable_until', '<', now).delete();
  }

  async tombstoneOf(stableKey: string): Promise<{ tombstone: Tombstone | null; restorableUntil: Date | null } | null> {
    const row = await this.db('synced_items')
      .where({ ...this.scope(), stable_key: stableKey, state: 'tombstone' })
      .first('tombstone', 'restorable_until');
    return row ? { tombstone: row.tombstone as Tombstone | null, restorableUntil: row.restorable_until as Date | null } : null;
  }

  /** Runs one action's bookkeeping in its own transaction. */
  async write<T>(fn: (tx: LinkStoreTx) => Promise<T>): Promise<T> {
    return this.db.transaction((trx) => fn(new LinkStoreTx(trx, this.tenantId, this.linkId)));
  }
}

export class LinkStoreTx {
  constructor(
    private readonly trx: Knex.Transaction,
    private readonly tenantId: string,
    private readonly linkId: string,
  ) {}

  private scope() {
    return { tenant_id: this.tenantId, link_id: this.linkId };
  }

  /**
   * Sets (or clears, with null) one side's half of the row with this stable key, creating the row
   * when needed. An item id belongs to one row: a stale row that still claims it lets go. A row
   * left with no half is removed. Success also clears the row's error.
   */
  async setHalf(stableKey: string, side: SideName, state: SideState | null, now: Date): Promise<void> {
    const cols = HALF_COLUMNS[side];
    if (state) {
      const stale = await this.trx('synced_items')
        .where({ ...this.scope(), [cols.id]: state.id })
        .whereNot('stable_key', stableKey)
        .update({ [cols.id]: null, [cols.version]: null, [cols.hash]: null, updated_at: now });
      if (stale > 0) await this.removeEmpty();
    }
    const values = {
      [cols.id]: state?.id ?? null,
      [cols.version]: state?.version ?? null,
      [cols.hash]: state?.hash ?? null,
    };
    await this.trx('synced_items')
      .insert({ ...this.scope(), stable_key: stableKey, ...values, state: 'active', last_synced_at: now, updated_at: now })
      .onConflict(['tenant_id', 'stable_key'])
      // The key may have moved here from another link of the tenant (an appointment handed to
      // another user's diary); the row follows it.
      .merge({ ...values, link_id: this.linkId, dirty: false, last_error: null, last_synced_at: now, updated_at: now });
    await this.removeEmpty();
  }

  /** Records a failed action on its row, creating the row (with the halves given) when it has none yet. */
  async markFailed(stableKey: string, error: string, opts: { dirty: boolean; halves?: Partial<Record<SideName, SideState>>; now: Date }): Promise<void> {
    const values: Record<string, unknown> = {};
    for (const [side, state] of Object.entries(opts.halves ?? {}) as Array<[SideName, SideState]>) {
      const cols = HALF_COLUMNS[side];
      values[cols.id] = state.id;
      values[cols.version] = state.version;
      values[cols.hash] = state.hash;
    }
    const existing = await this.trx('synced_items').where({ ...this.scope(), stable_key: stableKey }).first('id');
    if (existing) {
      await this.trx('synced_items')
        .where({ ...this.scope(), stable_key: stableKey })
        .update({ dirty: opts.dirty, last_error: error.slice(0, 2000), updated_at: opts.now });
      return;
    }
    if (Object.keys(values).length === 0) return;
    await this.trx('synced_items').insert({
      ...this.scope(),
      stable_key: stableKey,
      ...values,
      state: 'active',
      dirty: opts.dirty,
      last_error: error.slice(0, 2000),
      updated_at: opts.now,
    });
  }

  /** The item was deleted on both sides by us and its owner: keep what it was, restorable for `days`. */
  async tombstone(stableKey: string, tombstone: Tombstone, now: Date, days: number): Promise<void> {
    await this.trx('synced_items')
      .where({ ...this.scope(), stable_key: stableKey })
      .update({
        state: 'tombstone',
        tombstone: JSON.stringify(tombstone),
        deleted_at: now,
        restorable_until: new Date(now.getTime() + days * 86_400_000),
        dirty: false,
        last_error: null,
        updated_at: now,
      });
  }

  /** Brings a tombstone back as an active row whose one half must be synced again. */
  async revive(stableKey: string, side: SideName, state: SideState, now: Date): Promise<void> {
    const cols = HALF_COLUMNS[side];
    const otherCols = HALF_COLUMNS[side === 'superoffice' ? 'calendar' : 'superoffice'];
    await this.trx('synced_items')
      .where({ ...this.scope(), stable_key: stableKey })
      .update({
        state: 'active',
        [cols.id]: state.id,
        [cols.version]: state.version,
        [cols.hash]: state.hash,
        [otherCols.id]: null,
        [otherCols.version]: null,
        [otherCols.hash]: null,
        tombstone: null,
        deleted_at: null,
        restorable_until: null,
        dirty: true,
        last_error: null,
        updated_at: now,
      });
  }

  async audit(e: AuditEntry): Promise<void> {
    await this.trx('audit_log').insert({
      tenant_id: this.tenantId,
      link_id: this.linkId,
      actor: e.actor,
      action: e.action,
      side: e.side ?? null,
      item_id: e.itemId ?? null,
      before: e.before === undefined ? null : JSON.stringify(e.before),
      after: e.after === undefined ? null : JSON.stringify(e.after),
      reason: e.reason ?? null,
    });
  }

  private async removeEmpty(): Promise<void> {
    await this.trx('synced_items').where({ ...this.scope(), state: 'active' }).whereNull('so_id').whereNull('ext_id').delete();
  }
}
