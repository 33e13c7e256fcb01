// Crash recovery for the job queue. graphile-worker unlocks the jobs of a dead worker only after
// 4 hours; we need a minute. Every worker pool heartbeats its id (the value graphile-worker writes
// into jobs.locked_by) into worker_heartbeats, and every worker process sweeps: a pool whose
// heartbeat is older than `staleAfterMs` is presumed dead and its jobs and queues are unlocked with
// graphile-worker's own force_unlock_workers. Jobs locked by a pool that never got to heartbeat are
// caught by their locked_at age instead.
//
// The price of a short threshold is that a live worker stalled longer than `staleAfterMs` (a frozen
// VM, a database partition) is declared dead while still running its jobs. It finds out at its next
// heartbeat (its row is gone) and calls `onPresumedDead`, which aborts those jobs.
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Logger } from '../log.ts';
import { jobsRecovered } from './metrics.ts';

export interface RecoveryTimings {
  /** How often a pool refreshes its heartbeat. */
  heartbeatMs: number;
  /** A heartbeat (or a lock with no heartbeat at all) older than this is a dead worker. */
  staleAfterMs: number;
  /** How often each process looks for dead workers (jittered ±25%). */
  sweepMs: number;
}

/** Recovery lands within staleAfterMs + 1.25 × sweepMs of the last heartbeat: about 26 s. */
export const DEFAULT_RECOVERY_TIMINGS: RecoveryTimings = { heartbeatMs: 5_000, staleAfterMs: 20_000, sweepMs: 5_000 };

export interface RecoveryOptions {
  pool: pg.Pool;
  /** graphile-worker's escaped schema name. */
  schema: string;
  workerId: string;
  log: Logger;
  timings: RecoveryTimings;
  onPresumedDead(): void;
}

export interface Recovery {
  start(): Promise<void>;
  /** Stops the timers and removes this pool's heartbeat (a clean exit is not a crash). */
  stop(): Promise<void>;
  /** One sweep: unlocks the jobs of dead workers and returns how many there were. */
  sweep(): Promise<number>;
}

export function createRecovery(opts: RecoveryOptions): Recovery {
  const { pool, schema, workerId, log, timings } = opts;
  const staleSecs = timings.staleAfterMs / 1000;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const inFlight = new Set<Promise<unknown>>();

  const register = () =>
    pool.query(
      `insert into worker_heartbeats (worker_id, hostname, pid) values ($1, $2, $3)
       on conflict (worker_id) do update set last_seen_at = now()`,
      [workerId, hostname(), process.pid],
    );

  async function beat(): Promise<void> {
    const r = await pool.query('update worker_heartbeats set last_seen_at = now() where worker_id = $1', [workerId]);
    if (r.rowCount === 0 && !stopped) {
      log.error({ workerId }, 'this worker was presumed dead by another node; aborting its running jobs');
      opts.onPresumedDead();
      await register();
    }
  }

  async function sweep(): Promise<number> {
    // One statement, so a heartbeat racing the delete wins: the row is re-checked after the update.
    const dead = await pool.query<{ worker_id: string }>(
      `with dead as (
         delete from worker_heartbeats where last_seen_at < now() - make_interval(secs => $1)
         returning worker_id
       ), never_seen as (
         select distinct locked_by as worker_id from ${schema}.jobs
         where locked_by is not null and locked_at < now() - make_interval(secs => $1)
           and locked_by not in (select worker_id from worker_heartbeats)
       )
       select worker_id from dead union select worker_id from never_seen`,
      [staleSecs],
    );
    const ids = dead.rows.map((r) => r.worker_id).filter((id) => id !== workerId);
    if (ids.length === 0) return 0;
    const locked = await pool.query<{ n: number }>(
      `select count(*)::int as n from ${schema}.jobs where locked_by = any($1::text[])`,
      [ids],
    );
    const n = locked.rows[0]?.n ?? 0;
    // The notification is graphile-worker's own "new jobs" signal: idle workers everywhere pick the
    // unlocked jobs up at once instead of at their next poll.
    await pool.query(
      `select ${schema}.force_unlock_workers($1::text[]), pg_notify('jobs:insert', json_build_object('count', $2::int)::text)`,
      [ids, n],
    );
    jobsRecovered.inc(n);
    log.warn({ deadWorkers: ids, jobs: n }, 'unlocked the jobs of workers that stopped heartbeating');
    return n;
  }

  const jitter = (ms: number) => Math.round(ms * (0.75 + Math.random() * 0.5));

  function loop(name: string, everyMs: () => number, fn: () => Promise<unknown>, set: (t: NodeJS.Timeout) => void) {
    const tick = () => {
      if (stopped) return;
      const run = fn()
        .catch((err: Error) => log.warn({ err: err.message }, `queue ${name} failed; retrying`))
        .finally(() => {
          inFlight.delete(run);
          if (!stopped) set(setTimeout(tick, everyMs()).unref());
        });
      inFlight.add(run);
    };
    set(setTimeout(tick, everyMs()).unref());
  }

  return {
    async start() {
      await register();
      // A restarted node sweeps at once: the workers of its previous life are likely dead.
      await sweep().catch((err: Error) => log.warn({ err: err.message }, 'queue sweep failed'));
      loop('heartbeat', () => timings.heartbeatMs, beat, (t) => (heartbeatTimer = t));
      loop('sweep', () => jitter(timings.sweepMs), sweep, (t) => (sweepTimer = t));
    },
    async stop() {
      stopped = true;
      clearTimeout(heartbeatTimer);
      clearTimeout(sweepTimer);
      await Promise.all(inFlight);
      await pool.query('delete from worker_heartbeats where worker_id = $1', [workerId]);
    },
    sweep,
  };
}
