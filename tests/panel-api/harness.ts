// The panel API in a test HTTP app: mounted at /api/panel behind a test-only stand-in for the
// sign-in middleware, which sets res.locals.panel from an X-Test-Panel header (the real sign-in is
// tested with its own routes). Plus fixtures for tenants, profiles, links and synced items, and the
// API against both simulators for the routes that reach SuperOffice and Microsoft 365.
import type { AddressInfo } from 'node:net';
import { createServer, type RequestListener } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Db } from '../../server/db/knex.ts';
import { createHttpApp } from '../../server/http/app.ts';
import { createLogger } from '../../server/log.ts';
import type { MicrosoftApp } from '../../server/microsoft/admin-consent.ts';
import { createMicrosoft } from '../../server/microsoft/connector.ts';
import { panelApiRouter, type PanelApiDeps } from '../../server/panel-api/router.ts';
import { startSuperOfficeApp, type SuperOfficeApp } from '../helpers/superoffice-app.ts';
import { ADA, startGraphHarness, type GraphHarness } from '../providers/graph/harness.ts';

export interface As {
  tenantId: string;
  associateId: number;
  admin: boolean;
}

export interface Answer {
  status: number;
  // The JSON answer, read by the tests field by field.
  body: any;
  text: string;
  headers: Headers;
}

export interface PanelApi {
  url: string;
  call(method: string, path: string, opts?: { as?: As; body?: unknown }): Promise<Answer>;
  close(): Promise<void>;
}

export async function servePanelApi(deps: PanelApiDeps): Promise<PanelApi> {
  const session = Router();
  session.use('/api/panel', (req, res, next) => {
    const given = req.headers['x-test-panel'];
    if (typeof given === 'string') {
      const as = JSON.parse(given) as As;
      res.locals.panel = { sessionId: 'test-session', tenantId: as.tenantId, contextIdentifier: 'test', associateId: as.associateId, isAdministrator: as.admin };
    }
    next();
  });
  session.use('/api/panel', panelApiRouter(deps));
  const app = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'production' },
    log: createLogger('silent'),
    readiness: () => [],
    routers: [session],
  });
  const server = createServer(app as unknown as RequestListener).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = {};
      if (opts.as) headers['x-test-panel'] = JSON.stringify(opts.as);
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${url}/api/panel${path}`, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
      const text = await res.text();
      let body: unknown = null;
      if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
      return { status: res.status, body, text, headers: res.headers };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface ProvidersPanelApi {
  /** The SuperOffice simulator with the app installed and its demo link (h.linkId). */
  h: SuperOfficeApp;
  g: GraphHarness;
  api: PanelApi;
  /** The demo link's profile: Microsoft 365, connected organisation-wide to the Graph simulator's tenant. */
  profileId: string;
  close(): Promise<void>;
}

/** The panel API with SuperOffice and Microsoft 365 both simulated; the demo link's mailbox is Ada's. */
export async function servePanelApiWithProviders(): Promise<ProvidersPanelApi> {
  const h = await startSuperOfficeApp();
  const g = await startGraphHarness();
  const app: MicrosoftApp = { clientId: g.sim.app.clientId, clientSecret: g.sim.app.clientSecret, loginUrl: g.sim.loginUrl, graphUrl: g.sim.graphUrl };
  const microsoft = createMicrosoft({ db: h.t.db, keyring: h.keyring, app, caPem: g.caPem });
  const { profile_id: profileId } = await h.t.db('links').where({ id: h.linkId }).first('profile_id');
  await h.t.db('profiles').where({ id: profileId }).update({ connection: JSON.stringify({ mode: 'application', entraTenantId: g.sim.tenantId, verifiedAt: new Date().toISOString() }) });
  await h.t.db('links').where({ id: h.linkId }).update({ mailbox: ADA });
  const api = await servePanelApi({ db: h.t.db, keyring: h.keyring, queue: h.queue, publicUrl: h.appUrl, superoffice: { api: h.services.api }, microsoft: { connector: microsoft, app } });
  return {
    h,
    g,
    api,
    profileId: profileId as string,
    async close() {
      await api.close();
      await microsoft.close();
      await g.close();
      await h.close();
    },
  };
}

export async function addTenant(db: Db, opts: { ctx?: string; name?: string; subscription?: 'trial' | 'active' | 'expired'; seats?: number } = {}): Promise<string> {
  const [row] = await db('tenants')
    .insert({
      context_identifier: opts.ctx ?? `Cust${randomUUID().slice(0, 8)}`,
      name: opts.name ?? 'Test Company',
      installation_state: 'active',
      subscription_state: opts.subscription ?? 'active',
      seat_count: opts.seats ?? 10,
    })
    .returning('id');
  return row.id as string;
}

export async function addProfile(db: Db, tenantId: string, opts: { name?: string; settings?: object; connection?: object } = {}): Promise<string> {
  const [row] = await db('profiles')
    .insert({
      tenant_id: tenantId,
      name: opts.name ?? 'Microsoft 365',
      calendar_system: 'graph',
      settings: JSON.stringify(opts.settings ?? {}),
      connection: JSON.stringify(opts.connection ?? { mode: 'application' }),
    })
    .returning('id');
  return row.id as string;
}

export async function addLink(
  db: Db,
  tenantId: string,
  profileId: string,
  opts: { associateId: number; mailbox?: string; email?: string; state?: string; lastError?: string | null; lastSyncAt?: Date | null; settings?: object },
): Promise<string> {
  const [row] = await db('links')
    .insert({
      tenant_id: tenantId,
      profile_id: profileId,
      associate_id: opts.associateId,
      associate_email: opts.email ?? `user${opts.associateId}@example.test`,
      mailbox: opts.mailbox ?? `user${opts.associateId}@example.test`,
      state: opts.state ?? 'active',
      last_error: opts.lastError ?? null,
      last_sync_at: opts.lastSyncAt ?? null,
      settings: JSON.stringify(opts.settings ?? {}),
    })
    .returning('id');
  return row.id as string;
}

export async function addItem(
  db: Db,
  tenantId: string,
  linkId: string,
  opts: { soId?: string; extId?: string; lastError?: string; dirty?: boolean; state?: 'active' | 'tombstone'; tombstone?: object; restorableUntil?: Date } = {},
): Promise<string> {
  const [row] = await db('synced_items')
    .insert({
      tenant_id: tenantId,
      link_id: linkId,
      stable_key: `cs1-${randomUUID()}`,
      so_id: opts.soId ?? String(Math.floor(Math.random() * 1e9)),
      ext_id: opts.extId ?? `ext-${randomUUID()}`,
      state: opts.state ?? 'active',
      last_error: opts.lastError ?? null,
      dirty: opts.dirty ?? false,
      last_synced_at: new Date(),
      ...(opts.tombstone ? { tombstone: JSON.stringify(opts.tombstone), deleted_at: new Date(), restorable_until: opts.restorableUntil ?? new Date(Date.now() + 86_400_000) } : {}),
    })
    .returning('id');
  return row.id as string;
}

/** The sync-link jobs waiting in the queue, by link id. */
export async function queuedSyncs(db: Db): Promise<string[]> {
  const rows: Array<{ key: string | null }> = await db('graphile_worker.jobs').where('task_identifier', 'sync-link').select('key');
  return rows.map((r) => String(r.key).replace(/^sync-link:/, ''));
}
