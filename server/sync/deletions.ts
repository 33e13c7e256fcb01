// What an administrator (or a user, for their own items) can do about deletions: confirm or reject
// a mass deletion a run held back, and restore a deleted item while its tombstone lasts. Each
// leaves the link ready for its next run, which the caller enqueues.
import type { Knex } from 'knex';
import type { CalendarSide } from './side.ts';
import type { LinkStore, PendingDeletion } from './link-store.ts';
import type { SideName } from './plan-types.ts';

export class NotRestorable extends Error {
  override readonly name = 'NotRestorable';
}

export class NothingToConfirm extends Error {
  override readonly name = 'NothingToConfirm';
}

const other = (s: SideName): SideName => (s === 'superoffice' ? 'calendar' : 'superoffice');

async function pendingOf(db: Knex, tenantId: string, linkId: string): Promise<PendingDeletion[]> {
  const link = await db('links').where({ tenant_id: tenantId, id: linkId }).first('state', 'pending_deletions');
  if (!link || link.state !== 'needs_confirmation' || !Array.isArray(link.pending_deletions)) {
    throw new NothingToConfirm('This link has no deletions waiting for confirmation.');
  }
  return link.pending_deletions as PendingDeletion[];
}

/** The held deletions go ahead on the next run (each still checked against the version it was planned on). */
export async function confirmDeletions(db: Knex, tenantId: string, linkId: string, actor: string): Promise<number> {
  const pending = await pendingOf(db, tenantId, linkId);
  await db.transaction(async (trx) => {
    await trx('links').where({ tenant_id: tenantId, id: linkId }).update({ state: 'active', confirm_deletions: true, last_error: null, updated_at: trx.fn.now() });
    await trx('audit_log').insert({ tenant_id: tenantId, link_id: linkId, actor, action: 'confirm_deletions', reason: `${pending.length} deletions confirmed` });
  });
  return pending.length;
}

/**
 * The held deletions are refused: the items deleted on one side are written back there from the
 * copies that survived. The surviving half is marked unsynced, so the next run recreates the other.
 */
export async function rejectDeletions(db: Knex, tenantId: string, linkId: string, actor: string): Promise<number> {
  const pending = await pendingOf(db, tenantId, linkId);
  await db.transaction(async (trx) => {
    for (const d of pending) {
      const survivor = d.side === 'superoffice' ? 'so' : 'ext';
      const gone = other(d.side) === 'superoffice' ? 'so' : 'ext';
      await trx('synced_items')
        .where({ tenant_id: tenantId, link_id: linkId, stable_key: d.stableKey, state: 'active' })
        .update({
          [`${gone}_id`]: null,
          [`${gone}_version`]: null,
          [`${gone}_hash`]: null,
          [`${survivor}_version`]: '',
          [`${survivor}_hash`]: '',
          dirty: true,
          updated_at: trx.fn.now(),
        });
    }
    await trx('links')
      .where({ tenant_id: tenantId, id: linkId })
      .update({ state: 'active', pending_deletions: null, confirm_deletions: false, last_error: null, updated_at: trx.fn.now() });
    await trx('audit_log').insert({ tenant_id: tenantId, link_id: linkId, actor, action: 'reject_deletions', reason: `${pending.length} deletions rejected; items restored` });
  });
  return pending.length;
}

/**
 * Writes a deleted item back on the side we deleted it from, with its stable key, and revives its
 * row; the next run recreates the other copy. Refused once the 30 days have passed.
 */
export async function restoreItem(opts: {
  store: LinkStore;
  sides: Record<SideName, CalendarSide>;
  stableKey: string;
  actor: string;
  now: Date;
}): Promise<{ side: SideName; id: string }> {
  const found = await opts.store.tombstoneOf(opts.stableKey);
  if (!found) throw new NotRestorable('No deleted item with this key on this link.');
  if (!found.restorableUntil || found.restorableUntil < opts.now) throw new NotRestorable('The 30-day restore window of this item has passed.');
  const snapshot = found.tombstone;
  if (!snapshot?.event) throw new NotRestorable('The item was already gone on both sides; there is nothing to restore from.');
  const side = opts.sides[snapshot.side];
  // A restore that was interrupted after its write must not write a second copy.
  const item = (await side.findByStableKey(opts.stableKey)) ?? (await side.create({ ...snapshot.event, stableKey: opts.stableKey }));
  await opts.store.write(async (tx) => {
    await tx.revive(opts.stableKey, snapshot.side, { id: item.id, version: '', hash: '' }, opts.now);
    await tx.audit({ actor: opts.actor, action: 'restore', side: snapshot.side, itemId: item.id, before: null, after: item.event, reason: 'restore' });
  });
  return { side: snapshot.side, id: item.id };
}
