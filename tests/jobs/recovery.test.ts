// The recovery rules, in one process with short intervals; the SIGKILL test shows the whole thing
// across real processes with the production intervals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../server/log.ts';
import { createQueue, type TaskHandler } from '../../server/jobs/queue.ts';
import { queueDatabase, queuedJobs, waitFor } from '../fixtures/queue-worker.ts';
import type { MigratedDatabase } from '../helpers/db.ts';

const fast = { heartbeatMs: 100, staleAfterMs: 3000, sweepMs: 200 };

async function withWorker(tasks: Record<string, TaskHandler>, body: (qdb: MigratedDatabase) => Promise<void>) {
  const qdb = await queueDatabase();
  const queue = createQueue({
    databaseUrl: qdb.url,
    log: createLogger('silent'),
    concurrency: 1,
    runWorker: true,
    pollIntervalMs: 50,
    recovery: fast,
    tasks,
  });
  try {
    await queue.start();
    await body(qdb);
  } finally {
    await queue.stop(1000);
    await qdb.close();
  }
}

/** Makes job `id` due and locked by `workerId` since `agoSecs`: a worker that died holding it. */
async function lockAs(qdb: MigratedDatabase, id: string, workerId: string, agoSecs: number) {
  await qdb.db.raw(
    `update graphile_worker._private_jobs
       set locked_by = ?, locked_at = now() - make_interval(secs => ?), attempts = 1, run_at = now() where id = ?`,
    [workerId, agoSecs, id],
  );
}

test('jobs of a worker whose heartbeat went stale are unlocked and run again', async () => {
  const ran: string[] = [];
  await withWorker({ t: async (p) => void ran.push(String(p.n)) }, async (qdb) => {
    // Added far in the future so the live worker leaves it alone until we lock it.
    const [job] = await qdb.db.raw(`select id from graphile_worker.add_job('t', '{"n":1}', run_at => now() + interval '1 hour')`).then((r) => r.rows);
    await qdb.db('worker_heartbeats').insert({ worker_id: 'dead-pool', hostname: 'gone', pid: 1, last_seen_at: qdb.db.raw(`now() - interval '1 minute'`) });
    // A fresh lock: only the stale heartbeat can explain its release.
    await lockAs(qdb, job.id, 'dead-pool', 0);
    await waitFor('the job to run', async () => ran.length === 1);
    await waitFor('the job to be gone', async () => (await queuedJobs(qdb.db)).length === 0);
    assert.deepEqual(await qdb.db('worker_heartbeats').where({ worker_id: 'dead-pool' }), []);
  });
});

test('an old lock is cleared only when its worker never heartbeated, a fresh lock or a live worker keeps it', async () => {
  const ran: string[] = [];
  await withWorker({ t: async (p) => void ran.push(String(p.n)) }, async (qdb) => {
    // Added in the future so the live worker leaves them alone; locked and made due in one go.
    const add = (n: number) =>
      qdb.db.raw(`select id from graphile_worker.add_job('t', ?::json, run_at => now() + interval '1 hour')`, [JSON.stringify({ n })]).then((r) => r.rows[0].id as string);
    const young = await add(1);
    const old = await add(2);
    const long = await add(3);
    // 'live-pool' heartbeats (its row is fresh for the whole test) and has run job 3 for a minute.
    await qdb.db('worker_heartbeats').insert({ worker_id: 'live-pool', hostname: 'elsewhere', pid: 1, last_seen_at: qdb.db.raw(`now() + interval '1 hour'`) });
    await qdb.db.raw(
      `update graphile_worker._private_jobs set attempts = 1, run_at = now(),
         locked_by = case when id = ? then 'live-pool' else 'ghost-' || id end,
         locked_at = case when id = ? then now() else now() - interval '1 minute' end
       where id in (?, ?, ?)`,
      [long, young, young, old, long],
    );
    await waitFor('the old lock to be cleared and its job run', async () => ran.includes('2'));
    const left = await queuedJobs(qdb.db);
    assert.deepEqual(
      left.map((j) => [j.id, j.locked_by]).sort(),
      [[young, `ghost-${young}`], [long, 'live-pool']].sort(),
      'a lock that should stay was taken away',
    );
    assert.deepEqual(ran, ['2']);
  });
});

test('a worker presumed dead by another node aborts the jobs it is running', async () => {
  let aborted = false;
  let started = false;
  const hold: TaskHandler = (_p, ctx) =>
    new Promise((_resolve, reject) => {
      started = true;
      ctx.signal.addEventListener('abort', () => {
        aborted = true;
        reject(ctx.signal.reason as Error);
      });
    });
  await withWorker({ hold }, async (qdb) => {
    await qdb.db.raw(`select graphile_worker.add_job('hold', '{}', max_attempts => 1)`);
    await waitFor('the job to start', async () => started);
    // What another node's sweep does to a worker it believes dead.
    const [hb] = await qdb.db('worker_heartbeats').del().returning('worker_id');
    await qdb.db.raw(`select graphile_worker.force_unlock_workers(?::text[])`, [[hb.worker_id]]);
    await waitFor('the job to be aborted', async () => aborted);
    await waitFor('the worker to heartbeat again', async () => (await qdb.db('worker_heartbeats').pluck('worker_id')).includes(hb.worker_id));
  });
});
