import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createLogger } from '../../server/log.ts';
import { createQueue, type Queue } from '../../server/jobs/queue.ts';
import {
  killStrayWorkers,
  queueDatabase,
  queuedJobs,
  readRuns,
  startWorker,
  waitFor,
} from '../fixtures/queue-worker.ts';
import type { MigratedDatabase } from '../helpers/db.ts';

async function withWorker(env: Record<string, string>, body: (qdb: MigratedDatabase, client: Queue) => Promise<void>) {
  const qdb = await queueDatabase();
  const client = createQueue({ databaseUrl: qdb.url, log: createLogger('silent'), concurrency: 1, runWorker: false });
  try {
    await startWorker(qdb.url, env);
    await client.start();
    await body(qdb, client);
  } finally {
    killStrayWorkers();
    await client.stop(1000);
    await qdb.close();
  }
}

test('a failing job is retried with growing delays, then fails for good', async () => {
  await withWorker({}, async (qdb, client) => {
    await client.enqueue('record', { label: 'flaky', mode: 'fail' }, { maxAttempts: 3 });
    const job = await waitFor('the job to fail for good', async () => {
      const [j] = await queuedJobs(qdb.db);
      return j && j.attempts === 3 && j.locked_by === null ? j : undefined;
    });
    assert.equal(job.last_error, 'planned failure');
    const runs = await readRuns(qdb.db, 'flaky');
    assert.deepEqual(runs.map((r) => r.attempt), [1, 2, 3]);
    const gaps = [runs[1]!.start - runs[0]!.end!, runs[2]!.start - runs[1]!.end!];
    console.log(`# delays between attempts: ${gaps.join(' ms, ')} ms`);
    // graphile-worker waits e^attempt seconds: about 2.7 s, then 7.4 s.
    assert.ok(gaps[0]! >= 2700, `first retry after ${gaps[0]} ms`);
    assert.ok(gaps[1]! > 2 * gaps[0]!, `second delay ${gaps[1]} ms is not well above the first ${gaps[0]} ms`);
  });
});

test('RetryLaterError reruns the job no earlier than its delay, without counting a failure', async () => {
  await withWorker({}, async (qdb, client) => {
    await client.enqueue('record', { label: 'limited', mode: 'retry-later-once', delayMs: 1500 });
    await waitFor('the job to finish', async () => (await queuedJobs(qdb.db)).length === 0);
    const runs = await readRuns(qdb.db, 'limited');
    assert.deepEqual(runs.map((r) => [r.outcome, r.deferrals, r.attempt]), [
      ['RetryLaterError', 0, 1],
      ['ok', 1, 1],
    ]);
    const gap = runs[1]!.start - runs[0]!.end!;
    console.log(`# rerun ${gap} ms after a 1500 ms Retry-After`);
    assert.ok(gap >= 1500, `rerun after ${gap} ms`);
  });
});

test('a new sync request does not cut short a link sync deferred by Retry-After', async () => {
  await withWorker({ FIXTURE_SYNC_RETRY_LATER_MS: '3000' }, async (qdb, client) => {
    const tenantId = randomUUID();
    const linkId = randomUUID();
    await client.enqueueLinkSync(tenantId, linkId, { reason: 'rate-limited' });
    const [first] = await waitFor('the first run to be deferred', async () => {
      const [runs, jobs] = await Promise.all([readRuns(qdb.db, linkId), queuedJobs(qdb.db)]);
      // Deferred = the run ended and its replacement is the only job left, waiting.
      return runs.length === 1 && runs[0]!.end && jobs.length === 1 && jobs[0]!.locked_by === null ? runs : undefined;
    });
    // The deferred run is due in 3 s; this request alone would be due in 1 s (the debounce). It
    // replaces the pending run's payload (new information), but must keep its time.
    await client.enqueueLinkSync(tenantId, linkId, { reason: 'webhook during the wait' });
    await waitFor('the queue to drain', async () => (await queuedJobs(qdb.db)).length === 0);
    const runs = await readRuns(qdb.db, linkId);
    assert.equal(runs.length, 2, JSON.stringify(runs));
    const gap = runs[1]!.start - first!.end!;
    console.log(`# link rerun ${gap} ms after a 3000 ms Retry-After, with a request in between`);
    assert.ok(gap >= 3000, `rerun after ${gap} ms`);
  });
});
