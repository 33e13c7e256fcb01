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
  Scope,
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

type Seen = Exclude<Status, { kind: 'deleted' }>;

export function planSync(input: PlanInput): SyncAction[] {
  const { policy } = input;
  if (policy.direction === 'off') return [];
  const reads = { superoffice: latestById(input.superoffice), calendar: latestById(input.calendar) };
  const gone = {
    superoffice: absenceMeansGone(input.superoffice, input.links, 'so'),
    calendar: absenceMeansGone(input.calendar, input.links, 'ext'),
  };
  // Copies: the adoption step below fills empty halves, and the input stays untouched.
  const rows = input.links.map((r) => ({ ...r }));
  const actions: SyncAction[] = [];
  const fresh = adopt(rows, reads, actions);

  for (const row of rows) {
    if (row.state === 'tombstone') {
      // A late or duplicated notification must not bring back what was deleted; restoring is explicit.
      for (const side of SIDES) {
        const half = row[HALF[side]];
        const c = half ? reads[side].get(half.id) : undefined;
        if (half && c && !c.deleted) actions.push({ kind: 'noop', side, reason: 'tombstoned', stableKey: row.stableKey, id: half.id });
      }
      continue;
    }
    const soChange = row.so ? reads.superoffice.get(row.so.id) : undefined;
    const extChange = row.ext ? reads.calendar.get(row.ext.id) : undefined;
    const a = row.so ? statusOf(row.so, soChange, gone.superoffice) : null;
    const b = row.ext ? statusOf(row.ext, extChange, gone.calendar) : null;
    const leaving = leavesScope(row, [soChange, extChange], [a, b]);
    const decided = leaving ?? decide(row, a, b, input);
    actions.push(...decided, ...stamps(row, [soChange, extChange], decided));
  }

  // Items no row knows: new ones, pairs that both carry one stable key (a relink), and the rest.
  for (const pair of fresh.pairs) {
    const [s, e] = pair;
    if (scopeOf(s) !== 'in' || scopeOf(e) !== 'in') {
      actions.push({ kind: 'noop', side: 'calendar', reason: 'out_of_scope', stableKey: null, id: s.id });
      continue;
    }
    const key = s.stableKey as string;
    actions.push(linkAction('superoffice', 'adopt_pair', key, s), linkAction('calendar', 'adopt_pair', key, e));
    const row: LinkRow = { stableKey: key, so: stateOf(s), ext: stateOf(e), state: 'active' };
    // Both copies exist but nothing says which is current: judge them as if both had changed.
    actions.push(...decide(row, changed(s), changed(e), input));
  }
  for (const side of SIDES) {
    for (const c of fresh.single[side]) {
      const target = other(side);
      if (scopeOf(c) !== 'in') {
        actions.push({ kind: 'noop', side: target, reason: 'out_of_scope', stableKey: null, id: c.id });
        continue;
      }
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

type Present = Extract<Change, { version: string }>;
const SIDES = ['superoffice', 'calendar'] as const;
const HALF = { superoffice: 'so', calendar: 'ext' } as const;

/**
 * Sorts the changes no row knows by their stable key. One whose key names a row with that half
 * empty is ours, created before its bookkeeping was lost: it fills the half (a `link` action) and
 * is judged with the row. A key on both sides and in no row is a pair (a relink, or a window that
 * grew back). A key a tombstone holds stays dead; a key whose row already has another item on that
 * side was copied with the item (Outlook copies extended properties), so that item is simply new.
 */
function adopt(rows: LinkRow[], reads: Record<SideName, Map<string, Change>>, actions: SyncAction[]) {
  const byKey = new Map(rows.map((r) => [r.stableKey, r]));
  const known = { superoffice: new Set<string>(), calendar: new Set<string>() };
  for (const r of rows) {
    if (r.so) known.superoffice.add(r.so.id);
    if (r.ext) known.calendar.add(r.ext.id);
  }
  const single: Record<SideName, Present[]> = { superoffice: [], calendar: [] };
  const keyed = new Map<string, Partial<Record<SideName, Present>>>();
  for (const side of SIDES) {
    for (const c of reads[side].values()) {
      if (c.deleted || known[side].has(c.id)) continue;
      const row = c.stableKey ? byKey.get(c.stableKey) : undefined;
      if (row?.state === 'tombstone') {
        actions.push({ kind: 'noop', side, reason: 'tombstoned', stableKey: row.stableKey, id: c.id });
      } else if (row && row[HALF[side]] === null) {
        actions.push(linkAction(side, 'adopt_stable_key', row.stableKey, c));
        row[HALF[side]] = stateOf(c);
      } else if (row || !c.stableKey) {
        single[side].push(row ? { ...c, stableKey: undefined } : c);
      } else {
        const entry = keyed.get(c.stableKey) ?? {};
        entry[side] = c;
        keyed.set(c.stableKey, entry);
      }
    }
  }
  const pairs: Array<[Present, Present]> = [];
  for (const entry of keyed.values()) {
    if (entry.superoffice && entry.calendar) pairs.push([entry.superoffice, entry.calendar]);
    else if (entry.superoffice) single.superoffice.push(entry.superoffice);
    else if (entry.calendar) single.calendar.push(entry.calendar);
  }
  return { single, pairs };
}

/**
 * A tracked item the profile no longer covers stops being tracked; neither copy is deleted. A
 * filtered item (its type, privacy, ... ) leaves at once; one outside the window leaves only when
 * it was not just edited, so a meeting moved far ahead still moves on the other side.
 */
function leavesScope(row: LinkRow, changes: Array<Change | undefined>, statuses: Array<Status | null>): SyncAction[] | null {
  const scopes = changes.map((c) => (c && !c.deleted ? scopeOf(c) : 'in'));
  const edited = statuses.some((s) => s?.kind === 'changed');
  let reason: Reason | null = null;
  if (scopes.includes('filtered')) reason = 'filtered_out';
  else if (scopes.includes('outside_window') && !edited) reason = 'left_window';
  if (reason === null) return null;
  return SIDES.filter((side) => row[HALF[side]] !== null).map((side) => ({ kind: 'forget', side, reason, stableKey: row.stableKey }));
}

/**
 * Tracked items that do not carry their row's key get it, so a relink can pair them; not when
 * this run writes the row anyway (a write carries the key) or lets it go.
 */
function stamps(row: LinkRow, changes: Array<Change | undefined>, decided: SyncAction[]): SyncAction[] {
  if (decided.some((x) => x.kind === 'create' || x.kind === 'update' || x.kind === 'delete' || x.kind === 'forget')) return [];
  const out: SyncAction[] = [];
  SIDES.forEach((side, i) => {
    const c = changes[i];
    if (c && !c.deleted && c.stableKey !== row.stableKey) {
      out.push({ kind: 'stamp', side, reason: 'missing_stable_key', stableKey: row.stableKey, id: c.id, version: c.version });
    }
  });
  return out;
}

function scopeOf(c: Present): Scope {
  return c.scope ?? 'in';
}

function stateOf(c: Present): SideState {
  return { id: c.id, version: c.version, hash: c.hash };
}

function changed(c: Present): Status {
  return c.modifiedAt === undefined ? { kind: 'changed', state: stateOf(c) } : { kind: 'changed', state: stateOf(c), modifiedAt: c.modifiedAt };
}

function linkAction(side: SideName, reason: Reason, stableKey: string, c: Present): SyncAction {
  return { kind: 'link', side, reason, stableKey, id: c.id, version: c.version, hash: c.hash };
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

function resolve(a: Seen, b: Seen, input: PlanInput): { winner: SideName; reason: Reason } | null {
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

function modified(s: Seen, now: string): number | null {
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
function refreshIfBlocked(policy: SyncPolicy, side: SideName, s: Seen, key: string): SyncAction[] {
  return allowed(policy, side) ? [] : refresh(side, s, key).filter((x) => x.kind === 'noop' && x.version !== undefined);
}

/** Noop that stores a new version when only the version moved (or the content converged). */
function refresh(side: SideName, s: Seen, key: string, reason?: Reason): SyncAction[] {
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

function source(c: Present) {
  return { sourceId: c.id, sourceVersion: c.version, sourceHash: c.hash };
}

function fromState(s: SideState) {
  return { sourceId: s.id, sourceVersion: s.version, sourceHash: s.hash };
}

/** For the applier's switch: a compile error when a new action kind is not handled. */
export function assertNever(x: never): never {
  throw new Error(`unhandled sync action ${JSON.stringify(x)}`);
}
