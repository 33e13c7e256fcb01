/**
 * Thrown by a task that must not run again before `delayMs` (a provider's Retry-After, a tenant
 * that is being re-resolved, ...). The queue reschedules the job for now + delayMs instead of
 * counting a failure; after too many deferrals in a row it falls back to a normal failure, so a
 * job that is rate-limited forever still ends up permanently failed.
 */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';

  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason);
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError(`RetryLaterError: bad delay ${delayMs}`);
  }
}

/** Parses an HTTP Retry-After header (seconds or an HTTP date) into milliseconds from `now`. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
