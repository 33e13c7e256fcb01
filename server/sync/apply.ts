// applyPlan's step: performs one planned action against a side, then stores what the write
// returned (id, version, hash) and an audit entry in one small transaction. Storing the returned
// version is what turns the echo of our own write into a noop on the next read.
//
// Errors: RateLimited and AuthorizationRevoked stop the whole run (they concern every item);
// anything else fails this item only and is kept on its row.
import type { CalendarEvent } from './event.ts';
import { AuthorizationRevoked, NotFound, PreconditionFailed, RateLimited, SyncError } from './errors.ts';
import type { LinkStore } from './link-store.ts';
import { assertNever } from './plan.ts';
import type { SideName, SideState, SyncAction } from './plan-types.ts';
import type { CalendarSide, SideItem } from './side.ts';

export interface ApplyDeps {
  store: LinkStore;
  sides: Record<SideName, CalendarSide>;
  /** Items read in this run, by side and id: the sources of creates and updates. */
  seen: Record<SideName, Map<string, SideItem>>;
  /** What to write on `target` from `source`, given what the target holds now (profile rules). */
  write: (target: SideName, source: CalendarEvent, current: CalendarEvent | null) => CalendarEvent;
  hashOf: (side: SideName, event: CalendarEvent) => string;
  newKey: () => string;
  actor: string;
  now: () => Date;
  /** How long a deleted item stays restorable. */
  restoreDays: number;
}

export type Outcome =
  | { status: 'applied'; wrote: boolean }
  | { status: 'failed'; stableKey: string; message: string; retry: boolean };

const other = (s: SideName): SideName => (s === 'superoffice' ? 'calendar' : 'superoffice');

/** Throws only what must stop the run; every other failure comes back as a `failed` outcome, recorded on its row. */
export async function applyAction(planned: SyncAction, deps: ApplyDeps): Promise<Outcome> {
  // A new item's key is chosen before the write, so a failure is recorded under the key the
  // written copy may already carry, and the retry finds it.
  const action = planned.kind === 'create' && planned.stableKey === null ? { ...planned, stableKey: deps.newKey() } : planned;
  const key = 'stableKey' in action && action.stableKey !== null ? action.stableKey : null;
  try {
    return await perform(action, deps);
  } catch (err) {
    if (err instanceof RateLimited || err instanceof AuthorizationRevoked) throw err;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    // A changed-meanwhile or passing failure is worth a fresh look next run; a refused item is
    // retried only once it changes again, so a bad item cannot make every run fail anew.
    const retry = err instanceof PreconditionFailed || (err instanceof SyncError && err.retryable);
    if (key === null) return { status: 'failed', stableKey: '', message, retry };
    await deps.store.write((tx) => tx.markFailed(key, message, { dirty: retry, halves: sourceHalf(action), now: deps.now() }));
    return { status: 'failed', stableKey: key, message, retry };
  }
}

/** For a failed create of an item no row knows yet: its source half, marked as never synced. */
function sourceHalf(action: SyncAction): Partial<Record<SideName, SideState>> | undefined {
  if (action.kind !== 'create') return undefined;
  // Empty version and hash: the next run sees the item as changed and tries the create again.
  return { [other(action.side)]: { id: action.sourceId, version: '', hash: '' } };
}

async function perform(action: SyncAction, deps: ApplyDeps): Promise<Outcome> {
  const now = deps.now();
  switch (action.kind) {
    case 'create':
      return create(action, action.stableKey ?? deps.newKey(), deps);
    case 'update':
      return update(action, deps);
    case 'delete':
      return remove(action, deps);
    case 'link':
      await deps.store.write(async (tx) => {
        await tx.setHalf(action.stableKey, action.side, { id: action.id, version: action.version, hash: action.hash }, now);
      });
      return { status: 'applied', wrote: false };
    case 'noop':
      if (action.stableKey !== null && action.version !== undefined && action.hash !== undefined) {
        const state = { id: action.id, version: action.version, hash: action.hash };
        await deps.store.write((tx) => tx.setHalf(action.stableKey as string, action.side, state, now));
      }
      return { status: 'applied', wrote: false };
    case 'stamp': {
      const item = await sourceItem(action.side, action.id, deps);
      if (!item || item.version !== action.version) return { status: 'applied', wrote: false }; // changed since: the next run sees it
      const stamped = await deps.sides[action.side].update(action.id, { ...item.event, stableKey: action.stableKey }, action.version);
      await deps.store.write((tx) => tx.setHalf(action.stableKey, action.side, { id: stamped.id, version: stamped.version, hash: deps.hashOf(action.side, stamped.event) }, now));
      return { status: 'applied', wrote: false };
    }
    case 'forget':
      await deps.store.write((tx) => tx.setHalf(action.stableKey, action.side, null, now));
      return { status: 'applied', wrote: false };
    case 'conflict': {
      const message = 'Changed on both sides and the conflict policy could not decide; edit either copy to settle it.';
      await deps.store.write((tx) => tx.markFailed(action.stableKey, message, { dirty: false, now }));
      return { status: 'failed', stableKey: action.stableKey, message, retry: false };
    }
    case 'needs_confirmation':
      // The runner handles the held deletions as a whole; there is nothing to write per item.
      return { status: 'applied', wrote: false };
    default:
      return assertNever(action);
  }
}

async function sourceItem(side: SideName, id: string, deps: ApplyDeps): Promise<SideItem | null> {
  const seen = deps.seen[side].get(id);
  if (seen) return seen;
  return (await deps.sides[side].get([id])).get(id) ?? null;
}

type CreateLike = Extract<SyncAction, { kind: 'create' | 'update' }>;

async function create(action: CreateLike, key: string, deps: ApplyDeps): Promise<Outcome> {
  const target = action.side;
  const from = other(target);
  const src = await sourceItem(from, action.sourceId, deps);
  if (!src) return { status: 'applied', wrote: false }; // gone since it was read; the next run sees the delete
  const side = deps.sides[target];
  // Searched before every create: a retry, a crash after the write or a relink adopts instead.
  const existing = await side.findByStableKey(key);
  let result: SideItem;
  let before: CalendarEvent | null = null;
  if (existing) {
    const desired = { ...deps.write(target, src.event, existing.event), stableKey: key };
    result = existing;
    if (deps.hashOf(target, desired) !== deps.hashOf(target, existing.event)) {
      before = existing.event;
      result = await side.update(existing.id, desired, existing.version);
    }
  } else {
    result = await createOrRecover(side, { ...deps.write(target, src.event, null), stableKey: key });
  }
  const now = deps.now();
  await deps.store.write(async (tx) => {
    await tx.setHalf(key, from, { id: src.id, version: action.sourceVersion, hash: action.sourceHash }, now);
    await tx.setHalf(key, target, { id: result.id, version: result.version, hash: deps.hashOf(target, result.event) }, now);
    if (existing === null || before !== null) {
      await tx.audit({ actor: deps.actor, action: existing ? 'update' : 'create', side: target, itemId: result.id, before, after: result.event, reason: existing ? 'adopt_stable_key' : action.reason });
    }
  });
  // Only after the bookkeeping: the source carries the key too, so a relink finds both copies and pairs them.
  await stampSource(from, src, key, action, deps);
  return { status: 'applied', wrote: existing === null || before !== null };
}

/**
 * A create whose answer was lost may still have written the item: look it up by its key at once,
 * so the pair is recorded now rather than on the next run (by then its user may have deleted it).
 */
async function createOrRecover(side: CalendarSide, event: CalendarEvent): Promise<SideItem> {
  try {
    return await side.create(event);
  } catch (err) {
    if (err instanceof RateLimited || err instanceof AuthorizationRevoked || !event.stableKey) throw err;
    const written = await side.findByStableKey(event.stableKey).catch(() => null);
    if (written) return written;
    throw err;
  }
}

/**
 * An update whose answer was lost may have landed: read the item back at once, and if it holds
 * what we wrote, record it as written (left unrecorded, it would pass for an edit and, say, beat
 * a delete its user makes next).
 */
async function updateOrRecover(side: CalendarSide, id: string, desired: CalendarEvent, ifVersion: string, hash: (e: CalendarEvent) => string): Promise<SideItem> {
  try {
    return await side.update(id, desired, ifVersion);
  } catch (err) {
    if (!recoverable(err)) throw err;
    const now = (await side.get([id]).catch(() => undefined))?.get(id);
    if (now && now.version !== ifVersion && hash(now.event) === hash(desired)) return now;
    throw err;
  }
}

/** The same for a delete: gone when read back means deleted. */
async function deleteOrRecover(side: CalendarSide, id: string, ifVersion: string): Promise<void> {
  try {
    await side.delete(id, ifVersion);
  } catch (err) {
    if (!recoverable(err)) throw err;
    const found = await side.get([id]).catch(() => undefined);
    if (found && !found.has(id)) return;
    throw err;
  }
}

/** Failures after which the write may still have happened (not a refusal the side answered). */
function recoverable(err: unknown): boolean {
  return !(err instanceof RateLimited || err instanceof AuthorizationRevoked || err instanceof PreconditionFailed || err instanceof NotFound);
}

/**
 * Writes the stable key onto the user's own item, after the pair is safely recorded. Best effort:
 * if it fails, the pair is still linked and only a later relink would miss this one key. What
 * stops the run (rate limit, withdrawn access) still stops it.
 */
async function stampSource(side: SideName, src: SideItem, key: string, action: CreateLike, deps: ApplyDeps): Promise<void> {
  if (src.event.stableKey === key) return;
  let stamped: SideItem;
  try {
    stamped = await deps.sides[side].update(src.id, { ...src.event, stableKey: key }, src.version);
  } catch (err) {
    if (err instanceof RateLimited || err instanceof AuthorizationRevoked) throw err;
    return;
  }
  // The stamp moved the version; content is as planned unless the side rewrote it.
  const hash = stamped.version === src.version ? action.sourceHash : deps.hashOf(side, stamped.event);
  await deps.store.write((tx) => tx.setHalf(key, side, { id: stamped.id, version: stamped.version, hash }, deps.now()));
}

async function update(action: Extract<SyncAction, { kind: 'update' }>, deps: ApplyDeps): Promise<Outcome> {
  const target = action.side;
  const from = other(target);
  const src = await sourceItem(from, action.sourceId, deps);
  if (!src) return { status: 'applied', wrote: false };
  const current = await sourceItem(target, action.targetId, deps);
  if (!current) {
    // Deleted on the target while edited on the source: the edit wins, the item comes back.
    await deps.store.write((tx) => tx.setHalf(action.stableKey, target, null, deps.now()));
    return create({ ...action, kind: 'create', reason: 'edit_beats_delete' } as CreateLike, action.stableKey, deps);
  }
  const desired = { ...deps.write(target, src.event, current.event), stableKey: action.stableKey };
  let result = current;
  const wrote = deps.hashOf(target, desired) !== deps.hashOf(target, current.event);
  if (wrote) {
    try {
      result = await updateOrRecover(deps.sides[target], action.targetId, desired, action.ifVersion, (e) => deps.hashOf(target, e));
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      await deps.store.write((tx) => tx.setHalf(action.stableKey, target, null, deps.now()));
      return create({ ...action, kind: 'create', reason: 'edit_beats_delete' } as CreateLike, action.stableKey, deps);
    }
  }
  const now = deps.now();
  await deps.store.write(async (tx) => {
    await tx.setHalf(action.stableKey, from, { id: src.id, version: action.sourceVersion, hash: action.sourceHash }, now);
    await tx.setHalf(action.stableKey, target, { id: result.id, version: result.version, hash: deps.hashOf(target, result.event) }, now);
    if (wrote) await tx.audit({ actor: deps.actor, action: 'update', side: target, itemId: result.id, before: current.event, after: result.event, reason: action.reason });
  });
  // A source adopted after a lost bookkeeping write may still lack the key; it gets it now.
  await stampSource(from, src, action.stableKey, action, deps);
  return { status: 'applied', wrote };
}

async function remove(action: Extract<SyncAction, { kind: 'delete' }>, deps: ApplyDeps): Promise<Outcome> {
  const target = action.side;
  const current = await sourceItem(target, action.targetId, deps);
  if (current) {
    try {
      await deleteOrRecover(deps.sides[target], action.targetId, action.ifVersion);
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
    }
  }
  const now = deps.now();
  await deps.store.write(async (tx) => {
    await tx.tombstone(action.stableKey, { side: target, event: current?.event ?? null }, now, deps.restoreDays);
    await tx.audit({ actor: deps.actor, action: 'delete', side: target, itemId: action.targetId, before: current?.event ?? null, after: null, reason: action.reason });
  });
  return { status: 'applied', wrote: current !== null };
}
