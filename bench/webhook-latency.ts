// How fast the app answers SuperOffice's webhook deliveries (issue 3: "answer within 100 ms").
// Signed activity.changed deliveries for a linked associate, each verified, recorded and enqueued
// in one transaction, sent 8 at a time over loopback to the real Express app on a real database.
//
// Prints each figure next to its limit; exits 1 when one is over.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createDb } from '../server/db/knex.ts';
import { migrateLatest } from '../server/db/migrate.ts';
import { saveCredential } from '../server/db/credentials.ts';
import { createHttpApp } from '../server/http/app.ts';
import { superOfficeWebhookRouter } from '../server/http/superoffice-webhook.ts';
import { WEBHOOK_SECRET_KIND } from '../server/superoffice/credential-kinds.ts';
import { createQueue, migrateQueueSchema } from '../server/jobs/queue.ts';
import { createLogger } from '../server/log.ts';
import { createKeyring } from '../server/security/secrets.ts';
import { signWebhookBody } from '../server/superoffice/webhook-signature.ts';
import { benchDatabase } from './bench-database.ts';
import { limits, percentile } from './limits.ts';

const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 2000);
const PARALLEL = 8;
const LINKS = 50;
const LIMITS = { p50Ms: 50, p95Ms: 100, p99Ms: 200 };

const bdb = await benchDatabase();
const db = createDb(bdb.url, 10);
const out = limits();

try {
  await migrateLatest(db, bdb.url, [() => migrateQueueSchema(bdb.url)]);
  const keyring = createKeyring(`k1:${Buffer.alloc(32, 3).toString('base64')}`);
  const secret = 'bench-webhook-secret';
  const [{ id: tenantId }] = await db('tenants').insert({ context_identifier: 'Cust12345', installation_state: 'active' }).returning('id');
  const [{ id: profileId }] = await db('profiles').insert({ tenant_id: tenantId, name: 'M365', calendar_system: 'graph' }).returning('id');
  await db('links').insert(
    Array.from({ length: LINKS }, (_, i) => ({ tenant_id: tenantId, profile_id: profileId, associate_id: i + 1, mailbox: `u${i}@x.example`, state: 'active' })),
  );
  await saveCredential(db, keyring, { tenantId, ownerType: 'tenant', ownerId: tenantId, kind: WEBHOOK_SECRET_KIND, secret });
  const queue = createQueue({ databaseUrl: bdb.url, db, log: createLogger('silent'), concurrency: 1, runWorker: false });
  await queue.start();
  const app = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'production' },
    log: createLogger('warn'),
    readiness: () => [],
    routers: [superOfficeWebhookRouter({ db, keyring, queue })],
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/superoffice`;

  const times: number[] = [];
  let next = 0;
  let errors = 0;
  const worker = async () => {
    while (next < DELIVERIES) {
      const i = next++;
      const body = JSON.stringify({
        EventId: randomUUID(),
        Timestamp: new Date().toISOString(),
        Changes: ['appointment_id', 'do_by', 'updated'],
        Event: 'activity.changed',
        PrimaryKey: 1000 + i,
        Entity: 'activity',
        ContextIdentifier: 'Cust12345',
        FieldValues: { associate_id: (i % LINKS) + 1, type: 1 },
      });
      const t0 = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-superoffice-signature': signWebhookBody(secret, Buffer.from(body)) },
        body,
      });
      await res.arrayBuffer();
      times.push(performance.now() - t0);
      if (res.status !== 200) errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const pct = (p: number) => percentile(times, p);
  console.log(`# ${DELIVERIES} signed deliveries, ${PARALLEL} at a time, on ${bdb.server}: ${(DELIVERIES / seconds).toFixed(0)} per second, ${errors} not 200`);
  if (errors) out.fail();
  out.report('answer time, p50', pct(50), 'ms', LIMITS.p50Ms);
  out.report('answer time, p95', pct(95), 'ms', LIMITS.p95Ms);
  out.report('answer time, p99', pct(99), 'ms', LIMITS.p99Ms);
  await new Promise<void>((r) => server.close(() => r()));
  await queue.stop(1000);
} finally {
  await db.destroy();
  await bdb.drop();
}
process.exit(out.failed ? 1 : 0);
