// The app's SuperOffice side wired to the whole simulator, as after an install: a real database
// with the demo tenant, its sealed system token and Ada's link; the app's webhook receiver on a
// real HTTP port (the simulator's webhook target); the SuperOffice services the tasks use; and the
// queue (enqueue only). For end-to-end tests of tasks and routes.
import type { AddressInfo } from 'node:net';
import { createServer, type RequestListener, type Server } from 'node:http';
import { saveCredential } from '../../server/db/credentials.ts';
import { createHttpApp } from '../../server/http/app.ts';
import { superOfficeWebhookRouter } from '../../server/http/superoffice-webhook.ts';
import { createQueue, type Queue, type TaskContext, type TaskHandler } from '../../server/jobs/queue.ts';
import { createLogger } from '../../server/log.ts';
import { createKeyring, type Keyring } from '../../server/security/secrets.ts';
import { SYSTEM_TOKEN_KIND } from '../../server/superoffice/credential-kinds.ts';
import { createSuperOfficeServices, type SuperOfficeServices } from '../../server/superoffice/services.ts';
import { migratedDatabase, type MigratedDatabase } from './db.ts';
import { startSuperOfficeSim, type SuperOfficeSim } from './superoffice-sim.ts';

export interface SuperOfficeApp {
  t: MigratedDatabase;
  so: SuperOfficeSim;
  keyring: Keyring;
  queue: Queue;
  services: SuperOfficeServices;
  appUrl: string;
  tenantId: string;
  /** Ada's (associate 5) link. */
  linkId: string;
  /** The services' view of the demo tenant, for `services.api.call(who, ...)`. */
  who(): { tenantId: string; contextIdentifier: string; systemToken: string; serial: string };
  /** A task context for calling task handlers directly. */
  ctx(): TaskContext;
  close(): Promise<void>;
}

export interface SuperOfficeAppOptions {
  /**
   * Task handlers for a queue that runs a worker in this process (without them the queue only
   * enqueues). They get the services and a late-bound view of the queue, as server/app.ts does.
   */
  tasks?: (deps: { db: MigratedDatabase['db']; keyring: Keyring; services: SuperOfficeServices; queue: Pick<Queue, 'enqueue' | 'enqueueLinkSync'> }) => Record<string, TaskHandler>;
}

export async function startSuperOfficeApp(opts: SuperOfficeAppOptions = {}): Promise<SuperOfficeApp> {
  const keyring = createKeyring(`k1:${Buffer.alloc(32, 4).toString('base64')}`);
  const t = await migratedDatabase();
  // The HTTP side first: the simulator needs its URL for the webhook target.
  let handler: RequestListener = (_q, r) => r.end();
  const server: Server = createServer((q, r) => handler(q, r)).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const so = await startSuperOfficeSim({ appUrl, webhookRetryDelaysMs: [50, 50] });
  const services = createSuperOfficeServices(
    { identityBaseUrl: so.sim.url, clientId: so.seed.app.clientId, clientSecret: so.seed.app.clientSecret, privateKey: so.seed.privateKeyPem },
    { publicUrl: appUrl, extraCaPem: so.caPem },
  );
  const enqueuer: Pick<Queue, 'enqueue' | 'enqueueLinkSync'> = {
    enqueue: (...a) => queue.enqueue(...a),
    enqueueLinkSync: (...a) => queue.enqueueLinkSync(...a),
  };
  const queue = createQueue({
    databaseUrl: t.url,
    db: t.db,
    log: createLogger('silent'),
    concurrency: 2,
    runWorker: opts.tasks !== undefined,
    ...(opts.tasks ? { tasks: opts.tasks({ db: t.db, keyring, services, queue: enqueuer }), linkSyncDebounceMs: 100, pollIntervalMs: 200 } : {}),
  });
  await queue.start();
  handler = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'production' },
    log: createLogger('silent'),
    readiness: () => [],
    routers: [superOfficeWebhookRouter({ db: t.db, keyring, queue })],
  }) as unknown as RequestListener;
  const [{ id: tenantId }] = await t.db('tenants').insert({ context_identifier: 'Cust12345', installation_state: 'active', serial: so.tenant.serial }).returning('id');
  await saveCredential(t.db, keyring, { tenantId, ownerType: 'tenant', ownerId: tenantId, kind: SYSTEM_TOKEN_KIND, secret: so.systemToken });
  const [{ id: profileId }] = await t.db('profiles').insert({ tenant_id: tenantId, name: 'M365', calendar_system: 'graph' }).returning('id');
  const [{ id: linkId }] = await t.db('links')
    .insert({ tenant_id: tenantId, profile_id: profileId, associate_id: 5, mailbox: 'ada@demo.example', state: 'active' })
    .returning('id');
  return {
    t,
    so,
    keyring,
    queue,
    services,
    appUrl,
    tenantId,
    linkId,
    who: () => ({ tenantId, contextIdentifier: 'Cust12345', systemToken: so.systemToken, serial: so.tenant.serial }),
    ctx: () => ({ jobId: '1', attempt: 1, maxAttempts: 1, deferrals: 0, signal: new AbortController().signal, log: createLogger('silent') }),
    async close() {
      await so.close();
      await new Promise<void>((r) => server.close(() => r()));
      await queue.stop(1000);
      await t.close();
    },
  };
}
