// planSync: the decision step of the engine, with no I/O and no clock. It is vdirsyncer's
// _get_actions fed with delta reads instead of full listings: for every link row (and every
// change no row knows), look at what each side did since the last agreed state and return one
// action per write, each with a reason code. applyPlan performs them; because it stores the
// version and hash each write returned, the echo of our own write plans as a noop.
import type {
  Change,
  LinkRow,
  PlanInput,
  Reason,
  SideName,
  SideRead,
  SideState,
  SyncAction,
  SyncPolicy,
} from './plan-types.ts';
import { DEFAULT_MASS_DELETION } from './plan-types.ts';

/** What one side did to one item since the last agreed state. */
type Status =
  | { kind: 'unchanged'; state: SideState }
  | { kind: 'version_only'; state: SideState }
  | { kind: 'changed'; state: SideState; modifiedAt?: string }
  | { kind: 'deleted' };

type Present = Exclude<Status, { kind: 'deleted' }>;

export function planSync(input: PlanInput): SyncAction[] {
  const { policy } = input;
  if (policy.direction === 'off') return [];
  const so = latestById(input.superoffice);
  const ext = latestById(input.calendar);
  const soGone = absenceMeansGone(input.superoffice, input.links, 'so');
  const extGone = absenceMeansGone(input.calendar, input.links, 'ext');
  const seenSo = new Set<string>();
  const seenExt = new Set<string>();
  const actions: SyncAction[] = [];

  for (const row of input.links) {
    if (row.so) seenSo.add(row.so.id);
    if (row.ext) seenExt.add(row.ext.id);
    if (row.state === 'tombstone') {
      // A late or duplicated notification must not bring back what was deleted; restoring is explicit.
      for (const [half, side, reads] of [[row.so, 'superoffice', so], [row.ext, 'calendar', ext]] as const) {
        const c = half ? reads.get(half.id) : undefined;
        if (half && c && !c.deleted) actions.push({ kind: 'noop', side, reason: 'tombstoned', stableKey: row.stableKey, id: half.id });
      }
      continue;
    }
    const a = row.so ? statusOf(row.so, so.get(row.so.id), soGone) : null;
    const b = row.ext ? statusOf(row.ext, ext.get(row.ext.id), extGone) : null;
    actions.push(...decide(row, a, b, input));
  }

  // Changes no row knows: new items, or items we created whose bookkeeping was lost.
  for (const [reads, seen, side] of [[so, seenSo, 'superoffice'], [ext, seenExt, 'calendar']] as const) {
    for (const c of reads.values()) {
      if (seen.has(c.id) || c.deleted) continue;
      const half = side === 'superoffice' ? 'so' : 'ext';
      const owner = c.stableKey ? input.links.find((r) => r.stableKey === c.stableKey && r[half] === null) : undefined;
      if (owner) {
        actions.push({ kind: 'link', side, reason: 'adopt_stable_key', stableKey: owner.stableKey, id: c.id, version: c.version, hash: c.hash });
        continue;
      }
      const target = other(side);
      const reason: Reason = side === 'superoffice' ? 'new_in_superoffice' : 'new_in_calendar';
      actions.push(
        allowed(policy, target)
          ? { kind: 'create', side: target, reason, stableKey: c.stableKey ?? null, ...source(c) }
          : { kind: 'noop', side: target, reason: 'direction_blocks', stableKey: null, id: c.id },
      );
    }
  }
  return guardMassDeletion(actions, input);
}

function decide(row: LinkRow, a: Status | null, b: Status | null, input: PlanInput): SyncAction[] {
  const key = row.stableKey;
  const { policy } = input;
  if (a === null && b === null) return [{ kind: 'forget', side: 'superoffice', reason: 'deleted_on_both', stableKey: key }];
  // A half row: the other side has no item. vdirsyncer's "present in A only" rows.
  if (a === null || b === null) {
    const [side, s] = a === null ? (['calendar', b] as const) : (['superoffice', a] as const);
    if (s === null) return [];
    if (s.kind === 'deleted') return [{ kind: 'forget', side, reason: deletedReason(side), stableKey: key }];
    if (s.kind === 'changed') return [writeOrBlock(policy, { kind: 'create', side: other(side), reason: 'missing_on_other_side', stableKey: key, ...fromState(s.state) }, s.state.id)];
    return refresh(side, s, key);
  }
  if (a.kind === 'deleted' && b.kind === 'deleted') {
    return [
      { kind: 'forget', side: 'superoffice', reason: 'deleted_on_both', stableKey: key },
      { kind: 'forget', side: 'calendar', reason: 'deleted_on_both', stableKey: key },
    ];
  }
  if (a.kind === 'deleted' || b.kind === 'deleted') {
    const [gone, there, thereSide] = a.kind === 'deleted' ? (['superoffice', b, 'calendar'] as const) : (['calendar', a, 'superoffice'] as const);
    if (there.kind === 'deleted') return [];
    if (there.kind === 'changed') {
      // Edited on one side while deleted on the other: the edit wins and the item comes back.
      return [writeOrBlock(policy, { kind: 'create', side: gone, reason: 'edit_beats_delete', stableKey: key, ...fromState(there.state) }, there.state.id)];
    }
    if (!allowed(policy, thereSide)) {
      // The deletion may not travel; the surviving item stays, unpaired.
      return [{ kind: 'forget', side: gone, reason: 'direction_blocks', stableKey: key }];
    }
    return [{ kind: 'delete', side: thereSide, reason: deletedReason(gone), stableKey: key, targetId: there.state.id, ifVersion: there.state.version }];
  }
  const aChanged = a.kind === 'changed';
  const bChanged = b.kind === 'changed';
  if (aChanged && bChanged) {
    if (a.state.hash === b.state.hash) return [...refresh('superoffice', a, key, 'same_content'), ...refresh('calendar', b, key, 'same_content')];
    const verdict = resolve(a, b, input);
    if (verdict === null) return [{ kind: 'conflict', side: 'superoffice', reason: 'conflict_undecidable', stableKey: key }];
    const [winner, loser] = verdict.winner === 'superoffice' ? [a, b] : [b, a];
    return [update(policy, other(verdict.winner), verdict.reason, key, winner.state, loser.state)];
  }
  if (aChanged) return [update(policy, 'calendar', 'changed_in_superoffice', key, a.state, b.state), ...refreshIfBlocked(policy, 'calendar', b, key)];
  if (bChanged) return [update(policy, 'superoffice', 'changed_in_calendar', key, b.state, a.state), ...refreshIfBlocked(policy, 'superoffice', a, key)];
  return [...refresh('superoffice', a, key), ...refresh('calendar', b, key)];
}

function resolve(a: Present, b: Present, input: PlanInput): { winner: SideName; reason: Reason } | null {
  const { direction, conflict } = input.policy;
  // One-way links have a source of truth whatever the conflict policy says.
  if (direction === 'to_calendar') return { winner: 'superoffice', reason: 'conflict_direction_source_wins' };
  if (direction === 'to_superoffice') return { winner: 'calendar', reason: 'conflict_direction_source_wins' };
  if (conflict === 'superoffice_wins') return { winner: 'superoffice', reason: 'conflict_superoffice_wins' };
  if (conflict === 'calendar_wins') return { winner: 'calendar', reason: 'conflict_calendar_wins' };
  const ta = modified(a, input.now);
  const tb = modified(b, input.now);
  if (ta === null || tb === null) return null;
  // A tie goes to SuperOffice, the system of record, so the outcome never depends on read order.
  return { winner: tb > ta ? 'calendar' : 'superoffice', reason: 'conflict_newest_wins' };
}

function modified(s: Present, now: string): number | null {
  const at = s.kind === 'changed' && s.modifiedAt ? Date.parse(s.modifiedAt) : NaN;
  if (Number.isNaN(at)) return null;
  return Math.min(at, Date.parse(now));
}

function update(policy: SyncPolicy, side: SideName, reason: Reason, key: string, from: SideState, target: SideState): SyncAction {
  return writeOrBlock(policy, { kind: 'update', side, reason, stableKey: key, targetId: target.id, ifVersion: target.version, ...fromState(from) }, target.id);
}

function writeOrBlock(policy: SyncPolicy, action: Extract<SyncAction, { kind: 'create' | 'update' }>, idForNoop: string): SyncAction {
  if (allowed(policy, action.side)) return action;
  return { kind: 'noop', side: action.side, reason: 'direction_blocks', stableKey: action.stableKey, id: idForNoop };
}

// When the write to this side is blocked, its own version-only change still needs storing.
function refreshIfBlocked(policy: SyncPolicy, side: SideName, s: Present, key: string): SyncAction[] {
  return allowed(policy, side) ? [] : refresh(side, s, key).filter((x) => x.kind === 'noop' && x.version !== undefined);
}

/** Noop that stores a new version when only the version moved (or the content converged). */
function refresh(side: SideName, s: Present, key: string, reason?: Reason): SyncAction[] {
  if (s.kind === 'unchanged') return [];
  return [{ kind: 'noop', side, reason: reason ?? 'version_only_change', stableKey: key, id: s.state.id, version: s.state.version, hash: s.state.hash }];
}

function statusOf(stored: SideState, change: Change | undefined, goneIfAbsent: boolean): Status {
  if (change === undefined) return goneIfAbsent ? { kind: 'deleted' } : { kind: 'unchanged', state: stored };
  if (change.deleted) return { kind: 'deleted' };
  const state = { id: change.id, version: change.version, hash: change.hash };
  if (change.version === stored.version) return { kind: 'unchanged', state: stored };
  if (change.hash === stored.hash) return { kind: 'version_only', state };
  return change.modifiedAt === undefined ? { kind: 'changed', state } : { kind: 'changed', state, modifiedAt: change.modifiedAt };
}

/**
 * Absence means deleted only after a complete full read that returned something: a failed,
 * partial or empty read never deletes (vdirsyncer's StorageEmpty).
 */
function absenceMeansGone(read: SideRead, links: readonly LinkRow[], half: 'so' | 'ext'): boolean {
  if (read.mode !== 'full' || !read.complete) return false;
  const present = read.changes.some((c) => !c.deleted);
  return present || !links.some((r) => r.state === 'active' && r[half] !== null);
}

function guardMassDeletion(actions: SyncAction[], input: PlanInput): SyncAction[] {
  const deletes = actions.filter((x): x is Extract<SyncAction, { kind: 'delete' }> => x.kind === 'delete');
  const guard = input.policy.massDeletion ?? DEFAULT_MASS_DELETION;
  const active = input.links.filter((r) => r.state === 'active').length;
  if (input.policy.deletionsConfirmed || deletes.length <= guard.minItems || deletes.length <= guard.minFraction * active) return actions;
  const held = new Set(deletes.map((d) => d.stableKey));
  // Everything else about those items waits too, so the confirmed run finds the rows unchanged.
  const rest = actions.filter((x) => x.kind === 'needs_confirmation' || x.stableKey === null || !held.has(x.stableKey));
  return [...rest, { kind: 'needs_confirmation', reason: 'mass_deletion', wouldDelete: deletes }];
}

function latestById(read: SideRead): Map<string, Change> {
  return new Map(read.changes.map((c) => [c.id, c]));
}

function allowed(policy: SyncPolicy, target: SideName): boolean {
  if (policy.direction === 'two_way') return true;
  return target === (policy.direction === 'to_calendar' ? 'calendar' : 'superoffice');
}

function other(side: SideName): SideName {
  return side === 'superoffice' ? 'calendar' : 'superoffice';
}

function deletedReason(side: SideName): Reason {
  return side === 'superoffice' ? 'deleted_in_superoffice' : 'deleted_in_calendar';
}

function source(c: Extract<Change, { version: string }>) {
  return { sourceId: c.id, sourceVersion: c.version, sourceHash: c.hash };
}

function fromState(s: SideState) {
  return { sourceId: s.id, sourceVersion: s.version, sourceHash: s.hash };
}

/** For the applier's switch: a compile error when a new action kind is not handled. */
export function assertNever(x: never): never {
  throw new Error(`unhandled sync action ${JSON.stringify(x)}`);
}
