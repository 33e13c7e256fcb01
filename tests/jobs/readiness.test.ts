import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../server/log.ts';
import { freePort } from '../../server/net/free-port.ts';
import { createQueue, migrateQueueSchema } from '../../server/jobs/queue.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { queueDatabase } from '../fixtures/queue-worker.ts';

const log = createLogger('silent');

test('check() fails until the queue schema is migrated and the queue started, and again once stopping', async () => {
  const tdb = await createTestDatabase('q');
  const worker = createQueue({ databaseUrl: tdb.url, log, concurrency: 1, runWorker: true });
  const web = createQueue({ databaseUrl: tdb.url, log, concurrency: 1, runWorker: false });
  try {
    const before = await worker.check();
    assert.equal(before.ok, false);
    assert.match(before.detail!, /^queue schema at revision none, needs \d+$/);

    await migrateQueueSchema(tdb.url);
    // worker_heartbeats comes from the app's migrations; only the queue's are needed to enqueue.
    assert.deepEqual(await web.check(), { ok: false, detail: 'not started' });
    await web.start();
    assert.deepEqual(await web.check(), { ok: true });
    assert.deepEqual(await worker.check(), { ok: false, detail: 'not started' });

    await web.stop(1000);
    assert.deepEqual(await web.check(), { ok: false, detail: 'stopping' });
  } finally {
    await web.stop(1000);
    await worker.stop(1000);
    await tdb.drop();
  }
});

test('check() of a worker is ok while its worker runs', async () => {
  const qdb = await queueDatabase();
  const worker = createQueue({ databaseUrl: qdb.url, log, concurrency: 1, runWorker: true });
  try {
    await worker.start();
    assert.deepEqual(await worker.check(), { ok: true });
    await worker.stop(1000);
    assert.deepEqual(await worker.check(), { ok: false, detail: 'stopping' });
  } finally {
    await worker.stop(1000);
    await qdb.close();
  }
});

test('check() reports an unreachable database', async () => {
  const url = `postgres://postgres@127.0.0.1:${await freePort()}/nowhere`;
  const q = createQueue({ databaseUrl: url, log, concurrency: 1, runWorker: false });
  try {
    const r = await q.check();
    assert.equal(r.ok, false);
    assert.match(r.detail!, /^database: .*ECONNREFUSED/);
  } finally {
    await q.stop(1000);
  }
});
