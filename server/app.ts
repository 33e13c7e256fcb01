// Composition root: builds every dependency once, in start-up order, and knows how to take them
// down again. What it wires, in order:
//   egress proxy -> data folder -> secret keyring -> database (given, or embedded in the sandbox)
//   -> HTTP listener (answers /readyz 503 meanwhile) -> sandbox simulators (sandbox only) ->
//   SuperOffice services (keys, tickets, tenant states, API client) -> job queue with its tasks ->
//   routes (with SuperOffice: panel sign-in and /api/panel) -> wait for database -> migrations
//   (app and queue, under one advisory lock) -> queue started (worker when the role runs one) -> ready.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Router } from 'express';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { createDb, type Db } from './db/knex.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from './db/embedded.ts';
import { migrateLatest } from './db/migrate.ts';
import { waitForDatabase } from './db/wait.ts';
import { createHttpApp } from './http/app.ts';
import type { ReadinessCheck } from './http/health.ts';
import { listen } from './http/listen.ts';
import { panelApiMount, panelAuthRouter } from './http/panel-auth.ts';
import { panelsRouter } from './http/panels.ts';
import { publicRateLimits } from './http/rate-limit.ts';
import { superOfficeAdministratorCheck } from './panel/administrator-check.ts';
import { panelApiRouter } from './panel-api/router.ts';
import { superOfficeWebhookRouter } from './http/superoffice-webhook.ts';
import { superOfficeInstallRouter } from './http/superoffice-install.ts';
import { superOfficeStateChangeRouter } from './http/superoffice-state-change.ts';
import { RECONCILE_CRONTAB } from './jobs/reconcile-all.ts';
import { appTasks, microsoftTasks } from './jobs/app-tasks.ts';
import { GRAPH_SUBSCRIPTIONS_CRONTAB } from './jobs/graph-subscribe.ts';
import { graphNotificationsRouter } from './http/graph-notifications.ts';
import { microsoftConsentRouter } from './http/microsoft-consent.ts';
import { microsoftConsent } from './microsoft/consent-deps.ts';
import type { MicrosoftApp } from './microsoft/admin-consent.ts';
import { createMicrosoft } from './microsoft/connector.ts';
import { createSuperOfficeServices, identityBaseUrlFor, type SuperOfficeSettings } from './superoffice/services.ts';
import type { Sandbox } from '../sandbox/mount.ts';
import { createQueue, migrateQueueSchema, type Queue } from './jobs/queue.ts';
import { installEgressProxy } from './net/egress.ts';
import { keyringFromConfig, type Keyring } from './security/secrets.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface RunningApp {
  url: string;
  port: number;
  db: Db;
  keyring: Keyring;
  queue: Queue;
  /** Resolves once the database is migrated and the queue runs; rejects if start-up failed. */
  ready: Promise<void>;
  stop(reason?: string): Promise<void>;
}

/** The sandbox's simulators live on loopback: a proxy set for the outside world must not catch them. */
function withLoopbackBypass(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const given = env.no_proxy ?? env.NO_PROXY ?? '';
  const merged = [given, 'localhost', '127.0.0.1', '[::1]'].filter(Boolean).join(',');
  return { ...env, no_proxy: merged, NO_PROXY: merged };
}

export async function startApp(config: Config, log: Logger): Promise<RunningApp> {
  const egress = installEgressProxy(config.mode === 'sandbox' ? withLoopbackBypass(process.env) : process.env);
  log.info({ proxy: egress.proxy, noProxy: egress.noProxy }, 'outbound HTTP configured');

  const dataDir = resolve(config.DATA_DIR);
  if (config.mode === 'sandbox') mkdirSync(dataDir, { recursive: true });
  const keyring = keyringFromConfig({ ...config, DATA_DIR: dataDir });

  let embedded: EmbeddedServer | undefined;
  if (!config.DATABASE_URL) {
    // Only the sandbox gets here: production without DATABASE_URL is a configuration error.
    embedded = await startEmbeddedPostgres(resolve(dataDir, 'postgres'), (m) => log.warn(m));
    log.info({ port: embedded.port }, 'embedded PostgreSQL started');
  }
  const databaseUrl: string = config.DATABASE_URL ?? embedded!.url;
  const db = createDb(databaseUrl, config.DATABASE_POOL_MAX);

  const checks: ReadinessCheck[] = [
    { name: 'database', check: async () => (await db.raw('select 1'), { ok: true }) },
    { name: 'startup', check: async () => ({ ok: false, detail: 'migrating and starting the job queue' }) },
  ];

  let listener: Awaited<ReturnType<typeof listen>>;
  try {
    listener = await listen(config.PORT, config.HOST);
  } catch (err) {
    await db.destroy();
    await embedded?.stop();
    throw err;
  }
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  const url = config.PUBLIC_URL?.replace(/\/$/, '') ?? `http://${host}:${listener.port}`;

  // The sandbox's simulators stand in for the vendors; a worker-only sandbox node has none and
  // leaves SuperOffice jobs to a node that does.
  let sandbox: Sandbox | undefined;
  if (config.mode === 'sandbox' && config.role !== 'worker') {
    const { startSandbox } = await import('../sandbox/mount.ts');
    sandbox = await startSandbox({ dataDir, publicUrl: url, log });
  }
  const soSettings: SuperOfficeSettings | undefined = sandbox
    ? sandbox.superoffice
    : config.mode === 'production'
      ? {
          identityBaseUrl: identityBaseUrlFor(config.SUPEROFFICE_ENVIRONMENT!),
          clientId: config.SUPEROFFICE_CLIENT_ID!,
          clientSecret: config.SUPEROFFICE_CLIENT_SECRET!,
          privateKey: config.SUPEROFFICE_PRIVATE_KEY!,
        }
      : undefined;
  const superoffice =
    soSettings &&
    createSuperOfficeServices(soSettings, {
      publicUrl: url,
      extraCaPem: sandbox?.caPem,
      // A verified ticket for a tenant whose serial changed: keep the serial SuperOffice now uses.
      serialChanged: async (tenantId, serial) => {
        const changed = await db('tenants').where({ id: tenantId }).whereNot({ serial }).update({ serial, updated_at: db.fn.now() });
        if (changed) log.warn({ tenantId, serial }, 'SuperOffice now issues this tenant\'s tickets for another serial; kept it');
      },
    });
  const msApp: MicrosoftApp | undefined = sandbox
    ? sandbox.microsoft
    : config.MICROSOFT_CLIENT_ID && config.MICROSOFT_CLIENT_SECRET
      ? { clientId: config.MICROSOFT_CLIENT_ID, clientSecret: config.MICROSOFT_CLIENT_SECRET, loginUrl: config.MICROSOFT_LOGIN_URL.replace(/\/$/, ''), graphUrl: config.MICROSOFT_GRAPH_URL }
      : undefined;
  const microsoft = msApp && createMicrosoft({ db, keyring, app: msApp, ...(sandbox ? { caPem: sandbox.caPem } : {}) });

  // Tasks enqueue follow-up jobs; they reach the queue through this late-bound view of it.
  const enqueuer: Pick<Queue, 'enqueue' | 'enqueueLinkSync'> = {
    enqueue: (...a) => queue.enqueue(...a),
    enqueueLinkSync: (...a) => queue.enqueueLinkSync(...a),
  };
  const queue: Queue = createQueue({
    db,
    databaseUrl,
    log: log.child({ component: 'queue' }),
    concurrency: config.WORKER_CONCURRENCY,
    runWorker: config.role !== 'web',
    tasks: {
      ...(superoffice ? appTasks({ db, keyring, api: superoffice.api, queue: enqueuer, publicUrl: url, calendars: microsoft ? { graph: microsoft.calendars } : {} }) : {}),
      ...(microsoft ? microsoftTasks({ db, keyring, microsoft, publicUrl: url, queue: enqueuer }) : {}),
    },
    crontab: [superoffice ? RECONCILE_CRONTAB : '', microsoft ? GRAPH_SUBSCRIPTIONS_CRONTAB : ''].filter(Boolean).join('\n'),
  });

  const installDeps = superoffice && { db, keyring, keys: superoffice.keys, oidc: superoffice.oidc, queue, fetch: superoffice.fetch };
  const routers: Router[] = [];
  if (config.role !== 'worker') {
    // First, so a refused request costs one counter update and nothing else.
    routers.push(
      publicRateLimits(db, {
        windowMs: config.RATE_LIMIT_WINDOW_MS,
        signIn: config.RATE_LIMIT_SIGN_IN,
        public: config.RATE_LIMIT_PUBLIC,
        pendingLoginsMax: config.PENDING_LOGINS_MAX,
      }),
    );
    routers.push(panelsRouter(resolve(ROOT, 'dist/client')));
    routers.push(superOfficeWebhookRouter({ db, keyring, queue }));
    if (installDeps) routers.push(superOfficeInstallRouter(installDeps));
    if (superoffice) {
      const panelAuth = {
        db, keyring, keys: superoffice.keys, oidc: superoffice.oidc, publicUrl: url, fetch: superoffice.fetch,
        // A session's administrator flag is confirmed with SuperOffice every few minutes.
        administrators: superOfficeAdministratorCheck({ db, keyring, api: superoffice.api }),
      };
      routers.push(panelAuthRouter(panelAuth));
      // /api/panel/*: session and CSRF checks, then the panel API.
      const panelApi = panelApiRouter({
        db, keyring, queue, publicUrl: url, superoffice: { api: superoffice.api },
        ...(microsoft && msApp ? { microsoft: { connector: microsoft, app: msApp } } : {}),
      });
      routers.push(panelApiMount(panelAuth, panelApi));
      routers.push(
        superOfficeStateChangeRouter({ db, keys: superoffice.keys, states: superoffice.states, clientId: superoffice.settings.clientId, environmentIssuer: superoffice.settings.identityBaseUrl.replace(/\/+$/, '') }),
      );
    }
    if (microsoft && msApp) {
      routers.push(graphNotificationsRouter({ db, keyring, queue }));
      const consent = microsoftConsent({ db, keyring, app: msApp, publicUrl: url, microsoft, queue });
      routers.push(microsoftConsentRouter(consent.admin, consent.user));
    }
    if (sandbox) routers.push(sandbox.router);
  }
  listener.setHandler(
    createHttpApp({ config, log, readiness: () => checks, routers }) as unknown as Parameters<
      typeof listener.setHandler
    >[0],
  );
  log.info({ url, role: config.role, mode: config.mode }, 'listening');

  const abort = new AbortController();
  const ready = (async () => {
    await waitForDatabase(db, {
      signal: abort.signal,
      log: (msg, attempt) => log.warn({ attempt }, msg),
    });
    const { applied } = await migrateLatest(db, databaseUrl, [() => migrateQueueSchema(databaseUrl)]);
    if (applied.length) log.info({ applied }, 'migrations applied');
    await sandbox?.forgetDemoSyncState(db);
    await queue.start();
    checks.splice(1, 1, { name: 'queue', check: () => queue.check() });
    if (sandbox && installDeps) {
      const installed = await sandbox.installDemoTenant(db, installDeps, superoffice!.fetch);
      if (installed) log.info({ tenant: installed.contextIdentifier }, 'sandbox: demo tenant installed; provisioning queued');
      if (microsoft && msApp && config.SANDBOX_DEMO_MICROSOFT === 'connect') {
        // The SuperOffice side works without it: a failed Microsoft 365 demo set-up is reported, not fatal.
        try {
          const demo = await sandbox.installDemoMicrosoft({ db, keyring, app: msApp, publicUrl: url, microsoft, queue, fetch: superoffice!.fetch });
          if (demo?.linked.length) log.info({ linked: demo.linked }, 'sandbox: Microsoft 365 profile connected and demo users linked');
        } catch (err) {
          if (!abort.signal.aborted) log.error({ err }, 'sandbox: the Microsoft 365 demo profile could not be set up');
        }
      }
    }
  })().catch((err: unknown) => {
    // A shutdown during start-up (say, SIGTERM while the sandbox still sets up its demo tenant)
    // closes what start-up is talking to; that is the shutdown's doing, not a failed start.
    if (abort.signal.aborted) return void log.info({ reason: err instanceof Error ? err.message : String(err) }, 'start-up cut short by shutdown');
    throw err;
  });
  ready.catch((err) => log.error({ err }, 'start-up failed'));

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop requested') =>
    (stopping ??= (async () => {
      log.info({ reason }, 'shutting down');
      abort.abort();
      const closed = new Promise<void>((r) => listener.server.close(() => r()));
      listener.server.closeIdleConnections();
      // Running jobs get the grace period; what is still running then goes back to the queue.
      await queue.stop(config.SHUTDOWN_TIMEOUT_MS).catch((err: unknown) => log.error({ err }, 'queue stop failed'));
      listener.server.closeAllConnections();
      await closed;
      await microsoft?.close().catch(() => {});
      await sandbox?.close().catch((err: unknown) => log.warn({ err }, 'sandbox simulators did not stop cleanly'));
      await db.destroy().catch(() => {});
      await embedded?.stop();
      log.info('stopped');
    })());

  return { url, port: listener.port, db, keyring, queue, ready, stop };
}
