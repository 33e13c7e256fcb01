// How fast a requested sync starts, which bounds "within seconds" end to end: a webhook or
// notification enqueues a link sync; this measures enqueue -> task start on one in-process worker.
// Part of it is deliberate: the link-sync debounce (LINK_SYNC_DEBOUNCE_MS) that lets a burst collapse into one run.
//
// Prints each figure next to the limit it is held to, and exits 1 when one is over.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDb } from '../server/db/knex.ts';
import { migrateLatest } from '../server/db/migrate.ts';
import { createLogger } from '../server/log.ts';
import { createQueue, LINK_SYNC_DEBOUNCE_MS, migrateQueueSchema } from '../server/jobs/queue.ts';
import { benchDatabase } from './bench-database.ts';
import { limits, percentile } from './limits.ts';

const LINKS = Number(process.env.BENCH_LINKS ?? 300);
const RATE_PER_S = Number(process.env.BENCH_RATE ?? 50);
const LIMITS = { p50Ms: 1500, p95Ms: 2500, burstRuns: 2 };

const bdb = await benchDatabase();
const db = createDb(bdb.url, 5);
const out = limits();
const report = out.report;

try {
  await migrateLatest(db, bdb.url, [() => migrateQueueSchema(bdb.url)]);
  const requested = new Map<string, number>();
  const started = new Map<string, number>();
  const runsPerLink = new Map<string, number>();
  const queue = createQueue({
    databaseUrl: bdb.url,
    log: createLogger('warn'),
    concurrency: 4,
    runWorker: true,
    db,
    tasks: {
      'sync-link': async (payload) => {
        const linkId = String(payload.linkId);
        if (!started.has(linkId)) started.set(linkId, Date.now());
        runsPerLink.set(linkId, (runsPerLink.get(linkId) ?? 0) + 1);
        await sleep(5); // a no-op sync's bookkeeping
      },
    },
  });
  await queue.start();
  console.log(`# queue latency on ${bdb.server}: ${LINKS} links requested at ${RATE_PER_S}/s, 4 concurrent jobs`);

  // 1. Distinct links at a steady rate: request -> start.
  const tenantId = randomUUID();
  const links = Array.from({ length: LINKS }, () => randomUUID());
  const t0 = Date.now();
  for (const [i, linkId] of links.entries()) {
    const due = t0 + (i * 1000) / RATE_PER_S;
    if (due > Date.now()) await sleep(due - Date.now());
    requested.set(linkId, Date.now());
    await queue.enqueueLinkSync(tenantId, linkId, { reason: 'bench' });
  }
  while (started.size < LINKS && Date.now() - t0 < 120_000) await sleep(50);
  const lat = links.filter((l) => started.has(l)).map((l) => started.get(l)! - requested.get(l)!).sort((a, b) => a - b);
  report('links started', started.size, '', LINKS, false);
  report('request -> start, p50', percentile(lat, 50), 'ms', LIMITS.p50Ms);
  report('request -> start, p95', percentile(lat, 95), 'ms', LIMITS.p95Ms);
  console.log(`${'request -> start, max'.padEnd(44)} ${String(lat.at(-1)).padStart(7)} ms   (no limit; includes the ${LINK_SYNC_DEBOUNCE_MS} ms debounce)`);

  // 2. A burst for one link, as one save with many webhooks makes it: 50 requests back to back.
  const burstLink = randomUUID();
  const b0 = Date.now();
  for (let i = 0; i < 50; i++) await queue.enqueueLinkSync(tenantId, burstLink, { reason: 'burst' });
  const burstMs = Date.now() - b0;
  await sleep(3000);
  report(`runs for 50 requests in ${burstMs} ms`, runsPerLink.get(burstLink) ?? 0, '', LIMITS.burstRuns);

  await queue.stop(5000);
} finally {
  await db.destroy();
  await bdb.drop();
}
process.exit(out.failed ? 1 : 0);
