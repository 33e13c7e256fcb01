import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../server/log.ts';
import { registry } from '../../server/metrics.ts';
import { createQueue, RetryLaterError, type TaskHandler } from '../../server/jobs/queue.ts';
import { queueDatabase, queuedJobs, waitFor } from '../fixtures/queue-worker.ts';

/** A counter's value, or a histogram's observation count, for one task. */
async function sample(name: string, task: string): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const series = m && String(m.type) === 'histogram' ? `${name}_count` : name;
  const values = (m?.values ?? []) as Array<{ value: number; labels: Record<string, string | number>; metricName?: string }>;
  return values.find((v) => v.labels.task === task && (v.metricName ?? name) === series)?.value ?? 0;
}

test('jobs are counted by outcome and timed, labelled by task name only', async () => {
  const qdb = await queueDatabase();
  const deferOnce: TaskHandler = async (_p, ctx) => {
    if (ctx.deferrals === 0) throw new RetryLaterError(0, 'once');
  };
  const queue = createQueue({
    databaseUrl: qdb.url,
    log: createLogger('silent'),
    concurrency: 2,
    runWorker: true,
    pollIntervalMs: 50,
    tasks: {
      'm-ok': async () => {},
      'm-fail': async () => {
        throw new Error('no');
      },
      'm-defer': deferOnce,
    },
  });
  try {
    await queue.start();
    const tenant = { tenantId: 'b3a1c1d2-0000-4000-8000-000000000001', linkId: 'b3a1c1d2-0000-4000-8000-000000000002' };
    await queue.enqueue('m-ok', tenant);
    await queue.enqueue('m-ok', tenant);
    await queue.enqueue('m-fail', tenant, { maxAttempts: 1 });
    await queue.enqueue('m-defer', tenant);
    await waitFor('all jobs to settle', async () => {
      const jobs = await queuedJobs(qdb.db);
      return jobs.length === 1 && jobs[0]!.task_identifier === 'm-fail' && jobs[0]!.locked_by === null && (await sample('queue_jobs_succeeded_total', 'm-defer')) === 1;
    });

    assert.equal(await sample('queue_jobs_started_total', 'm-ok'), 2);
    assert.equal(await sample('queue_jobs_succeeded_total', 'm-ok'), 2);
    assert.equal(await sample('queue_jobs_started_total', 'm-fail'), 1);
    assert.equal(await sample('queue_jobs_failed_total', 'm-fail'), 1);
    assert.equal(await sample('queue_jobs_started_total', 'm-defer'), 2);
    assert.equal(await sample('queue_jobs_rescheduled_total', 'm-defer'), 1);
    assert.equal(await sample('queue_jobs_succeeded_total', 'm-defer'), 1);
    assert.equal(await sample('queue_job_duration_seconds', 'm-ok'), 2, 'durations observed');

    const text = await registry.metrics();
    const queueLines = text.split('\n').filter((l) => l.startsWith('queue_'));
    assert.ok(queueLines.length > 0);
    for (const line of queueLines) {
      const labels = [...line.matchAll(/(\w+)="/g)].map((m) => m[1]);
      assert.ok(labels.every((l) => l === 'task' || l === 'le'), `unexpected label in ${line}`);
      assert.ok(!line.includes(tenant.tenantId) && !line.includes(tenant.linkId), `an id leaked into ${line}`);
    }
  } finally {
    await queue.stop(1000);
    await qdb.close();
  }
});
