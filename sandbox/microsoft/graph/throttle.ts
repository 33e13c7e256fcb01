// Outlook's service limits per (app, mailbox): at most 4 requests in flight and 10,000 per 10 minutes
// (https://learn.microsoft.com/graph/throttling-limits). Over either, the request is refused with
// 429, ApplicationThrottled and a Retry-After. The 10-minute window is 60 buckets, so a mailbox costs
// a few hundred bytes however busy it is.
import type { MsSettings } from '../settings.ts';

const BUCKETS = 60;

interface KeyState {
  inFlight: number;
  counts: number[];
  /** Bucket number held in each slot (a slot from an older lap counts for nothing). */
  laps: number[];
}

export type Admission =
  | { ok: true; release: () => void }
  | { ok: false; retryAfterS: number; message: string };

export class Throttle {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly settings: MsSettings,
    private readonly now: () => number,
  ) {}

  admit(key: string): Admission {
    let k = this.keys.get(key);
    if (!k) {
      k = { inFlight: 0, counts: new Array<number>(BUCKETS).fill(0), laps: new Array<number>(BUCKETS).fill(-1) };
      this.keys.set(key, k);
    }
    if (k.inFlight >= this.settings.concurrentPerMailbox) {
      return { ok: false, retryAfterS: this.settings.concurrencyRetryAfterS, message: 'Application is over its MailboxConcurrency limit.' };
    }
    const bucketMs = (this.settings.windowS * 1000) / BUCKETS;
    const current = Math.floor(this.now() / bucketMs);
    let used = 0;
    let oldest = current;
    for (let i = 0; i < BUCKETS; i++) {
      const lap = k.laps[i]!;
      if (lap > current - BUCKETS && k.counts[i]! > 0) {
        used += k.counts[i]!;
        oldest = Math.min(oldest, lap);
      }
    }
    if (used >= this.settings.requestsPerWindow) {
      const freeAt = (oldest + BUCKETS) * bucketMs;
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((freeAt - this.now()) / 1000)), message: 'Application is over its MailboxRequests limit.' };
    }
    const slot = current % BUCKETS;
    if (k.laps[slot] !== current) {
      k.laps[slot] = current;
      k.counts[slot] = 0;
    }
    k.counts[slot]!++;
    k.inFlight++;
    let released = false;
    const state = k;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        state.inFlight--;
      },
    };
  }

  /** Requests in flight against one mailbox (keys are `mailboxId|appId`), or against all. */
  inFlight(mailboxId?: string): number {
    let n = 0;
    for (const [key, k] of this.keys) if (mailboxId === undefined || key.startsWith(`${mailboxId}|`)) n += k.inFlight;
    return n;
  }

  reset(): void {
    for (const [key, k] of this.keys) if (k.inFlight === 0) this.keys.delete(key);
    for (const k of this.keys.values()) {
      k.counts.fill(0);
      k.laps.fill(-1);
    }
  }
}
