import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createLogger } from '../../server/log.ts';
import { createQueue, linkQueueName } from '../../server/jobs/queue.ts';
import { killStrayWorkers, queueDatabase, readRuns, startWorker, waitFor, type Run } from '../fixtures/queue-worker.ts';

const overlaps = (a: Run, b: Run) => a.start < b.end! && b.start < a.end!;

test('runs of one link never overlap, even across two worker processes; other links run alongside', async () => {
  const qdb = await queueDatabase();
  const client = createQueue({ databaseUrl: qdb.url, log: createLogger('silent'), concurrency: 1, runWorker: false });
  try {
    // Four idle workers in two processes, and every job due at once: without the link's queue,
    // several runs of link A would start together.
    const workers = await Promise.all([1, 2].map(() => startWorker(qdb.url, { WORKER_CONCURRENCY: '2' })));
    await client.start();
    const linkA = randomUUID();
    const linkB = randomUUID();
    for (let i = 0; i < 8; i++) {
      await client.enqueue('record', { label: linkA, sleepMs: 150 }, { queueName: linkQueueName(linkA) });
      await client.enqueue('record', { label: linkB, sleepMs: 150 }, { queueName: linkQueueName(linkB) });
    }
    await waitFor('16 finished runs', async () => (await readRuns(qdb.db)).filter((r) => r.end !== null).length === 16);

    const a = await readRuns(qdb.db, linkA);
    const b = await readRuns(qdb.db, linkB);
    assert.equal(a.length, 8);
    assert.equal(b.length, 8);
    for (const runs of [a, b]) {
      for (let i = 1; i < runs.length; i++) {
        assert.ok(runs[i]!.start >= runs[i - 1]!.end!, `runs of one link overlap: ${JSON.stringify([runs[i - 1], runs[i]])}`);
      }
    }
    assert.ok(a.some((x) => b.some((y) => overlaps(x, y))), 'links A and B never ran at the same time');
    const byPid = (runs: Run[]) => Object.fromEntries(workers.map((w) => [w.pid, runs.filter((r) => r.pid === w.pid).length]));
    console.log(`# runs per worker process: link A ${JSON.stringify(byPid(a))}, link B ${JSON.stringify(byPid(b))}`);
  } finally {
    killStrayWorkers();
    await client.stop(1000);
    await qdb.close();
  }
});
