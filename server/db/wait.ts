import type { Db } from './knex.ts';

export interface WaitOptions {
  log: (msg: string, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
  maxDelayMs?: number;
}

/**
 * Waits until the database answers, retrying with exponential backoff (0.5 s doubling to 15 s).
 * A database that is down at start is normal during a deploy; we say so and keep trying.
 */
export async function waitForDatabase(db: Db, opts: WaitOptions): Promise<void> {
  const max = opts.maxDelayMs ?? 15_000;
  for (let attempt = 1; ; attempt++) {
    try {
      await db.raw('select 1');
      return;
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const delay = Math.min(max, 500 * 2 ** (attempt - 1));
      opts.log(`database not reachable (${(err as Error).message}); retrying in ${delay} ms`, attempt, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
