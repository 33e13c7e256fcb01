// The one contract every calendar side implements, SuperOffice included, so the engine never
// branches on the provider (vdirsyncer's Storage). Types only; sides throw the errors in errors.ts.
import type { CalendarEvent } from './event.ts';

/** A provider's opaque concurrency marker (SuperOffice `Updated`, Graph `changeKey`, Google `etag`). */
export type Version = string;

export type SideChange =
  | { id: string; version: Version; event: CalendarEvent }
  | { id: string; deleted: true };

export interface ChangePage {
  changes: SideChange[];
  /** Store only after every change in `changes` is applied or recorded as failed. */
  nextCursor: string;
  /**
   * True only when the read covered everything since the cursor. An incomplete read (paging cut
   * short, an error mid-way) never lets the engine infer that an item is gone.
   */
  complete: boolean;
}

export interface SideCapabilities {
  /** Writes to this side are refused (a read-only calendar). */
  readOnly: boolean;
  /** Deletes on this side are refused; the engine plans no deletes there. */
  noDelete: boolean;
  /** The side can store a recurring series with exceptions. */
  recurrence: boolean;
}

export interface CalendarSide {
  readonly capabilities: SideCapabilities;
  /** Changes since `cursor`; `null` means a full read of the sync window. Throws CursorExpired when the cursor is no longer accepted. */
  listChanges(cursor: string | null): Promise<ChangePage>;
  /** The current state of each id; ids that no longer exist are absent from the map. */
  get(ids: readonly string[]): Promise<Map<string, { version: Version; event: CalendarEvent }>>;
  /** Creates the item stamped with `event.stableKey`. */
  create(event: CalendarEvent): Promise<{ id: string; version: Version }>;
  /** Throws PreconditionFailed when the item's version is no longer `ifVersion`, NotFound when gone. */
  update(id: string, event: CalendarEvent, ifVersion: Version): Promise<{ version: Version }>;
  /** Throws PreconditionFailed when the item's version is no longer `ifVersion`; NotFound when already gone. */
  delete(id: string, ifVersion: Version): Promise<void>;
  /** Finds an item we created earlier, so a retried or re-linked create adopts it instead of duplicating. */
  findByStableKey(key: string): Promise<{ id: string; version: Version; event: CalendarEvent } | null>;
}
