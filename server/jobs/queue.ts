// The job queue: graphile-worker on our PostgreSQL (docs/decisions/0001-job-queue.md says why).
// What this wrapper adds to the library:
// - one serial queue per link (named queue `link:<id>`) and a job key per link, so a user's syncs
//   never overlap and a burst of webhooks collapses into one run;
// - RetryLaterError: a task defers itself (Retry-After) without counting a failure;
// - crash recovery within a minute (recovery.ts) instead of graphile-worker's 4 hours;
// - stop(timeoutMs): finish what runs, hand back what doesn't finish in time;
// - readiness, metrics, and graphile-worker's log through our pino logger without job payloads.
import { EventEmitter } from 'node:events';
import pg from 'pg';
import {
  Logger as GraphileLogger,
  makeWorkerUtils,
  parseCrontab,
  run,
  runMigrations,
  type JobHelpers,
  type Runner,
  type Task,
  type TaskList,
  type WorkerEvents,
  type WorkerUtils,
} from 'graphile-worker';
import { migrations as graphileMigrations } from 'graphile-worker/dist/generated/sql.js';
import type { Knex } from 'knex';
import type { Db } from '../db/knex.ts';
import { createDb } from '../db/knex.ts';
import type { Logger } from '../log.ts';
import { RetryLaterError } from './errors.ts';
import { jobDuration, jobsFailed, jobsRescheduled, jobsStarted, jobsSucceeded } from './metrics.ts';
import { createRecovery, DEFAULT_RECOVERY_TIMINGS, type Recovery, type RecoveryTimings } from './recovery.ts';
import { createSyncLinkTask, SYNC_LINK_TASK } from './sync-link.ts';

export { RetryLaterError } from './errors.ts';

/** Pinned, so a GRAPHILE_WORKER_SCHEMA in the environment cannot split nodes across two schemas. */
export const QUEUE_SCHEMA = 'graphile_worker';
const SCHEMA_SQL = `"${QUEUE_SCHEMA}"`;

/** The graphile-worker schema revision this build needs (its highest migration number). */
const QUEUE_SCHEMA_REVISION = Math.max(...Object.keys(graphileMigrations).map((f) => parseInt(f.slice(0, 6), 10)));

/** Jobs of one link share this queue name; graphile-worker runs one job of a queue at a time. */
export const linkQueueName = (linkId: string) => `link:${linkId}`;
const linkJobKey = (linkId: string) => `${SYNC_LINK_TASK}:${linkId}`;

/** When the pending sync of each link (if any) is due: its job's run_at, by link id. */
export async function linkSyncsDue(db: Knex, linkIds: readonly string[]): Promise<Map<string, Date>> {
  const out = new Map<string, Date>();
  if (linkIds.length === 0) return out;
  const rows: Array<{ key: string; run_at: Date }> = await db(`${QUEUE_SCHEMA}.jobs`)
    .whereIn('key', linkIds.map(linkJobKey))
    .select('key', 'run_at');
  for (const r of rows) out.set(r.key.slice(SYNC_LINK_TASK.length + 1), r.run_at);
  return out;
}

/**
 * A failing link sync is retried with graphile-worker's backoff (e^attempt seconds, capped at
 * e^10 ≈ 6 h): 12 attempts give up after about a day, when the link needs a person anyway.
 */
export const LINK_SYNC_MAX_ATTEMPTS = 12;

/** The payload key carrying how many times in a row a job deferred itself with RetryLaterError. */
const DEFERRALS = '_deferrals';

export interface TaskContext {
  jobId: string;
  /** 1 on the first run of this job. */
  attempt: number;
  maxAttempts: number;
  /** How many times in a row this job deferred itself with RetryLaterError. */
  deferrals: number;
  /** Aborted when the job is handed back (shutdown timeout) or taken over by another node. */
  signal: AbortSignal;
  log: Logger;
}

export type TaskHandler = (payload: Record<string, unknown>, ctx: TaskContext) => Promise<void>;

export interface QueueOptions {
  databaseUrl: string;
  log: Logger;
  /** Jobs run at once by this process. */
  concurrency: number;
  /** false on web-only nodes: they enqueue but never run jobs. */
  runWorker: boolean;
  /** Used by the built-in tasks (sync-link); without it the queue opens a small pool of its own. */
  db?: Db;
  /** Task handlers by name, added to (or replacing) the built-in ones. */
  tasks?: Record<string, TaskHandler>;
  /** How long a link sync waits for more triggers before it runs (default LINK_SYNC_DEBOUNCE_MS). */
  linkSyncDebounceMs?: number;
  /** RetryLaterError deferrals in a row before the job counts as failed instead (default 20). */
  maxDeferrals?: number;
  /** How often idle workers look for due jobs that no notification announced (default QUEUE_POLL_INTERVAL_MS). */
  pollIntervalMs?: number;
  recovery?: Partial<RecoveryTimings>;
  /** graphile-worker crontab lines (periodic jobs); every worker node runs the same schedule and
   * graphile-worker makes sure each tick runs once. */
  crontab?: string;
}

export interface EnqueueOptions {
  /** Jobs sharing a queue name run one at a time, across all nodes. */
  queueName?: string;
  /** At most one pending job per key: enqueuing again updates it instead of adding another. */
  jobKey?: string;
  jobKeyMode?: 'replace' | 'preserve_run_at';
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  maxAttempts?: number;
  priority?: number;
  /** Enqueue inside the caller's transaction: the job exists only if it commits. */
  trx?: Knex | Knex.Transaction;
}

export interface Queue {
  /** Connects, and starts the worker when `runWorker`. Migrations are the caller's (migrateQueueSchema). */
  start(): Promise<void>;
  /** Asks for a sync of one link; bursts collapse into one run, and runs of a link never overlap. */
  enqueueLinkSync(
    tenantId: string,
    linkId: string,
    opts?: { reason?: string; delayMs?: number; trx?: Knex | Knex.Transaction },
  ): Promise<void>;
  /** The payload is stored as plain JSON in the jobs table: ids and hints only, never a secret. */
  enqueue(task: string, payload: Record<string, unknown>, opts?: EnqueueOptions): Promise<void>;
  /** For /readyz: database reachable, queue schema migrated, and (worker role) the worker running. */
  check(): Promise<{ ok: boolean; detail?: string }>;
  /**
   * Stops taking jobs, lets running ones finish for up to `timeoutMs`, then hands the rest back to
   * the queue for another node and resolves. After that the process should exit: a task that
   * ignores its abort signal may still be running.
   */
  stop(timeoutMs: number): Promise<void>;
  /** graphile-worker's id of this process's worker pool (what jobs.locked_by holds), once started. */
  readonly workerId: string | undefined;
}

/** Applies graphile-worker's schema; the app runs it inside its migration lock (migrateLatest). */
export async function migrateQueueSchema(databaseUrl: string, log?: Logger): Promise<void> {
  await runMigrations({
    connectionString: databaseUrl,
    schema: QUEUE_SCHEMA,
    maxPoolSize: 2,
    logger: log ? graphileLogger(log) : new GraphileLogger(() => () => {}),
  });
}

/**
 * graphile-worker's log through pino. Its log metadata can hold whole job rows, payload included,
 * so only the scope and an error message pass through.
 */
export function graphileLogger(log: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    const fields = {
      lib: 'graphile-worker',
      ...(scope.workerId && { workerId: scope.workerId }),
      ...(scope.taskIdentifier && { task: scope.taskIdentifier }),
      ...(scope.jobId && { jobId: scope.jobId }),
      ...(meta?.error instanceof Error && { err: meta.error.message }),
    };
    const l: string = level;
    // A failed attempt is retried: a warning. Errors are for the queue itself going wrong.
    if (l === 'error' && message.startsWith('Failed task')) log.warn(fields, message);
    else if (l === 'error') log.error(fields, message);
    else if (l === 'warning') log.warn(fields, message);
    // One line per completed job is the metrics' job, not the log's.
    else if (l === 'info' && !message.startsWith('Completed task')) log.info(fields, message);
    else log.debug(fields, message);
  });
}

interface RunningJob {
  controller: AbortController;
  /** Set once the job is no longer ours (handed back or taken over): its outcome must not count. */
  returned: boolean;
  /** Resolves when the task's handler has returned or thrown. */
  settled: Promise<void>;
  settle(): void;
  /** A handed-back job holds its outcome until the unlock is done, so graphile-worker's own
   * complete/fail of it is a no-op rather than a retry with backoff. */
  released: Promise<void>;
  release(): void;
}

function runningJob(): RunningJob {
  let settle!: () => void;
  let release!: () => void;
  const settled = new Promise<void>((r) => (settle = r));
  const released = new Promise<void>((r) => (release = r));
  return { controller: new AbortController(), returned: false, settled, settle, released, release };
}

/** How long aborted tasks get to stop before their jobs are handed to another node at shutdown. */
const HAND_BACK_SETTLE_MS = 2000;

// Unref'd: a pending shutdown deadline must not keep a finished process alive.
/**
 * A burst of triggers for one link (a SuperOffice save fires several webhooks within milliseconds)
 * becomes one run if it falls within this; every change waits this long, so it is kept short.
 */
export const LINK_SYNC_DEBOUNCE_MS = 300;
/**
 * While triggers for a link keep coming (the previous one less than this ago), the next run waits
 * this long instead: a burst spread over a second (a series saved row by row) still becomes one or
 * two runs, and a single change still goes out after LINK_SYNC_DEBOUNCE_MS.
 */
export const LINK_SYNC_BURST_DEBOUNCE_MS = 1000;
/**
 * A debounced run is a future job, which no NOTIFY announces: workers find it by polling, so the
 * interval adds up to its length to every propagation. One cheap query per interval per node.
 */
export const QUEUE_POLL_INTERVAL_MS = 250;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export function createQueue(opts: QueueOptions): Queue {
  const { log } = opts;
  const debounceMs = opts.linkSyncDebounceMs ?? LINK_SYNC_DEBOUNCE_MS;
  const burstDebounceMs = Math.max(debounceMs, LINK_SYNC_BURST_DEBOUNCE_MS);
  /** When this process last asked for each link's sync (burst detection; pruned as it grows). */
  const lastLinkRequest = new Map<string, number>();
  const maxDeferrals = opts.maxDeferrals ?? 20;
  const timings = { ...DEFAULT_RECOVERY_TIMINGS, ...opts.recovery };
  const gLogger = graphileLogger(log);

  // One pool for graphile-worker (its LISTEN client, fetching and completing jobs), enqueuing,
  // heartbeats and sweeps. graphile-worker advises concurrency + 2 at least.
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    max: opts.runWorker ? opts.concurrency + 4 : 3,
    application_name: 'calendar-sync-queue',
  });
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle queue database connection failed'));
  pool.on('connect', (client) => client.on('error', (err) => log.warn({ err: err.message }, 'queue database connection failed')));

  let ownDb: Db | undefined;
  const db = () => opts.db ?? (ownDb ??= createDb(opts.databaseUrl, 2));

  let utils: WorkerUtils | undefined;
  let runner: Runner | undefined;
  let runnerError: string | undefined;
  let workerId: string | undefined;
  let recovery: Recovery | undefined;
  let stopping: Promise<void> | undefined;
  const running = new Map<string, RunningJob>();

  /** Aborts every running task and marks its outcome as not ours. `release`: the jobs are already
   * unlocked (taken over elsewhere), so their outcomes may go at once. */
  function handBack(reason: string, release: boolean): void {
    for (const job of running.values()) {
      job.returned = true;
      job.controller.abort(new Error(reason));
      if (release) job.release();
    }
  }

  async function reschedule(name: string, helpers: JobHelpers, payload: Record<string, unknown>, deferrals: number, delayMs: number) {
    const { job } = helpers;
    // Re-adding the job's own key while it is locked makes graphile-worker detach the running copy
    // (it will not retry) and add a fresh one; if a newer request is already pending under the key,
    // that one is moved instead. 'replace' (not preserve_run_at) because Retry-After must push back
    // even a run that was due sooner.
    await helpers.addJob(
      name,
      { ...payload, [DEFERRALS]: deferrals },
      {
        queueName: (await helpers.getQueueName()) ?? undefined,
        jobKey: job.key ?? undefined,
        jobKeyMode: 'replace',
        runAt: new Date(Date.now() + delayMs),
        maxAttempts: job.max_attempts,
        priority: job.priority,
      },
    );
  }

  function wrap(name: string, handler: TaskHandler): Task {
    return async (rawPayload, helpers) => {
      const { job } = helpers;
      const { [DEFERRALS]: d, ...payload } = (rawPayload ?? {}) as Record<string, unknown>;
      const deferrals = typeof d === 'number' ? d : 0;
      const self = runningJob();
      running.set(job.id, self);
      jobsStarted.inc({ task: name });
      const endTimer = jobDuration.startTimer({ task: name });
      const jobLog = log.child({ task: name, jobId: job.id, attempt: job.attempts });
      try {
        await handler(payload, {
          jobId: job.id,
          attempt: job.attempts,
          maxAttempts: job.max_attempts,
          deferrals,
          signal: self.controller.signal,
          log: jobLog,
        });
      } catch (err) {
        if (!self.returned && err instanceof RetryLaterError) {
          if (deferrals >= maxDeferrals) {
            jobLog.warn({ reason: err.message, deferrals }, 'deferred too often in a row; counting it as a failure');
          } else {
            try {
              await reschedule(name, helpers, payload, deferrals + 1, err.delayMs);
              jobsRescheduled.inc({ task: name });
              jobLog.info({ delayMs: err.delayMs, reason: err.message, deferrals: deferrals + 1 }, 'job deferred');
              return;
            } catch (rescheduleErr) {
              jobLog.warn({ err: (rescheduleErr as Error).message }, 'could not defer the job; counting it as a failure');
            }
          }
        }
        if (!self.returned) jobsFailed.inc({ task: name });
        throw err;
      } finally {
        self.settle();
        if (self.returned) await self.released;
        endTimer();
        running.delete(job.id);
      }
      // graphile-worker deletes a completed job by id, whoever holds it now; failing it is a no-op
      // once the lock is gone. So a job we handed back must end in an error, even if it finished.
      if (self.returned) throw new Error('job was handed back to the queue before it finished');
      jobsSucceeded.inc({ task: name });
    };
  }

  function taskList(): TaskList {
    const handlers: Record<string, TaskHandler> = {
      [SYNC_LINK_TASK]: createSyncLinkTask({ db }),
      ...opts.tasks,
    };
    return Object.fromEntries(Object.entries(handlers).map(([name, h]) => [name, wrap(name, h)]));
  }

  async function addJob(task: string, payload: Record<string, unknown>, o: EnqueueOptions = {}): Promise<void> {
    const runAt = o.delayMs ? new Date(Date.now() + o.delayMs) : undefined;
    if (o.trx) {
      await o.trx.raw(
        `select ${SCHEMA_SQL}.add_job(identifier => ?::text, payload => ?::json, queue_name => ?::text,
           run_at => ?::timestamptz, max_attempts => ?::int, job_key => ?::text, priority => ?::int,
           job_key_mode => ?::text)`,
        [task, JSON.stringify(payload), o.queueName ?? null, runAt?.toISOString() ?? null, o.maxAttempts ?? null,
          o.jobKey ?? null, o.priority ?? null, o.jobKeyMode ?? 'replace'],
      );
      return;
    }
    if (!utils) throw new Error('queue not started');
    await utils.addJob(task, payload, {
      queueName: o.queueName,
      jobKey: o.jobKey,
      jobKeyMode: o.jobKeyMode,
      runAt,
      maxAttempts: o.maxAttempts,
      priority: o.priority,
    });
  }

  return {
    get workerId() {
      return workerId;
    },

    async start() {
      utils = await makeWorkerUtils({ pgPool: pool, schema: QUEUE_SCHEMA, logger: gLogger });
      if (!opts.runWorker) return;
      const events = new EventEmitter() as WorkerEvents;
      events.on('pool:create', ({ workerPool }) => (workerId = workerPool.id));
      runner = await run({
        pgPool: pool,
        schema: QUEUE_SCHEMA,
        concurrency: opts.concurrency,
        pollInterval: opts.pollIntervalMs ?? QUEUE_POLL_INTERVAL_MS,
        // The app owns SIGTERM/SIGINT and calls stop(); graphile-worker's handlers would race it.
        noHandleSignals: true,
        logger: gLogger,
        events,
        taskList: taskList(),
        parsedCronItems: parseCrontab(opts.crontab ?? ''),
      });
      runner.promise.catch((err: Error) => {
        runnerError = err.message;
        log.error({ err: err.message }, 'job worker stopped with an error');
      });
      if (!workerId) throw new Error('graphile-worker started without announcing its worker pool');
      recovery = createRecovery({
        pool,
        schema: SCHEMA_SQL,
        workerId,
        log,
        timings,
        onPresumedDead: () => handBack('another node presumed this worker dead and took its jobs', true),
      });
      await recovery.start();
      log.info({ workerId, concurrency: opts.concurrency }, 'job worker started');
    },

    async enqueueLinkSync(tenantId, linkId, o = {}) {
      const at = Date.now();
      const previous = lastLinkRequest.get(linkId);
      lastLinkRequest.set(linkId, at);
      if (lastLinkRequest.size > 10_000) for (const [id, t] of lastLinkRequest) if (at - t > burstDebounceMs) lastLinkRequest.delete(id);
      const debounce = previous !== undefined && at - previous < burstDebounceMs ? burstDebounceMs : debounceMs;
      // A short debounce turns a burst of triggers (one save in SuperOffice fires several webhooks)
      // into one run. 'preserve_run_at': a new request for a link that already has a run pending
      // keeps that run's time, so the burst cannot keep postponing it, and a pending Retry-After
      // delay is not cut short. (A run already in progress is not affected: the request becomes the
      // next run, which the link's queue starts only after this one ends.)
      await addJob(
        SYNC_LINK_TASK,
        { tenantId, linkId, reason: (o.reason ?? 'unspecified').slice(0, 200) },
        {
          queueName: linkQueueName(linkId),
          jobKey: linkJobKey(linkId),
          jobKeyMode: 'preserve_run_at',
          delayMs: Math.max(debounce, o.delayMs ?? 0),
          maxAttempts: LINK_SYNC_MAX_ATTEMPTS,
          trx: o.trx,
        },
      );
    },

    enqueue: addJob,

    async check() {
      if (stopping) return { ok: false, detail: 'stopping' };
      let revision: number | null = null;
      try {
        const exists = await pool.query(`select to_regclass('${QUEUE_SCHEMA}.migrations') is not null as ok`);
        if (exists.rows[0]?.ok) {
          const r = await pool.query<{ revision: number | null }>(`select max(id) as revision from ${SCHEMA_SQL}.migrations`);
          revision = r.rows[0]?.revision ?? null;
        }
      } catch (err) {
        return { ok: false, detail: `database: ${(err as Error).message}` };
      }
      if (revision === null || revision < QUEUE_SCHEMA_REVISION) {
        return { ok: false, detail: `queue schema at revision ${revision ?? 'none'}, needs ${QUEUE_SCHEMA_REVISION}` };
      }
      if (!utils) return { ok: false, detail: 'not started' };
      if (opts.runWorker && runnerError) return { ok: false, detail: `worker stopped: ${runnerError}` };
      if (opts.runWorker && !runner) return { ok: false, detail: 'worker not running' };
      return { ok: true };
    },

    stop(timeoutMs) {
      stopping ??= (async () => {
        if (runner) {
          const finished = runner.stop().then(
            () => true,
            (err: Error) => (log.error({ err: err.message }, 'job worker did not stop cleanly'), true),
          );
          const inTime = await Promise.race([finished, sleep(timeoutMs).then(() => false)]);
          if (!inTime) {
            // Abort first and give the tasks a moment to stop, so that another node never runs a
            // link's job while ours still touches it; then unlock, then let the tasks' outcomes go
            // (graphile-worker's fail of a job it no longer holds is a no-op, so no backoff).
            // If the database is gone too, the sweep of another node unlocks them once our locks age.
            const ids = [...running.keys()];
            const jobs = [...running.values()];
            handBack('worker shutting down', false);
            await Promise.race([Promise.all(jobs.map((j) => j.settled)), sleep(HAND_BACK_SETTLE_MS)]);
            await pool
              .query(
                `select ${SCHEMA_SQL}.force_unlock_workers($1::text[]), pg_notify('jobs:insert', json_build_object('count', $2::int)::text)`,
                [[workerId], ids.length],
              )
              .then(
                () => log.warn({ jobs: ids, timeoutMs }, 'handed running jobs back to the queue at shutdown'),
                (err: Error) => log.error({ jobs: ids, err: err.message }, 'could not hand running jobs back'),
              );
            for (const j of jobs) j.release();
            await Promise.race([finished, sleep(1000)]);
          }
          await recovery?.stop().catch((err: Error) => log.warn({ err: err.message }, 'could not remove heartbeat'));
        }
        await utils?.release();
        await Promise.race([pool.end(), sleep(1000)]);
        await ownDb?.destroy();
      })();
      return stopping;
    },
  };
}
