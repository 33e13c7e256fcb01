import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../server/log.ts';
import { createQueue, linkQueueName } from '../../server/jobs/queue.ts';
import { killStrayWorkers, queueDatabase, queuedJobs, readRuns, startWorker, waitFor } from '../fixtures/queue-worker.ts';

// Runs with the production heartbeat and sweep intervals: the bound is the issue's, 60 s.
test('a job whose worker process is killed with SIGKILL is finished by another process within 60 s', async () => {
  const qdb = await queueDatabase();
  const client = createQueue({ databaseUrl: qdb.url, log: createLogger('silent'), concurrency: 1, runWorker: false });
  try {
    const a = await startWorker(qdb.url, { WORKER_CONCURRENCY: '1' });
    await client.start();
    // In a link's queue, so the queue's lock must be released too, not only the job's.
    await client.enqueue('record', { label: 'long', sleepMs: 3000 }, { queueName: linkQueueName('crash') });
    await waitFor('process A to start the job', async () => (await readRuns(qdb.db, 'long')).find((r) => r.pid === a.pid));

    // A dies holding the job; B starts only then, so the job cannot finish on A while B is still
    // starting (on a loaded machine B's start outlasted the 3 s job) and B must recover it.
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    await a.exited;
    const b = await startWorker(qdb.url, { WORKER_CONCURRENCY: '1' });

    const done = await waitFor('process B to finish the job', async () =>
      (await readRuns(qdb.db, 'long')).find((r) => r.pid === b.pid && r.outcome === 'ok'),
    ).catch(async (err: Error) => {
      // Say what the queue looked like, so a failure here can be understood from the CI log alone.
      const state = {
        runs: await readRuns(qdb.db, 'long'),
        jobs: await queuedJobs(qdb.db),
        heartbeats: await qdb.db('worker_heartbeats').select(),
        queues: await qdb.db.raw('select * from graphile_worker._private_job_queues').then((r) => r.rows),
        a: { pid: a.pid, workerId: a.workerId },
        b: { pid: b.pid, workerId: b.workerId, output: b.output().slice(-4000) },
      };
      throw new Error(`${err.message}\n${JSON.stringify(state, null, 1)}`);
    });
    const recoveryMs = done.end! - killedAt;
    console.log(`# job finished by another process ${recoveryMs} ms after SIGKILL (restarted ${done.start - killedAt} ms after)`);
    assert.ok(recoveryMs < 60_000, `recovery took ${recoveryMs} ms`);
    assert.ok(done.start > killedAt);
    assert.equal(done.attempt, 2, 'the killed run counts as an attempt');
    await waitFor('the job to be gone', async () => (await queuedJobs(qdb.db)).length === 0);
    const heartbeats = await qdb.db('worker_heartbeats').pluck('worker_id');
    assert.deepEqual(heartbeats, [b.workerId], 'the dead worker is still listed');
  } finally {
    killStrayWorkers();
    await client.stop(1000);
    await qdb.close();
  }
});
