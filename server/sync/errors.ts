// Domain errors a side throws, classified at its client edge so the engine never sees an HTTP
// status (vdirsyncer's http.py, Nylas's fail_classes). The engine decides from the class alone:
// retry later, stop the link, re-read and re-plan, or treat the item as deleted.

/** Base class, so callers can tell a classified sync error from a bug. */
export abstract class SyncError extends Error {
  /** Whether the same call may succeed later without anyone doing anything. */
  abstract readonly retryable: boolean;
}

/** 429 or a provider's quota answer; wait `retryAfterMs` before the next call to that side. */
export class RateLimited extends SyncError {
  override readonly name = 'RateLimited';
  readonly retryable = true;
  constructor(
    readonly retryAfterMs: number,
    message = 'rate limited',
  ) {
    super(message);
    if (!Number.isFinite(retryAfterMs) || retryAfterMs < 0) throw new RangeError(`RateLimited: bad delay ${retryAfterMs}`);
  }
}

/** 5xx or a network failure; retried by the queue with backoff. */
export class Transient extends SyncError {
  override readonly name = 'Transient';
  readonly retryable = true;
}

/** 401 / invalid_grant / consent withdrawn: the link asks its user to reconnect; other links go on. */
export class AuthorizationRevoked extends SyncError {
  override readonly name = 'AuthorizationRevoked';
  readonly retryable = false;
  /** Which side refused; the engine fills it in, since a side does not know its own role. */
  side?: 'superoffice' | 'calendar';
  /**
   * Whether the user reconnecting can fix it (a withdrawn consent, an expired grant). False when
   * only an administrator can (no mailbox on the user's plan): the link then says so, not "reconnect".
   */
  readonly reconnectHelps: boolean = true;
  /**
   * Who can give access back when reconnecting helps: the user (their own sign-in), or only an
   * administrator (the organisation-wide consent the link runs on). Set by the connector, which
   * knows how the link is connected.
   */
  fixedBy?: 'user' | 'administrator';
}

/** The item's version moved since we read it (412/409 on If-Match): re-read and re-plan. */
export class PreconditionFailed extends SyncError {
  override readonly name = 'PreconditionFailed';
  readonly retryable = false;
  constructor(
    readonly itemId: string,
    message = `item ${itemId} changed since it was read`,
  ) {
    super(message);
  }
}

/** 404/410 on an item: it is deleted on that side. */
export class NotFound extends SyncError {
  override readonly name = 'NotFound';
  readonly retryable = false;
  constructor(
    readonly itemId: string,
    message = `item ${itemId} not found`,
  ) {
    super(message);
  }
}

/** The delta cursor is no longer accepted (Google 410, Graph/EWS invalid state): re-read the whole window. */
export class CursorExpired extends SyncError {
  override readonly name = 'CursorExpired';
  readonly retryable = false;
}

/**
 * A run would delete more than the policy allows; nothing was deleted and the link waits for an
 * administrator. Carries what would have gone, so the panel can show it.
 */
export class MassDeletionRefused extends SyncError {
  override readonly name = 'MassDeletionRefused';
  readonly retryable = false;
  constructor(
    readonly wouldDelete: ReadonlyArray<{ side: 'superoffice' | 'calendar'; id: string; stableKey: string }>,
    message = `refused to delete ${wouldDelete.length} items without confirmation`,
  ) {
    super(message);
  }
}
