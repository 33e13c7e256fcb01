import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createDb } from '../../server/db/knex.ts';
import { migrateLatest } from '../../server/db/migrate.ts';
import { createLogger } from '../../server/log.ts';
import { createQueue, LINK_SYNC_MAX_ATTEMPTS, linkQueueName, migrateQueueSchema, RetryLaterError } from '../../server/jobs/queue.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { queueDatabase, queuedJobs, waitFor } from '../fixtures/queue-worker.ts';

const log = createLogger('silent');

test('the queue schema migrates as a step of the app migration (under its lock), from several nodes at once', async () => {
  const tdb = await createTestDatabase('q');
  const dbs = [createDb(tdb.url, 2), createDb(tdb.url, 2)];
  try {
    await Promise.all(dbs.map((db) => migrateLatest(db, tdb.url, [() => migrateQueueSchema(tdb.url)])));
    const ids = await dbs[0]!('graphile_worker.migrations').orderBy('id').pluck('id');
    assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => i + 1));
    assert.ok(ids.length >= 19, `graphile-worker schema at revision ${ids.length}`);
  } finally {
    await Promise.all(dbs.map((db) => db.destroy()));
    await tdb.drop();
  }
});

test('a link sync enqueued in a transaction exists only if the transaction commits', async () => {
  const qdb = await queueDatabase();
  const web = createQueue({ databaseUrl: qdb.url, log, concurrency: 1, runWorker: false });
  try {
    await web.start();
    const tenantId = randomUUID();
    const kept = randomUUID();
    const dropped = randomUUID();
    await qdb.db.transaction((trx) => web.enqueueLinkSync(tenantId, kept, { reason: 'webhook', trx }));
    await assert.rejects(
      qdb.db.transaction(async (trx) => {
        await web.enqueueLinkSync(tenantId, dropped, { reason: 'webhook', trx });
        throw new Error('handler failed after enqueuing');
      }),
      /handler failed/,
    );
    const jobs = await qdb.db('graphile_worker.jobs').select('task_identifier', 'queue_name', 'key', 'max_attempts', 'run_at');
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].task_identifier, 'sync-link');
    assert.equal(jobs[0].queue_name, linkQueueName(kept));
    assert.equal(jobs[0].key, `sync-link:${kept}`);
    assert.equal(jobs[0].max_attempts, LINK_SYNC_MAX_ATTEMPTS);
    assert.ok(new Date(jobs[0].run_at).getTime() > Date.now(), 'a link sync waits out the debounce');
  } finally {
    await web.stop(1000);
    await qdb.close();
  }
});

test('enqueueing before start() is refused', async () => {
  const q = createQueue({ databaseUrl: 'postgres://127.0.0.1:1/none', log, concurrency: 1, runWorker: false });
  await assert.rejects(q.enqueue('x', {}), /queue not started/);
  await q.stop(1000);
});

test('a job deferred too often in a row counts as a failed attempt instead', async () => {
  const qdb = await queueDatabase();
  const deferrals: number[] = [];
  const queue = createQueue({
    databaseUrl: qdb.url,
    log,
    concurrency: 1,
    runWorker: true,
    pollIntervalMs: 50,
    maxDeferrals: 2,
    tasks: {
      limited: async (_p, ctx) => {
        deferrals.push(ctx.deferrals);
        throw new RetryLaterError(0, 'still rate-limited');
      },
    },
  });
  try {
    await queue.start();
    await queue.enqueue('limited', {}, { maxAttempts: 5 });
    const job = await waitFor('the job to fail', async () => (await queuedJobs(qdb.db)).find((j) => j.last_error !== null));
    assert.deepEqual(deferrals, [0, 1, 2]);
    assert.equal(job.last_error, 'still rate-limited');
    assert.equal(job.attempts, 1, 'deferrals were counted as failures');
  } finally {
    await queue.stop(1000);
    await qdb.close();
  }
});
