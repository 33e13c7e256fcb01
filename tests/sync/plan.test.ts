import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSync } from '../../server/sync/plan.ts';
import type { Change, LinkRow, PlanInput, SideRead, SyncAction, SyncPolicy } from '../../server/sync/plan-types.ts';

const NOW = '2026-03-01T12:00:00.000Z';
const TWO_WAY: SyncPolicy = { direction: 'two_way', conflict: 'superoffice_wins' };

function row(key: string, so: [string, string, string] | null, ext: [string, string, string] | null, state: LinkRow['state'] = 'active'): LinkRow {
  const half = (h: [string, string, string] | null) => (h ? { id: h[0], version: h[1], hash: h[2] } : null);
  return { stableKey: key, so: half(so), ext: half(ext), state };
}
const delta = (...changes: Change[]): SideRead => ({ changes, mode: 'delta', complete: true });
const linked = row('k1', ['s1', 'sv1', 'h1'], ['e1', 'ev1', 'h1']);

function plan(over: Partial<PlanInput>): SyncAction[] {
  const input: PlanInput = { links: [linked], superoffice: delta(), calendar: delta(), policy: TWO_WAY, now: NOW, ...over };
  // Tracked items carry their row's key, as they do once synced; the stamp tests below leave it out.
  const keyed = (read: SideRead, half: 'so' | 'ext'): SideRead => ({
    ...read,
    changes: read.changes.map((c) => {
      if (c.deleted || c.stableKey !== undefined) return c;
      const owner = input.links.find((r) => r[half]?.id === c.id);
      return owner ? { ...c, stableKey: owner.stableKey } : c;
    }),
  });
  return planSync({ ...input, superoffice: keyed(input.superoffice, 'so'), calendar: keyed(input.calendar, 'ext') });
}
const brief = (actions: SyncAction[]) => actions.map((a) => `${a.kind}:${'side' in a ? a.side : '-'}:${a.reason}`);

// vdirsyncer's decision table, one row per case, on a linked item (k1: s1 <-> e1, hash h1).
const table: Array<{ name: string; so?: Change[]; ext?: Change[]; links?: LinkRow[]; want: string[] }> = [
  { name: 'neither changed', want: [] },
  { name: 'only SuperOffice changed', so: [{ id: 's1', version: 'sv2', hash: 'h2' }], want: ['update:calendar:changed_in_superoffice'] },
  { name: 'only calendar changed', ext: [{ id: 'e1', version: 'ev2', hash: 'h2' }], want: ['update:superoffice:changed_in_calendar'] },
  { name: 'both changed to the same content', so: [{ id: 's1', version: 'sv2', hash: 'h2' }], ext: [{ id: 'e1', version: 'ev2', hash: 'h2' }], want: ['noop:superoffice:same_content', 'noop:calendar:same_content'] },
  { name: 'both changed differently (superoffice_wins)', so: [{ id: 's1', version: 'sv2', hash: 'h2' }], ext: [{ id: 'e1', version: 'ev2', hash: 'h3' }], want: ['update:calendar:conflict_superoffice_wins'] },
  { name: 'deleted in calendar, unchanged in SuperOffice', ext: [{ id: 'e1', deleted: true }], want: ['delete:superoffice:deleted_in_calendar'] },
  { name: 'deleted in SuperOffice, unchanged in calendar', so: [{ id: 's1', deleted: true }], want: ['delete:calendar:deleted_in_superoffice'] },
  { name: 'deleted in calendar, edited in SuperOffice: edit wins', so: [{ id: 's1', version: 'sv2', hash: 'h2' }], ext: [{ id: 'e1', deleted: true }], want: ['create:calendar:edit_beats_delete'] },
  { name: 'deleted in SuperOffice, edited in calendar: edit wins', so: [{ id: 's1', deleted: true }], ext: [{ id: 'e1', version: 'ev2', hash: 'h2' }], want: ['create:superoffice:edit_beats_delete'] },
  { name: 'gone on both', so: [{ id: 's1', deleted: true }], ext: [{ id: 'e1', deleted: true }], want: ['forget:superoffice:deleted_on_both', 'forget:calendar:deleted_on_both'] },
  { name: 'new in SuperOffice', links: [], so: [{ id: 's9', version: 'v', hash: 'h' }], want: ['create:calendar:new_in_superoffice'] },
  { name: 'new in calendar', links: [], ext: [{ id: 'e9', version: 'v', hash: 'h' }], want: ['create:superoffice:new_in_calendar'] },
  { name: 'unknown item deleted', links: [], ext: [{ id: 'e9', deleted: true }], want: [] },
  { name: 'version changed, content did not', so: [{ id: 's1', version: 'sv2', hash: 'h1' }], want: ['noop:superoffice:version_only_change'] },
  { name: 'echo of our own write (same version as stored)', ext: [{ id: 'e1', version: 'ev1', hash: 'h1' }], want: [] },
  { name: 'half row: SuperOffice item changed, calendar item missing', links: [row('k2', ['s2', 'v1', 'h1'], null)], so: [{ id: 's2', version: 'v2', hash: 'h2' }], want: ['create:calendar:missing_on_other_side'] },
  { name: 'half row: its only item deleted', links: [row('k2', null, ['e2', 'v1', 'h1'])], ext: [{ id: 'e2', deleted: true }], want: ['forget:calendar:deleted_in_calendar'] },
  { name: 'half row, unchanged', links: [row('k2', ['s2', 'v1', 'h1'], null)], want: [] },
  { name: 'our own create seen before its bookkeeping: adopted', links: [row('k2', ['s2', 'v1', 'h1'], null)], ext: [{ id: 'e2', version: 'v1', hash: 'h1', stableKey: 'k2' }], want: ['link:calendar:adopt_stable_key'] },
  { name: 'late notification for a tombstoned item', links: [row('k3', ['s3', 'v1', 'h1'], ['e3', 'v1', 'h1'], 'tombstone')], ext: [{ id: 'e3', version: 'v2', hash: 'h2' }], want: ['noop:calendar:tombstoned'] },
];

for (const t of table) {
  test(`decision table: ${t.name}`, () => {
    const got = plan({ ...(t.links ? { links: t.links } : {}), superoffice: delta(...(t.so ?? [])), calendar: delta(...(t.ext ?? [])) });
    assert.deepEqual(brief(got), t.want);
  });
}

test('an update carries the target version to check and the source state to store', () => {
  const got = plan({ superoffice: delta({ id: 's1', version: 'sv2', hash: 'h2' }) });
  assert.deepEqual(got, [
    { kind: 'update', side: 'calendar', reason: 'changed_in_superoffice', stableKey: 'k1', targetId: 'e1', ifVersion: 'ev1', sourceId: 's1', sourceVersion: 'sv2', sourceHash: 'h2' },
  ]);
});

test('a version-only change on the target is the precondition of the update, not the stored one', () => {
  const got = plan({ superoffice: delta({ id: 's1', version: 'sv2', hash: 'h2' }), calendar: delta({ id: 'e1', version: 'ev2', hash: 'h1' }) });
  assert.equal(got.length, 1);
  assert.equal(got[0]?.kind === 'update' && got[0].ifVersion, 'ev2');
});

test('a version-only change refreshes the stored version and hash', () => {
  assert.deepEqual(plan({ calendar: delta({ id: 'e1', version: 'ev7', hash: 'h1' }) }), [
    { kind: 'noop', side: 'calendar', reason: 'version_only_change', stableKey: 'k1', id: 'e1', version: 'ev7', hash: 'h1' },
  ]);
});

test('duplicated notifications: the last change per id counts', () => {
  const got = plan({ calendar: delta({ id: 'e1', version: 'ev2', hash: 'h2' }, { id: 'e1', deleted: true }) });
  assert.deepEqual(brief(got), ['delete:superoffice:deleted_in_calendar']);
});

const conflict = { superoffice: delta({ id: 's1', version: 'sv2', hash: 'h2', modifiedAt: '2026-03-01T10:00:00Z' }), calendar: delta({ id: 'e1', version: 'ev2', hash: 'h3', modifiedAt: '2026-03-01T11:00:00+01:00' }) };

test('conflict policies', () => {
  const by = (p: SyncPolicy, c: Partial<PlanInput> = conflict) => brief(plan({ ...c, policy: p }));
  assert.deepEqual(by({ direction: 'two_way', conflict: 'superoffice_wins' }), ['update:calendar:conflict_superoffice_wins']);
  assert.deepEqual(by({ direction: 'two_way', conflict: 'calendar_wins' }), ['update:superoffice:conflict_calendar_wins']);
  // 11:00+01:00 is 10:00Z: a tie, which goes to SuperOffice.
  assert.deepEqual(by({ direction: 'two_way', conflict: 'newest_wins' }), ['update:calendar:conflict_newest_wins']);
  const calendarNewer = { ...conflict, calendar: delta({ id: 'e1', version: 'ev2', hash: 'h3', modifiedAt: '2026-03-01T10:30:00Z' }) };
  assert.deepEqual(by({ direction: 'two_way', conflict: 'newest_wins' }, calendarNewer), ['update:superoffice:conflict_newest_wins']);
  const undated = { ...conflict, calendar: delta({ id: 'e1', version: 'ev2', hash: 'h3' }) };
  assert.deepEqual(by({ direction: 'two_way', conflict: 'newest_wins' }, undated), ['conflict:superoffice:conflict_undecidable']);
});

test('newest_wins: a modifiedAt from a clock in the future counts as now', () => {
  const got = plan({
    policy: { direction: 'two_way', conflict: 'newest_wins' },
    superoffice: delta({ id: 's1', version: 'sv2', hash: 'h2', modifiedAt: '2030-01-01T00:00:00Z' }),
    calendar: delta({ id: 'e1', version: 'ev2', hash: 'h3', modifiedAt: '2026-03-01T12:00:00Z' }),
  });
  // Both are "now" after clamping: the tie goes to SuperOffice, not to the skewed clock by right.
  assert.deepEqual(brief(got), ['update:calendar:conflict_newest_wins']);
});

test('directions filter writes', () => {
  const toCal: SyncPolicy = { direction: 'to_calendar', conflict: 'calendar_wins' };
  const toSo: SyncPolicy = { direction: 'to_superoffice', conflict: 'superoffice_wins' };
  const soEdit = delta({ id: 's1', version: 'sv2', hash: 'h2' });
  const extEdit = delta({ id: 'e1', version: 'ev2', hash: 'h3' });
  assert.deepEqual(brief(plan({ policy: toCal, superoffice: soEdit })), ['update:calendar:changed_in_superoffice']);
  assert.deepEqual(brief(plan({ policy: toCal, calendar: extEdit })), ['noop:superoffice:direction_blocks']);
  assert.deepEqual(brief(plan({ policy: toSo, superoffice: soEdit })), ['noop:calendar:direction_blocks']);
  assert.deepEqual(brief(plan({ policy: toSo, calendar: extEdit })), ['update:superoffice:changed_in_calendar']);
  // One-way links: the source wins a conflict whatever the conflict policy says.
  assert.deepEqual(brief(plan({ policy: toCal, superoffice: soEdit, calendar: extEdit })), ['update:calendar:conflict_direction_source_wins']);
  assert.deepEqual(brief(plan({ policy: toSo, superoffice: soEdit, calendar: extEdit })), ['update:superoffice:conflict_direction_source_wins']);
  // A deletion on the side that may not be written to does not travel.
  assert.deepEqual(brief(plan({ policy: toCal, calendar: delta({ id: 'e1', deleted: true }) })), ['forget:calendar:direction_blocks']);
  assert.deepEqual(brief(plan({ policy: toCal, superoffice: delta({ id: 's1', deleted: true }) })), ['delete:calendar:deleted_in_superoffice']);
  assert.deepEqual(brief(plan({ policy: toCal, links: [], calendar: delta({ id: 'e9', version: 'v', hash: 'h' }) })), ['noop:superoffice:direction_blocks']);
  assert.deepEqual(brief(plan({ policy: toCal, links: [], superoffice: delta({ id: 's9', version: 'v', hash: 'h' }) })), ['create:calendar:new_in_superoffice']);
  assert.deepEqual(plan({ policy: { direction: 'off', conflict: 'newest_wins' }, superoffice: soEdit, calendar: delta({ id: 'e1', deleted: true }) }), []);
});

test('a blocked write still stores the blocked side\'s version-only change', () => {
  const got = plan({ policy: { direction: 'to_superoffice', conflict: 'newest_wins' }, superoffice: delta({ id: 's1', version: 'sv2', hash: 'h2' }), calendar: delta({ id: 'e1', version: 'ev2', hash: 'h1' }) });
  assert.deepEqual(brief(got), ['noop:calendar:direction_blocks', 'noop:calendar:version_only_change']);
});

test('absence implies deletion only after a complete, non-empty full read', () => {
  const links = [linked, row('k2', ['s2', 'v1', 'h1'], ['e2', 'v1', 'h1'])];
  const onlyE2: Change = { id: 'e2', version: 'v1', hash: 'h1' };
  const full = (complete: boolean, ...changes: Change[]): SideRead => ({ changes, mode: 'full', complete });
  assert.deepEqual(brief(plan({ links, calendar: full(true, onlyE2) })), ['delete:superoffice:deleted_in_calendar']);
  assert.deepEqual(plan({ links, calendar: full(false, onlyE2) }), [], 'incomplete read');
  assert.deepEqual(plan({ links, calendar: full(true) }), [], 'empty read');
  assert.deepEqual(plan({ links, calendar: delta(onlyE2) }), [], 'delta read');
});

test('an incomplete read still applies the changes it did see', () => {
  const got = plan({ superoffice: { changes: [{ id: 's1', version: 'sv2', hash: 'h2' }], mode: 'full', complete: false } });
  assert.deepEqual(brief(got), ['update:calendar:changed_in_superoffice']);
});

function manyLinks(n: number): LinkRow[] {
  return Array.from({ length: n }, (_, i) => row(`k${i}`, [`s${i}`, 'v', 'h'], [`e${i}`, 'v', 'h']));
}
const deletions = (n: number) => delta(...Array.from({ length: n }, (_, i): Change => ({ id: `e${i}`, deleted: true })));

test('mass-deletion guard: more than 20 items and more than 30% asks for confirmation', () => {
  const links = manyLinks(60);
  const got = plan({ links, calendar: deletions(21), superoffice: delta({ id: 's50', version: 'v2', hash: 'h2' }) });
  assert.equal(got.filter((a) => a.kind === 'delete').length, 0);
  const ask = got.filter((a) => a.kind === 'needs_confirmation');
  assert.equal(ask.length, 1);
  assert.equal(ask[0]?.kind === 'needs_confirmation' && ask[0].wouldDelete.length, 21);
  // Items that are not being deleted still sync.
  assert.ok(got.some((a) => a.kind === 'update' && a.stableKey === 'k50'));
});

test('mass-deletion guard: both thresholds must be crossed', () => {
  const count = (links: LinkRow[], n: number, guard?: SyncPolicy['massDeletion']) =>
    plan({ links, calendar: deletions(n), policy: { ...TWO_WAY, ...(guard ? { massDeletion: guard } : {}) } }).filter((a) => a.kind === 'delete').length;
  assert.equal(count(manyLinks(60), 20), 20, 'exactly 20 is not more than 20');
  assert.equal(count(manyLinks(100), 30), 30, 'exactly 30% is not more than 30%');
  assert.equal(count(manyLinks(100), 31), 0);
  assert.equal(count(manyLinks(10), 5, { minItems: 2, minFraction: 0.3 }), 0, 'custom thresholds');
  assert.equal(count(manyLinks(10), 3, { minItems: 2, minFraction: 0.3 }), 3);
});

test('mass-deletion guard: a confirmed run deletes', () => {
  const got = plan({ links: manyLinks(30), calendar: deletions(30), policy: { ...TWO_WAY, deletionsConfirmed: true } });
  assert.equal(got.filter((a) => a.kind === 'delete').length, 30);
  assert.equal(got.filter((a) => a.kind === 'needs_confirmation').length, 0);
});

test('planSync is pure: same input, same output, input untouched', () => {
  const input: PlanInput = { links: manyLinks(5), superoffice: delta({ id: 's1', version: 'v2', hash: 'h2' }), calendar: deletions(2), policy: TWO_WAY, now: NOW };
  const copy = structuredClone(input);
  assert.deepEqual(planSync(input), planSync(copy));
  assert.deepEqual(input, copy);
});

// Scope: what the profile tracks (window and filters) decides what starts and stops being synced.
test('scope: an untracked item outside the window or filtered out is left alone', () => {
  const got = plan({ links: [], superoffice: delta({ id: 's9', version: 'v', hash: 'h', scope: 'outside_window' }), calendar: delta({ id: 'e9', version: 'v', hash: 'h', scope: 'filtered' }) });
  assert.deepEqual(brief(got), ['noop:calendar:out_of_scope', 'noop:superoffice:out_of_scope']);
});

test('scope: a tracked item that becomes filtered out stops being tracked; nothing is deleted', () => {
  const got = plan({ superoffice: delta({ id: 's1', version: 'sv2', hash: 'h2', scope: 'filtered' }) });
  assert.deepEqual(brief(got), ['forget:superoffice:filtered_out', 'forget:calendar:filtered_out']);
});

test('scope: a tracked item outside the window is let go unless it was just edited (a move still travels)', () => {
  assert.deepEqual(brief(plan({ superoffice: delta({ id: 's1', version: 'sv1', hash: 'h1', scope: 'outside_window' }) })), [
    'forget:superoffice:left_window',
    'forget:calendar:left_window',
  ]);
  assert.deepEqual(brief(plan({ superoffice: delta({ id: 's1', version: 'sv2', hash: 'h2', scope: 'outside_window' }) })), ['update:calendar:changed_in_superoffice']);
});

test('adoption: both copies carry one key and no row knows them (a relink): they are paired, not duplicated', () => {
  const got = plan({
    links: [],
    superoffice: delta({ id: 's7', version: 'v1', hash: 'hs', stableKey: 'k7', modifiedAt: '2026-02-01T00:00:00Z' }),
    calendar: delta({ id: 'e7', version: 'v1', hash: 'he', stableKey: 'k7', modifiedAt: '2026-02-02T00:00:00Z' }),
    policy: { direction: 'two_way', conflict: 'newest_wins' },
  });
  assert.deepEqual(brief(got), ['link:superoffice:adopt_pair', 'link:calendar:adopt_pair', 'update:superoffice:conflict_newest_wins']);
  assert.equal(got.filter((a) => a.kind === 'create').length, 0);
});

test('adoption: a pair with the same content is linked without a write', () => {
  const got = plan({ links: [], superoffice: delta({ id: 's7', version: 'v1', hash: 'h', stableKey: 'k7' }), calendar: delta({ id: 'e7', version: 'v1', hash: 'h', stableKey: 'k7' }) });
  assert.deepEqual(brief(got), ['link:superoffice:adopt_pair', 'link:calendar:adopt_pair', 'noop:superoffice:same_content', 'noop:calendar:same_content']);
});

test('adoption: an item carrying the key of a row that already has an item there is a copy, and new', () => {
  const got = plan({ calendar: delta({ id: 'e2', version: 'v1', hash: 'h1', stableKey: 'k1' }) });
  assert.deepEqual(got, [{ kind: 'create', side: 'superoffice', reason: 'new_in_calendar', stableKey: null, sourceId: 'e2', sourceVersion: 'v1', sourceHash: 'h1' }]);
});

test('adoption: an item carrying a tombstoned key stays dead', () => {
  const got = plan({ links: [row('k3', ['s3', 'v1', 'h1'], ['e3', 'v1', 'h1'], 'tombstone')], calendar: delta({ id: 'e8', version: 'v1', hash: 'h1', stableKey: 'k3' }) });
  assert.deepEqual(brief(got), ['noop:calendar:tombstoned']);
});

test('a tracked item without its key (an earlier stamp failed) is stamped, unless the run writes it anyway', () => {
  const run = (so: Change[]) => planSync({ links: [linked], superoffice: delta(...so), calendar: delta(), policy: TWO_WAY, now: NOW });
  assert.deepEqual(run([{ id: 's1', version: 'sv2', hash: 'h1' }]).map((a) => a.kind), ['noop', 'stamp']);
  assert.deepEqual(run([{ id: 's1', version: 'sv1', hash: 'h1' }]), [{ kind: 'stamp', side: 'superoffice', reason: 'missing_stable_key', stableKey: 'k1', id: 's1', version: 'sv1' }]);
  assert.deepEqual(run([{ id: 's1', version: 'sv2', hash: 'h2' }]).map((a) => a.kind), ['update'], 'an update carries the key');
  assert.deepEqual(run([{ id: 's1', version: 'sv1', hash: 'h1', stableKey: 'k1' }]), []);
});
