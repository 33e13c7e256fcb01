import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../server/log.ts';
import { createSyncLinkTask } from '../../server/jobs/sync-link.ts';
import type { TaskContext } from '../../server/jobs/queue.ts';
import { migratedDatabase } from '../helpers/db.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  const ctx: TaskContext = {
    jobId: '1',
    attempt: 1,
    maxAttempts: 12,
    deferrals: 0,
    signal: new AbortController().signal,
    log: createLogger('info', stream),
  };
  return { lines, ctx };
}

test('sync-link reads the link only within the tenant that asked, and skips idle links', async () => {
  const tdb = await migratedDatabase();
  try {
    const { db } = tdb;
    const [t1] = await db('tenants').insert({ context_identifier: 'Cust1' }).returning('id');
    const [t2] = await db('tenants').insert({ context_identifier: 'Cust2' }).returning('id');
    const [p1] = await db('profiles').insert({ tenant_id: t1.id, name: 'M365', calendar_system: 'graph' }).returning('id');
    const [active] = await db('links')
      .insert({ tenant_id: t1.id, profile_id: p1.id, associate_id: 5, mailbox: 'a@x.test', state: 'active' })
      .returning('id');
    const [paused] = await db('links')
      .insert({ tenant_id: t1.id, profile_id: p1.id, associate_id: 6, mailbox: 'b@x.test', state: 'paused' })
      .returning('id');
    const task = createSyncLinkTask({ db: () => db });

    const own = capture();
    await task({ tenantId: t1.id, linkId: active.id, reason: 'webhook' }, own.ctx);
    assert.match(String(own.lines.at(-1)?.msg), /sync due/);
    assert.equal(own.lines.at(-1)?.linkId, active.id);

    const other = capture();
    await task({ tenantId: t2.id, linkId: active.id, reason: 'webhook' }, other.ctx);
    assert.match(String(other.lines.at(-1)?.msg), /no such link for this tenant/);

    const idle = capture();
    await task({ tenantId: t1.id, linkId: paused.id }, idle.ctx);
    assert.match(String(idle.lines.at(-1)?.msg), /idle; skipped/);

    const bad = capture();
    await task({ tenantId: 'not-a-uuid', linkId: active.id }, bad.ctx);
    assert.match(String(bad.lines.at(-1)?.msg), /malformed payload dropped/);
    assert.equal(bad.lines.at(-1)?.level, 50);
  } finally {
    await tdb.close();
  }
});
