// The app's part of the Microsoft 365 benchmark, in a process of its own so that its resident
// memory is the app's alone (the simulators and the driver live in the parent, bench/m365-rig.ts).
// Wired as server/app.ts wires it, from the same modules: database and migrations, SuperOffice
// services, the Microsoft 365 connector, the job queue with appTasks + microsoftTasks, and the
// SuperOffice webhook and Graph notification routes on an HTTP listener. Left out: the panels, the
// install and consent routes (the rig writes what those flows would store) and the crontab (the
// benchmark runs the crontab's tasks itself, so that a tick cannot land in a measured window).
//
// One addition: every request to /webhooks/* waits `inboundLatencyMs` before it is handled, standing
// in for the network between SuperOffice or Graph and the app (the simulators delay only the
// requests made *to* them). Not started by bench/run.ts (no -latency/-memory suffix); the rig forks it.
import { Router } from 'express';
import { z } from 'zod';
import { createDb } from '../server/db/knex.ts';
import { migrateLatest } from '../server/db/migrate.ts';
import { createHttpApp } from '../server/http/app.ts';
import { graphNotificationsRouter } from '../server/http/graph-notifications.ts';
import { listen } from '../server/http/listen.ts';
import { superOfficeWebhookRouter } from '../server/http/superoffice-webhook.ts';
import { appTasks, microsoftTasks } from '../server/jobs/app-tasks.ts';
import { createQueue, migrateQueueSchema, type Queue } from '../server/jobs/queue.ts';
import { createLogger } from '../server/log.ts';
import { createMicrosoft } from '../server/microsoft/connector.ts';
import { installEgressProxy } from '../server/net/egress.ts';
import { createKeyring } from '../server/security/secrets.ts';
import { createSuperOfficeServices } from '../server/superoffice/services.ts';

const configSchema = z.object({
  databaseUrl: z.string(),
  port: z.number().int(),
  secretKey: z.string(),
  caPem: z.string(),
  superoffice: z.object({ identityBaseUrl: z.string(), clientId: z.string(), clientSecret: z.string(), privateKey: z.string() }),
  microsoft: z.object({ clientId: z.string(), clientSecret: z.string(), loginUrl: z.string(), graphUrl: z.string() }),
  concurrency: z.number().int().positive(),
  logLevel: z.string(),
});
export type AppConfig = z.infer<typeof configSchema>;

/** Parent -> app. */
export type AppRequest = { type: 'latency'; ms: number } | { type: 'memory'; gc?: boolean } | { type: 'stop' };
/** App -> parent. */
export type AppMessage = { type: 'ready' } | { type: 'memory'; rss: number; heapUsed: number } | { type: 'stopped' };

async function main(): Promise<void> {
  // The rig hands the configuration over as the one argument (JSON), the simulators' URLs and keys included.
  const cfg = configSchema.parse(JSON.parse(process.argv[2] ?? 'null'));
  const send = (m: AppMessage) => process.send?.(m);
  // As server/app.ts does in the sandbox: the simulators are on loopback, never behind a proxy.
  installEgressProxy({ ...process.env, NO_PROXY: 'localhost,127.0.0.1,[::1]', no_proxy: 'localhost,127.0.0.1,[::1]' });
  const log = createLogger(cfg.logLevel);
  const keyring = createKeyring(cfg.secretKey);
  const db = createDb(cfg.databaseUrl, 10);
  await migrateLatest(db, cfg.databaseUrl, [() => migrateQueueSchema(cfg.databaseUrl)]);
  const listener = await listen(cfg.port, '127.0.0.1');
  const url = `http://127.0.0.1:${listener.port}`;

  const superoffice = createSuperOfficeServices(cfg.superoffice, { publicUrl: url, extraCaPem: cfg.caPem });
  const microsoft = createMicrosoft({ db, keyring, app: cfg.microsoft, caPem: cfg.caPem });
  const enqueuer: Pick<Queue, 'enqueue' | 'enqueueLinkSync'> = {
    enqueue: (...a) => queue.enqueue(...a),
    enqueueLinkSync: (...a) => queue.enqueueLinkSync(...a),
  };
  const queue: Queue = createQueue({
    db,
    databaseUrl: cfg.databaseUrl,
    log: log.child({ component: 'queue' }),
    concurrency: cfg.concurrency,
    runWorker: true,
    tasks: {
      ...appTasks({ db, keyring, api: superoffice.api, queue: enqueuer, publicUrl: url, calendars: { graph: microsoft.calendars } }),
      ...microsoftTasks({ db, keyring, microsoft, publicUrl: url, queue: enqueuer }),
    },
  });

  let inboundLatencyMs = 0;
  const network = Router();
  network.use('/webhooks', (_req, _res, next) => {
    if (inboundLatencyMs > 0) setTimeout(next, inboundLatencyMs);
    else next();
  });
  listener.setHandler(
    createHttpApp({
      config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'sandbox' },
      log,
      readiness: () => [],
      routers: [network, superOfficeWebhookRouter({ db, keyring, queue }), graphNotificationsRouter({ db, keyring, queue })],
    }) as unknown as Parameters<typeof listener.setHandler>[0],
  );
  await queue.start();

  process.on('message', (m: AppRequest) => {
    if (m.type === 'latency') inboundLatencyMs = m.ms;
    else if (m.type === 'memory') {
      // The rig starts this process with --expose-gc, so that "settled" can mean "after a full collection".
      if (m.gc) (globalThis as { gc?: () => void }).gc?.();
      const u = process.memoryUsage();
      send({ type: 'memory', rss: u.rss, heapUsed: u.heapUsed });
    } else if (m.type === 'stop') {
      void (async () => {
        listener.server.closeAllConnections();
        listener.server.close();
        await queue.stop(2000).catch(() => undefined);
        await microsoft.close().catch(() => undefined);
        await db.destroy().catch(() => undefined);
        send({ type: 'stopped' });
        process.exit(0);
      })();
    }
  });
  // The parent gone (killed, crashed): nothing here should outlive it.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

main().catch((err: unknown) => {
  console.error('bench app failed to start:', err);
  process.exit(1);
});
