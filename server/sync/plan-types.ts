// The data planSync reads and the actions it returns. Kept apart from the decision code so the
// applier and the tests can import the shapes without the logic.

export type SideName = 'superoffice' | 'calendar';

/** What the link table last agreed for one side of an item: vdirsyncer's (href, etag, hash). */
export interface SideState {
  id: string;
  version: string;
  hash: string;
}

/**
 * One row of the link table. A half is null when that side has no item (yet, or any more).
 * A `tombstone` row records an item we deleted; it stays restorable and is never revived by
 * a late notification.
 */
export interface LinkRow {
  stableKey: string;
  so: SideState | null;
  ext: SideState | null;
  state: 'active' | 'tombstone';
}

export type Change =
  | {
      id: string;
      version: string;
      hash: string;
      deleted?: false;
      /** Needed only for the `newest_wins` policy; the side's own last-modified instant. */
      modifiedAt?: string;
      /** Our stable key when the item carries one (we created it), so a lost bookkeeping write is adopted. */
      stableKey?: string;
      /**
       * Whether the profile tracks the item (server/sync/scope.ts); absent means `in`. An untracked
       * item out of scope is left alone; a tracked one stops being tracked, and neither copy is deleted.
       */
      scope?: Scope;
    }
  | { id: string; deleted: true };

export type Scope = 'in' | 'outside_window' | 'filtered';

export interface SideRead {
  /** Duplicates are allowed (notifications arrive twice); the last one per id counts. */
  changes: Change[];
  /** `full`: every item in the window was listed, so absence means gone. `delta`: only what changed. */
  mode: 'full' | 'delta';
  /** False when the read failed or stopped part-way: then nothing is inferred from absence. */
  complete: boolean;
}

export type Direction = 'two_way' | 'to_calendar' | 'to_superoffice' | 'off';
export type ConflictPolicy = 'superoffice_wins' | 'calendar_wins' | 'newest_wins';

export interface MassDeletionGuard {
  /** Deletes are refused only when there are more than this many ... */
  minItems: number;
  /** ... and they are more than this fraction of the active link rows. */
  minFraction: number;
}

export const DEFAULT_MASS_DELETION: MassDeletionGuard = { minItems: 20, minFraction: 0.3 };

export interface SyncPolicy {
  direction: Direction;
  conflict: ConflictPolicy;
  massDeletion?: MassDeletionGuard;
  /** Set after an administrator confirmed a refused run: deletes go ahead whatever their number. */
  deletionsConfirmed?: boolean;
}

export interface PlanInput {
  links: readonly LinkRow[];
  superoffice: SideRead;
  calendar: SideRead;
  policy: SyncPolicy;
  /** ISO instant; a `modifiedAt` later than this (a skewed clock) counts as `now`. */
  now: string;
}

export type Reason =
  | 'new_in_superoffice'
  | 'new_in_calendar'
  | 'missing_on_other_side'
  | 'changed_in_superoffice'
  | 'changed_in_calendar'
  | 'deleted_in_superoffice'
  | 'deleted_in_calendar'
  | 'deleted_on_both'
  | 'edit_beats_delete'
  | 'conflict_superoffice_wins'
  | 'conflict_calendar_wins'
  | 'conflict_newest_wins'
  | 'conflict_direction_source_wins'
  | 'conflict_undecidable'
  | 'same_content'
  | 'version_only_change'
  | 'direction_blocks'
  | 'adopt_stable_key'
  | 'tombstoned'
  | 'mass_deletion'
  | 'out_of_scope'
  | 'filtered_out'
  | 'left_window'
  | 'adopt_pair'
  | 'missing_stable_key';

/** The source item's state as read, stored on the source half once the write succeeds. */
export interface SourceRef {
  sourceId: string;
  sourceVersion: string;
  sourceHash: string;
}

export type SyncAction =
  /** Create on `side` from the other side's item; the applier looks up `stableKey` first and adopts. */
  | ({ kind: 'create'; side: SideName; reason: Reason; stableKey: string | null } & SourceRef)
  | ({ kind: 'update'; side: SideName; reason: Reason; stableKey: string; targetId: string; ifVersion: string } & SourceRef)
  /** Delete on `side`; afterwards the link row becomes a tombstone. */
  | { kind: 'delete'; side: SideName; reason: Reason; stableKey: string; targetId: string; ifVersion: string }
  /** Fill `side`'s empty half of the row with an item that already carries its stable key. */
  | { kind: 'link'; side: SideName; reason: Reason; stableKey: string; id: string; version: string; hash: string }
  /** Both sides changed and no rule decided; nothing is written, the row keeps its error. */
  | { kind: 'conflict'; side: SideName; reason: Reason; stableKey: string }
  /** Nothing to write; when `version`/`hash` are set the stored half is refreshed to them. */
  | { kind: 'noop'; side: SideName; reason: Reason; stableKey: string | null; id: string; version?: string; hash?: string }
  /** Write the row's stable key onto a tracked item that lacks it (an earlier stamp failed), content unchanged. */
  | { kind: 'stamp'; side: SideName; reason: Reason; stableKey: string; id: string; version: string }
  /** Clear `side`'s half of the row; a row with no half left is removed. */
  | { kind: 'forget'; side: SideName; reason: Reason; stableKey: string }
  /** Deletes withheld until an administrator confirms; the link is set to "needs confirmation". */
  | { kind: 'needs_confirmation'; reason: 'mass_deletion'; wouldDelete: Array<Extract<SyncAction, { kind: 'delete' }>> };

export type SyncActionKind = SyncAction['kind'];
