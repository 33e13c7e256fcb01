// The test bed of the Microsoft 365 benchmarks: a fresh database, both simulators in this process
// (SuperOffice with the demo tenant; Entra ID + Graph with bench.userNNNNN mailboxes), and the app
// in a child process (bench/m365-app.ts). The app is left in the state an installation reaches
// through its own flows: the tenant installed with its system token and an active subscription,
// its webhook provisioned by the app's provision-tenant task, a Microsoft 365 profile with admin
// consent, and per user a SuperOffice associate, a link, a Graph subscription made by the app's
// graph-subscribe task and a first sync run by its sync-link task.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrCreateCa } from '../sandbox/ca.ts';
import { startMicrosoftSimulator, type MicrosoftSimulator } from '../sandbox/microsoft/simulator.ts';
import { bulkUserUpn } from '../sandbox/microsoft/seed.ts';
import { DEMO_CTX } from '../sandbox/superoffice/seed.ts';
import { startSuperOfficeSimulator, type SuperOfficeSimulator } from '../sandbox/superoffice/simulator.ts';
import { saveCredential } from '../server/db/credentials.ts';
import { createDb, type Db } from '../server/db/knex.ts';
import { GRAPH_SUBSCRIBE_TASK } from '../server/jobs/graph-subscribe.ts';
import { PROVISION_TENANT_TASK } from '../server/jobs/provision-tenant.ts';
import { createQueue, type EnqueueOptions, type Queue } from '../server/jobs/queue.ts';
import { createLogger } from '../server/log.ts';
import { freePort } from '../server/net/free-port.ts';
import { createKeyring } from '../server/security/secrets.ts';
import { SYSTEM_TOKEN_KIND } from '../server/superoffice/credential-kinds.ts';
import type { Limits } from './limits.ts';
import { benchDatabase, type BenchDatabase } from './bench-database.ts';
import type { AppConfig, AppMessage, AppRequest } from './m365-app.ts';

export interface BenchUser {
  n: number;
  associateId: number;
  upn: string;
  linkId: string;
}

export interface RequestTally {
  graph: number;
  /** Requests inside $batch calls (each $batch is one of `graph`). */
  graphBatchMembers: number;
  superoffice: number;
  byEndpoint: Record<string, number>;
}

export interface Rig {
  db: Db;
  server: string;
  so: SuperOfficeSimulator;
  ms: MicrosoftSimulator;
  ctx: string;
  tenantId: string;
  users: BenchUser[];
  /**
   * Links users until `total` are linked, subscribed and synced once; resolves with how long it took.
   * `subscribe: false` leaves out the Graph subscriptions of the users linked now.
   */
  link(total: number, opts?: { subscribe?: boolean }): Promise<number>;
  /** Latency of every request to Graph, to SuperOffice's tenant API and from either to the app's webhooks. */
  setLatency(ms: number): void;
  enqueue(task: string, payload: Record<string, unknown>, opts?: EnqueueOptions): Promise<void>;
  /** Resolves when no job is pending and neither simulator has a delivery in flight, twice in a row. */
  drained(timeoutMs?: number): Promise<void>;
  /** Jobs in the queue with an error (waiting to retry, or given up): what they said. */
  jobErrors(): Promise<string[]>;
  tally(): RequestTally;
  resetTally(): void;
  /** The app process's memory; `gc`: after a full garbage collection. */
  appMemory(opts?: { gc?: boolean }): Promise<{ rss: number; heapUsed: number }>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Starts the rig, runs a benchmark's body on it and ends the process: a throw or jobs left with
 * an error fail the run as a figure over its limit does (exit 1); the rig is closed either way.
 */
export async function runOnRig(opts: { maxUsers: number; concurrency: number }, out: Limits, body: (rig: Rig) => Promise<void>): Promise<never> {
  const rig = await startRig(opts);
  try {
    await body(rig);
    const errors = await rig.jobErrors();
    if (errors.length) {
      console.log(`${'jobs left with an error'.padEnd(48)} ${errors.length}: ${errors.slice(0, 3).join(' | ')}`);
      out.fail();
    }
  } catch (err) {
    console.error(err);
    out.fail();
  } finally {
    await rig.close();
  }
  process.exit(out.failed ? 1 : 0);
}

export async function startRig(opts: { maxUsers: number; concurrency: number }): Promise<Rig> {
  // Undone in reverse by close(), or at once when the start fails part-way.
  const teardown: Array<() => Promise<unknown>> = [];
  const undo = async () => {
    for (const step of teardown.reverse()) await step().catch((err: unknown) => console.error('bench teardown:', err));
  };
  try {
    return await start(opts, teardown, undo);
  } catch (err) {
    await undo();
    throw err;
  }
}

async function start(opts: { maxUsers: number; concurrency: number }, teardown: Array<() => Promise<unknown>>, undo: () => Promise<void>): Promise<Rig> {
  const bdb: BenchDatabase = await benchDatabase();
  teardown.push(() => bdb.drop());
  const dataDir = await mkdtemp(join(tmpdir(), 'calsync-m365-bench-'));
  teardown.push(() => rm(dataDir, { recursive: true, force: true }));
  const ca = await loadOrCreateCa(dataDir);
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const so = await startSuperOfficeSimulator({ ca, appUrl, allowHttpWebhooks: true });
  teardown.push(() => so.close());
  const ms = await startMicrosoftSimulator({ ca, extraUsers: opts.maxUsers, allowHttpNotifications: true });
  teardown.push(() => ms.close());
  const secretKey = `k1:${randomBytes(32).toString('base64')}`;
  const keyring = createKeyring(secretKey);

  const config: AppConfig = {
    databaseUrl: bdb.url,
    port,
    secretKey,
    caPem: ca.certPem,
    superoffice: { identityBaseUrl: so.url, clientId: so.seed.app.clientId, clientSecret: so.seed.app.clientSecret, privateKey: so.seed.privateKeyPem },
    microsoft: { clientId: ms.app.clientId, clientSecret: ms.app.clientSecret, loginUrl: ms.loginUrl, graphUrl: ms.graphUrl },
    concurrency: opts.concurrency,
    logLevel: process.env.LOG_LEVEL ?? 'error',
  };
  const child: ChildProcess = fork(fileURLToPath(new URL('./m365-app.ts', import.meta.url)), [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiters: Array<(m: AppMessage) => boolean> = [];
  child.on('message', (m: AppMessage) => {
    const i = waiters.findIndex((w) => w(m));
    if (i >= 0) waiters.splice(i, 1);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  teardown.push(async () => {
    if (child.connected) await Promise.race([answer('stopped', { type: 'stop' }).catch(() => undefined), sleep(10_000)]);
    await Promise.race([exited, sleep(5_000)]);
    if (child.exitCode === null) child.kill();
  });
  const answer = <T extends AppMessage['type']>(type: T, request?: AppRequest): Promise<Extract<AppMessage, { type: T }>> =>
    Promise.race([
      new Promise<Extract<AppMessage, { type: T }>>((resolve) => {
        waiters.push((m) => (m.type === type ? (resolve(m as Extract<AppMessage, { type: T }>), true) : false));
        if (request) child.send(request);
      }),
      exited.then((code) => Promise.reject(new Error(`the app process exited (code ${code})`))),
    ]);
  await answer('ready');

  const db = createDb(bdb.url, 5);
  teardown.push(() => db.destroy());
  // Enqueue only: the app's worker runs the jobs.
  const queue: Queue = createQueue({ databaseUrl: bdb.url, db, log: createLogger('error'), concurrency: 1, runWorker: false });
  teardown.push(() => queue.stop(1000));
  await queue.start();

  // The installation, as the consent callback and the administrator's purchase leave it.
  const tenant = so.store.tenant(DEMO_CTX)!;
  const consent = so.store.grantConsent(so.seed.app, tenant, 5);
  const [{ id: tenantId }] = await db('tenants')
    .insert({ context_identifier: DEMO_CTX, installation_state: 'active', installed_at: new Date(), serial: tenant.serial, subscription_state: 'active', seat_count: opts.maxUsers + 10 })
    .returning('id');
  await saveCredential(db, keyring, { tenantId, ownerType: 'tenant', ownerId: tenantId, kind: SYSTEM_TOKEN_KIND, secret: consent.systemToken });
  await queue.enqueue(PROVISION_TENANT_TASK, { tenantId });
  // The Microsoft 365 profile, as the admin-consent callback leaves it (server/microsoft/admin-consent.ts).
  ms.control.grantAdminConsent();
  const at = new Date().toISOString();
  const [{ id: profileId }] = await db('profiles')
    .insert({ tenant_id: tenantId, name: 'Microsoft 365', calendar_system: 'graph', connection: JSON.stringify({ mode: 'application', entraTenantId: ms.tenantId, consentedAt: at, verifiedAt: at, directoryUsers: ms.users.length }) })
    .returning('id');
  for (let i = 0; so.api.webhooks(DEMO_CTX).length === 0; i++) {
    if (i > 600) throw new Error('the app never provisioned its webhook in the SuperOffice simulator');
    await sleep(100);
  }

  const users: BenchUser[] = [];
  const countWhere = async (table: string, column: string) =>
    Number((await db(table).where({ tenant_id: tenantId }).countDistinct(`${column} as n`))[0]?.n ?? 0);
  const runnableJobs = async () =>
    Number((await db('graphile_worker.jobs').whereRaw('attempts < max_attempts').count('* as n'))[0]?.n ?? 0);

  const rig: Rig = {
    db,
    server: bdb.server,
    so,
    ms,
    ctx: DEMO_CTX,
    tenantId,
    users,
    async link(total, o = {}) {
      const subscribe = o.subscribe ?? true;
      const t0 = performance.now();
      const subscribedBefore = await countWhere('graph_subscriptions', 'link_id');
      const fresh: Omit<BenchUser, 'linkId'>[] = [];
      for (let n = users.length + 1; n <= total; n++) {
        const upn = bulkUserUpn(n);
        const a = so.store.addAssociate(tenant, { firstName: 'Bench', lastName: `User ${n}`, email: upn, calendarSystem: 'graph', mailbox: upn });
        fresh.push({ n, associateId: a.associateId, upn });
      }
      // The rows server/superoffice/subscription.ts linkUser makes (seats are not the subject here),
      // active as sandbox/demo-microsoft.ts leaves them; inserted in bulk for the 10,000-user run.
      for (let i = 0; i < fresh.length; i += 1000) {
        const part = fresh.slice(i, i + 1000);
        const rows: Array<{ id: string; associate_id: number }> = await db('links')
          .insert(part.map((u) => ({ tenant_id: tenantId, profile_id: profileId, associate_id: u.associateId, associate_email: u.upn, mailbox: u.upn, state: 'active' })))
          .returning(['id', 'associate_id']);
        const ids = new Map(rows.map((r) => [r.associate_id, r.id]));
        for (const u of part) users.push({ ...u, linkId: ids.get(u.associateId)! });
      }
      const added = users.slice(users.length - fresh.length);
      // What a link gets when it is made (sandbox/demo-microsoft.ts): a subscription and a first sync.
      for (let i = 0; i < added.length; i += 3) {
        await Promise.all(added.slice(i, i + 3).map(async (u) => {
          if (subscribe) await queue.enqueue(GRAPH_SUBSCRIBE_TASK, { tenantId, linkId: u.linkId }, { queueName: `graph-sub:${u.linkId}` });
          await queue.enqueueLinkSync(tenantId, u.linkId, { reason: 'linked' });
        }));
      }
      const deadline = Date.now() + 20 * 60_000;
      for (;;) {
        const [subscribed, synced] = await Promise.all([countWhere('graph_subscriptions', 'link_id'), countWhere('cursors', 'link_id')]);
        if (subscribed >= (subscribe ? users.length : subscribedBefore) && synced >= users.length) break;
        if (Date.now() > deadline) throw new Error(`linking stalled: ${subscribed} subscribed, ${synced} synced of ${users.length}; ${(await rig.jobErrors()).slice(0, 3).join(' | ')}`);
        await sleep(250);
      }
      await rig.drained();
      return performance.now() - t0;
    },
    setLatency(ms_) {
      ms.control.setLatency(ms_);
      so.api.injectApiFaults(DEMO_CTX, { latencyMs: ms_ });
      child.send({ type: 'latency', ms: ms_ } satisfies AppRequest);
    },
    enqueue: (task, payload, o) => queue.enqueue(task, payload, o),
    async drained(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      let quiet = 0;
      while (quiet < 2) {
        if (Date.now() > deadline) throw new Error(`the queue did not drain within ${timeoutMs} ms (${await runnableJobs()} jobs left)`);
        await Promise.all([so.api.idle(), ms.control.idle()]);
        quiet = (await runnableJobs()) === 0 ? quiet + 1 : 0;
        await sleep(quiet ? 300 : 200);
      }
    },
    async jobErrors() {
      const rows: Array<{ task_identifier: string; last_error: string | null }> = await db('graphile_worker.jobs').whereNotNull('last_error').select('task_identifier', 'last_error');
      return rows.map((r) => `${r.task_identifier}: ${(r.last_error ?? '').split('\n')[0]}`);
    },
    tally() {
      const g = ms.control.requestCounts();
      const s = so.api.requestCounts();
      const byEndpoint: Record<string, number> = {};
      for (const [k, v] of Object.entries(g.byEndpoint)) byEndpoint[`Graph ${k}`] = v;
      for (const [k, v] of Object.entries(s.byEndpoint)) byEndpoint[`SuperOffice ${k}`] = v;
      return { graph: g.total, graphBatchMembers: g.batchMembers, superoffice: s.total, byEndpoint };
    },
    resetTally() {
      ms.control.resetRequestCounts();
      so.api.resetRequestCounts();
    },
    async appMemory(o = {}) {
      const m = await answer('memory', { type: 'memory', gc: o.gc === true });
      return { rss: m.rss, heapUsed: m.heapUsed };
    },
    close: undo,
  };
  return rig;
}
