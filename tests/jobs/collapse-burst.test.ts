import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../server/log.ts';
import { createQueue } from '../../server/jobs/queue.ts';
import { killStrayWorkers, queueDatabase, queuedJobs, readRuns, startWorker, waitFor } from '../fixtures/queue-worker.ts';

test('50 sync requests for one link within a second, from a web-only node, collapse into at most 2 runs', async () => {
  const qdb = await queueDatabase();
  // The enqueuing side runs no worker, as on a web-only node.
  const web = createQueue({ databaseUrl: qdb.url, log: createLogger('silent'), concurrency: 1, runWorker: false });
  try {
    await startWorker(qdb.url, { WORKER_CONCURRENCY: '4', FIXTURE_SYNC_MS: '50' });
    await web.start();
    const tenantId = randomUUID();
    const linkId = randomUUID();
    const t0 = Date.now();
    // Spread over ~800 ms, as a burst of webhooks arrives, rather than all at once.
    for (let i = 0; i < 50; i++) {
      await sleep(Math.max(0, t0 + i * 16 - Date.now()));
      await web.enqueueLinkSync(tenantId, linkId, { reason: `webhook ${i}` });
    }
    const burstMs = Date.now() - t0;
    assert.ok(burstMs < 1000, `the burst itself took ${burstMs} ms; the scenario is 50 requests within a second`);

    await waitFor('the queue to drain', async () => {
      const [jobs, runs] = await Promise.all([queuedJobs(qdb.db), readRuns(qdb.db, linkId)]);
      return jobs.length === 0 && runs.length > 0 && runs.every((r) => r.end !== null);
    });
    const runs = await readRuns(qdb.db, linkId);
    console.log(`# 50 requests over ${burstMs} ms -> ${runs.length} run(s)`);
    assert.ok(runs.length >= 1 && runs.length <= 2, `expected 1 or 2 runs, got ${runs.length}`);
  } finally {
    killStrayWorkers();
    await web.stop(1000);
    await qdb.close();
  }
});
