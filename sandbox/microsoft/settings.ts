// The Microsoft simulator's knobs, with the real service's values as defaults. Tests shorten the
// lifetimes and delays; the benchmark sets a latency. The object is shared and mutable: the control
// API changes it while the simulator runs.

export interface MsSettings {
  /** Access token `expires_in`. msal reuses a token until 300 s before expiry, so keep it above 300 outside tests. */
  accessTokenLifetimeS: number;
  /** A refresh token unused this long answers AADSTS700082 (Entra's default inactivity limit: 90 days). */
  refreshTokenLifetimeS: number;
  authCodeLifetimeS: number;
  /** Added to every Graph request (not to the login endpoints), while it holds its concurrency slot. */
  latencyMs: number;
  /** Outlook's limits per (app, mailbox): 4 concurrent requests, 10,000 requests per 10 minutes. */
  concurrentPerMailbox: number;
  requestsPerWindow: number;
  windowS: number;
  /** Retry-After of a concurrency 429 (the real value is not documented; a guess). */
  concurrencyRetryAfterS: number;
  /** Outlook event subscriptions: at most 4,230 minutes ahead (some sources say 10,080). */
  subscriptionMaxMinutes: number;
  /** A notification POST not answered 2xx within this is retried. */
  notificationTimeoutMs: number;
  /** Waits before the 2nd, 3rd, ... delivery attempt; after the last one the notification is dropped. */
  notificationRetryDelaysMs: number[];
  /** The validation handshake must be answered within 10 s. */
  validationTimeoutMs: number;
  /** How an unknown or expired delta token is answered: 410 Gone with Location, or 400 syncStateNotFound. */
  deltaTokenExpiry: '410' | 'syncStateNotFound';
  /**
   * What calendarView/delta sends for a series' occurrences and exceptions: `calendarView`, the
   * properties a GET of the calendarView gives them (as event-delta documents), or `idOnly`, no more
   * than `id` and `@odata.etag` (a shape no document promises; it proves a client copes with less).
   */
  deltaOccurrences: 'calendarView' | 'idOnly';
  /** Older delta states of a mailbox are evicted (Outlook keeps sync state in a cache, not forever). */
  maxDeltaStatesPerMailbox: number;
  /** Page size of event lists, calendarView and delta when the client asks for none (a guess for delta). */
  defaultPageSize: number;
  usersPageSize: number;
  /**
   * id_tokens carry `wids` (directory roles), as they do when the app registration asks for them
   * (groupMembershipClaims "DirectoryRole"); false models a registration that does not.
   */
  directoryRolesInIdTokens: boolean;
  /**
   * A change notification's `@odata.etag`: `observed`, as captured from Graph (the changeKey's version
   * bytes behind another 8-byte header, never textually the changeKey), or `changeKey` (`W/"<changeKey>"`).
   */
  notificationEtag: 'observed' | 'changeKey';
  /**
   * How a create repeating a `transactionId` already used in the mailbox is answered; no document
   * says. `returnsFirst`: 201 with the event the first POST made; `createsAnother`: 201 with a second
   * event (no deduplication); `conflict409` / `badRequest400`: an error naming the duplicate.
   */
  repeatedTransactionId: 'returnsFirst' | 'createsAnother' | 'conflict409' | 'badRequest400';
  /**
   * How PATCH/DELETE with a stale `If-Match` is refused; no document says. `irresolvable412`: 412
   * ErrorIrresolvableConflict; `precondition412`: 412 PreconditionFailed; `irresolvable409`: 409
   * ErrorIrresolvableConflict.
   */
  staleIfMatch: 'irresolvable412' | 'precondition412' | 'irresolvable409';
  /** The status `MailboxNotEnabledForRESTAPI` comes with (404 as commonly reported; no document says). */
  mailboxNotEnabledStatus: 404 | 400 | 401 | 403;
}

export function defaultSettings(): MsSettings {
  return {
    accessTokenLifetimeS: 3599,
    refreshTokenLifetimeS: 90 * 24 * 3600,
    authCodeLifetimeS: 600,
    latencyMs: 0,
    concurrentPerMailbox: 4,
    requestsPerWindow: 10_000,
    windowS: 600,
    concurrencyRetryAfterS: 1,
    subscriptionMaxMinutes: 4230,
    notificationTimeoutMs: 3000,
    // Graph retries for up to 4 hours; these add up to a little over that.
    notificationRetryDelaysMs: [1_000, 10_000, 60_000, 300_000, 900_000, 3_600_000, 3_600_000, 3_600_000, 3_600_000],
    validationTimeoutMs: 10_000,
    deltaTokenExpiry: '410',
    deltaOccurrences: 'calendarView',
    maxDeltaStatesPerMailbox: 20,
    defaultPageSize: 10,
    usersPageSize: 100,
    directoryRolesInIdTokens: true,
    notificationEtag: 'observed',
    repeatedTransactionId: 'returnsFirst',
    staleIfMatch: 'irresolvable412',
    mailboxNotEnabledStatus: 404,
  };
}
