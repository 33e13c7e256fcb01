import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../server/log.ts';
import { createQueue } from '../../server/jobs/queue.ts';
import { DEFAULT_RECOVERY_TIMINGS } from '../../server/jobs/recovery.ts';
import { killStrayWorkers, queueDatabase, queuedJobs, readRuns, startWorker, waitFor } from '../fixtures/queue-worker.ts';

test('on SIGTERM a worker finishes its running job, takes no new one, and exits', async () => {
  const qdb = await queueDatabase();
  const client = createQueue({ databaseUrl: qdb.url, log: createLogger('silent'), concurrency: 1, runWorker: false });
  try {
    const w = await startWorker(qdb.url, { WORKER_CONCURRENCY: '1', STOP_TIMEOUT_MS: '10000' });
    await client.start();
    // Same queue, so the second waits for the first.
    await client.enqueue('record', { label: 'running', sleepMs: 1500 }, { queueName: 'q' });
    await client.enqueue('record', { label: 'waiting', sleepMs: 0 }, { queueName: 'q' });
    await waitFor('the first job to start', async () => (await readRuns(qdb.db, 'running')).length === 1);
    w.child.kill('SIGTERM');
    const exit = await w.exited;
    assert.equal(exit.code, 0, w.output());

    const [run] = await readRuns(qdb.db, 'running');
    assert.equal(run!.outcome, 'ok', 'the running job was not allowed to finish');
    assert.deepEqual(await readRuns(qdb.db, 'waiting'), [], 'a new job was taken after SIGTERM');
    const jobs = await queuedJobs(qdb.db);
    assert.deepEqual(jobs.map((j) => [j.task_identifier, j.locked_by, j.attempts]), [['record', null, 0]]);
    assert.deepEqual(await qdb.db('worker_heartbeats').pluck('worker_id'), [], 'a clean exit left its heartbeat');
  } finally {
    killStrayWorkers();
    await client.stop(1000);
    await qdb.close();
  }
});

test('a job still running when the shutdown grace period ends goes back to the queue for another worker', async () => {
  const qdb = await queueDatabase();
  const client = createQueue({ databaseUrl: qdb.url, log: createLogger('silent'), concurrency: 1, runWorker: false });
  try {
    const a = await startWorker(qdb.url, { WORKER_CONCURRENCY: '1', STOP_TIMEOUT_MS: '1000' });
    await client.start();
    await client.enqueue('record', { label: 'slow', sleepMs: 4000 }, { queueName: 'q' });
    await waitFor('A to start the job', async () => (await readRuns(qdb.db, 'slow')).length === 1);
    const b = await startWorker(qdb.url, { WORKER_CONCURRENCY: '1' });
    a.child.kill('SIGTERM');
    const termAt = Date.now();
    const exit = await a.exited;
    assert.equal(exit.code, 0, a.output());
    const stopped = a.events.find((e) => e.event === 'stopped');
    console.log(`# A stopped ${String(stopped?.ms)} ms after SIGTERM (grace period 1000 ms)`);

    const done = await waitFor('B to finish the job', async () =>
      (await readRuns(qdb.db, 'slow')).find((r) => r.pid === b.pid && r.outcome === 'ok'),
    );
    const [first] = await readRuns(qdb.db, 'slow');
    assert.equal(first!.pid, a.pid);
    assert.equal(first!.outcome, 'aborted', 'the task was not told to stop');
    assert.ok(done.start >= first!.end!, 'B started the job while A was still running it');
    // Handed back, not recovered as from a crash: B did not wait for A's heartbeat to go stale.
    console.log(`# B took the job over ${done.start - termAt} ms after SIGTERM`);
    assert.ok(done.start - termAt < DEFAULT_RECOVERY_TIMINGS.staleAfterMs, `B took ${done.start - termAt} ms to take the job over`);
    await waitFor('the job to be gone', async () => (await queuedJobs(qdb.db)).length === 0);
  } finally {
    killStrayWorkers();
    await client.stop(1000);
    await qdb.close();
  }
});
