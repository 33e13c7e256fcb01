// The one contract every calendar side implements, SuperOffice included, so the engine never
// branches on the provider (vdirsyncer's Storage). Types only; sides throw the errors in errors.ts.
import type { CalendarEvent } from './event.ts';

/** A provider's opaque concurrency marker (SuperOffice `Updated`, Graph `changeKey`, Google `etag`). */
export type Version = string;

/** One item as the side holds it now. */
export interface SideItem {
  id: string;
  version: Version;
  event: CalendarEvent;
  /** The side's own last-modified instant (ISO 8601), when it keeps one; `newest_wins` needs it. */
  modifiedAt?: string;
}

export type SideChange = SideItem | { id: string; deleted: true };

export interface ChangePage {
  /** Every change since the cursor (the side follows its own paging); duplicates allowed, the last per id counts. */
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

/**
 * One user's calendar on one system, already bound to that user and to the link's sync window
 * (the factory that builds a side gets both). Every method throws only the errors of errors.ts.
 */
export interface CalendarSide {
  readonly capabilities: SideCapabilities;
  /**
   * Changes since `cursor`. `null` means a full read: every item of the window, none deleted, so
   * the engine may infer from absence (after checking with `get`). A change may name an item
   * outside the window (it was moved out); the engine decides what that means.
   * Throws CursorExpired when the cursor is no longer accepted.
   */
  listChanges(cursor: string | null): Promise<ChangePage>;
  /** The current state of each id, wherever it lies in time; ids that no longer exist are absent from the map. */
  get(ids: readonly string[]): Promise<Map<string, SideItem>>;
  /** Creates the item stamped with `event.stableKey`; returns it as stored (what a later read would return). */
  create(event: CalendarEvent): Promise<SideItem>;
  /**
   * Replaces the item's synced fields; returns it as stored. Writes only what differs from the
   * stored item: a call that changes nothing but the stable key (the engine stamps users' own items
   * with it) must not send anyone an invitation or update. Throws PreconditionFailed when the
   * item's version is no longer `ifVersion`, NotFound when it is gone.
   */
  update(id: string, event: CalendarEvent, ifVersion: Version): Promise<SideItem>;
  /** Throws PreconditionFailed when the item's version is no longer `ifVersion`; NotFound when already gone. */
  delete(id: string, ifVersion: Version): Promise<void>;
  /** Finds an item we created earlier, so a retried or re-linked create adopts it instead of duplicating. */
  findByStableKey(key: string): Promise<SideItem | null>;
}
