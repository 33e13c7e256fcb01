// The simulated tenant API (`/{ctx}/api/v1/...`): appointments, the archives (FindAppointment, users,
// persons), associates and activity types, foreign keys, webhooks and their dispatcher, and web
// panels, behind the identity half's authenticate middleware. Mount the router at TENANT_API_MOUNT;
// `control` is the backdoor for tests and the sandbox shell (seed data, edit as a user, watch
// deliveries, inject faults).
import express, { type RequestHandler, type Router } from 'express';
import { activityEvent, type WebhookPayloadShape } from './activity-events.ts';
import { mountAppointments } from './appointment-routes.ts';
import { Appointments, UPDATE_MODE } from './appointments.ts';
import { mountArchive } from './archive.ts';
import type { ApiContext } from './context.ts';
import { mountDirectoryAgents } from './directory-agents.ts';
import { Dispatcher, type DeliveryRecord, type WebhookFaults } from './dispatcher.ts';
import { SoApiError, sendSoError, soErrorHandler } from './errors.ts';
import { mountForeignKeys } from './foreign-keys.ts';
import { ApiStore } from './store.ts';
import { isKnownZone, type TimeZoneView } from './time-zone.ts';
import type { SoPrincipal, TenantApiDeps } from './types.ts';
import { WEBHOOK_AGENT_PATHS, WebhookAccess, type WebhookRefusal } from './webhook-access.ts';
import { mountWebhooks, webhookJson } from './webhooks.ts';
import { mountWebPanels } from './web-panels.ts';
import type { Json } from './wire.ts';

export type { SoPrincipal, TenantApiDeps } from './types.ts';
export type { DeliveryRecord, WebhookFaults } from './dispatcher.ts';
export type { WebhookRefusal } from './webhook-access.ts';

export const TENANT_API_MOUNT = '/:ctx/api/v1';

type UpdateModeName = keyof typeof UPDATE_MODE;

/** A change a simulated user makes in the CRM client; fires webhooks like any API change. */
export type UserEdit =
  | { op: 'create'; appointment: Json }
  | { op: 'update'; appointmentId: number; changes: Json; updateMode?: UpdateModeName }
  | { op: 'delete'; appointmentId: number; updateMode?: UpdateModeName };

export interface ApiFaultInjection {
  /** Delay before every request of the tenant; 0 to stop. */
  latencyMs?: number;
  /** Answer the next `count` requests (default 1) with this status. */
  status?: 429 | 503;
  count?: number;
  retryAfterSeconds?: number;
}

export interface TenantApiControl {
  /** Initial data: creates appointments (wire-format bodies naming their Associate) without webhooks. */
  seedAppointments(ctx: string, appointments: Json[]): number[];
  /** Returns the appointment entity afterwards (UTC, with offsets), or null after a delete. */
  editAsUser(ctx: string, associateId: number, edit: UserEdit): Json | null;
  appointments(ctx: string): Json[];
  webhooks(ctx: string): Json[];
  deliveries(ctx?: string): DeliveryRecord[];
  injectWebhookFaults(ctx: string, faults: Partial<WebhookFaults>): void;
  injectApiFaults(ctx: string, faults: ApiFaultInjection): void;
  /** Online's default is no access to the Webhook agent (webhook-access.ts); the simulator grants it unless told. */
  setWebhookAccess(ctx: string, access: { granted: boolean; refusal?: WebhookRefusal }): void;
  /** The tenant's base time zone (IANA), in which un-offset dates are read and series are expanded. */
  setBaseTimeZone(ctx: string, zone: string): void;
  /** Resolves when no webhook delivery is in flight or waiting to retry. */
  idle(): Promise<void>;
  /** Tenant API requests so far (every tenant), in all and by endpoint (`GET /Appointment/:id`); for the benchmark's call counts. */
  requestCounts(): { total: number; byEndpoint: Record<string, number> };
  resetRequestCounts(): void;
  /** Called after every appointment change, whoever made it (an API client or editAsUser); the benchmark times propagation by it. */
  onAppointmentChange(fn: (ctx: string, c: { kind: 'created' | 'changed' | 'deleted'; appointmentId: number; associateId: number }) => void): void;
  /** Which activity webhook bodies are sent: `documented` (the default) or `full` (activity-events.ts). */
  setWebhookPayload(shape: WebhookPayloadShape): void;
  /** Stops the dispatcher (pending deliveries are dropped). */
  close(): Promise<void>;
}

const CONTROL_VIEW: TimeZoneView = { zone: 'UTC', includeOffset: true };

export function createTenantApi(deps: TenantApiDeps): { router: Router; control: TenantApiControl } {
  const now = deps.now ?? (() => new Date());
  const store = new ApiStore();
  const dispatcher = new Dispatcher(store, {
    retryDelaysMs: deps.webhookDelivery?.retryDelaysMs ?? [1000, 4000],
    ca: deps.webhookDelivery?.ca,
    now,
  });
  const changeListeners: Parameters<TenantApiControl['onAppointmentChange']>[0][] = [];
  let webhookPayload: WebhookPayloadShape = 'documented';
  const appointments = new Appointments(store, now, (ctx, changes) => {
    for (const c of changes) dispatcher.publish(ctx, activityEvent(ctx, c, now(), webhookPayload));
    for (const c of changes) {
      const row = (c.after ?? c.before)!;
      for (const fn of changeListeners) fn(ctx, { kind: c.kind, appointmentId: row.appointmentId, associateId: row.associateId });
    }
  });
  const api: ApiContext = { deps, store, appointments, dispatcher, now, allowHttp: deps.webhookDelivery?.allowHttp ?? false };

  let requestTotal = 0;
  const requestsByEndpoint = new Map<string, number>();
  const count: RequestHandler = (req, _res, next) => {
    // Ids in the path are one endpoint: /Appointment/123 and /Appointment/456 count together.
    const endpoint = `${req.method} ${req.path.replace(/\/\d+(?=\/|$)/g, '/:id')}`;
    requestTotal++;
    requestsByEndpoint.set(endpoint, (requestsByEndpoint.get(endpoint) ?? 0) + 1);
    next();
  };
  const faults: RequestHandler = async (req, res, next) => {
    const ctx = (req.params as { ctx?: string }).ctx;
    if (!ctx) return next();
    const f = store.tenant(ctx).apiFaults;
    if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (f.status && f.status.count > 0) {
      f.status.count--;
      if (f.status.retryAfterSeconds !== undefined) res.set('Retry-After', String(f.status.retryAfterSeconds));
      const code = f.status.code;
      if (f.status.count === 0) delete f.status;
      sendSoError(res, code, code === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
        code === 429 ? 'Too many requests' : 'The service is temporarily unavailable');
      return;
    }
    next();
  };
  const sameTenant: RequestHandler = (req, res, next) => {
    const ctx = (req.params as { ctx?: string }).ctx ?? '';
    const p = res.locals.principal as SoPrincipal | undefined;
    if (!p || p.ctx.toLowerCase() !== ctx.toLowerCase()) {
      next(new SoApiError(401, 'UnauthorizedAccessException', `The credential does not belong to tenant ${ctx}`));
      return;
    }
    next();
  };

  const webhookAccess = new WebhookAccess();
  const router = express.Router({ mergeParams: true });
  router.use(count, faults, deps.authenticate, sameTenant);
  router.use(express.json({ limit: '1mb', strict: false, type: ['application/json', 'application/*+json'] }));
  mountAppointments(router, api);
  mountArchive(router, api);
  mountDirectoryAgents(router, api);
  mountForeignKeys(router, api);
  router.use(WEBHOOK_AGENT_PATHS, webhookAccess.gate);
  mountWebhooks(router, api);
  mountWebPanels(router, api);
  router.use((req, res) => sendSoError(res, 404, 'NotFound', `No endpoint for ${req.method} ${req.path}`));
  router.use(soErrorHandler);

  const ctxFor = (ctx: string) => ({ ctx, view: CONTROL_VIEW, associates: deps.associates(ctx), persons: deps.persons(ctx) });
  const entityOf = (ctx: string, id: number) => {
    const row = appointments.get(ctx, id);
    return row ? appointments.entity(ctxFor(ctx), row, `/${ctx}/api/`) : null;
  };
  const control: TenantApiControl = {
    setWebhookPayload(shape) {
      webhookPayload = shape;
    },
    seedAppointments(ctx, list) {
      return list.map((body) => {
        const owner = Number((body.Associate as { AssociateId?: unknown } | undefined)?.AssociateId ?? 0);
        return appointments.create(ctxFor(ctx), owner, body, false).appointmentId;
      });
    },
    editAsUser(ctx, associateId, edit) {
      const c = ctxFor(ctx);
      if (edit.op === 'create') return entityOf(ctx, appointments.create(c, associateId, { Associate: { AssociateId: associateId }, ...edit.appointment }).appointmentId);
      const mode = UPDATE_MODE[edit.updateMode ?? 'OnlyThis'];
      if (edit.op === 'update') return entityOf(ctx, appointments.update(c, associateId, edit.appointmentId, edit.changes, mode).appointmentId);
      appointments.delete(ctx, associateId, edit.appointmentId, mode);
      return null;
    },
    appointments: (ctx) => appointments.all(ctx).map((r) => appointments.entity(ctxFor(ctx), r, `/${ctx}/api/`)),
    webhooks: (ctx) => [...store.tenant(ctx).webhooks.values()].map((h) => webhookJson(h, CONTROL_VIEW)),
    deliveries: (ctx) => dispatcher.deliveries(ctx),
    injectWebhookFaults: (ctx, f) => dispatcher.injectFaults(ctx, f),
    injectApiFaults(ctx, f) {
      const t = store.tenant(ctx).apiFaults;
      if (f.latencyMs !== undefined) t.latencyMs = f.latencyMs;
      if (f.status) t.status = { code: f.status, count: f.count ?? 1, retryAfterSeconds: f.retryAfterSeconds };
    },
    setWebhookAccess: (ctx, access) => webhookAccess.set(ctx, access),
    setBaseTimeZone(ctx, zone) {
      if (!isKnownZone(zone)) throw new Error(`unknown time zone ${JSON.stringify(zone)}`);
      store.tenant(ctx).baseZone = zone;
    },
    idle: () => dispatcher.idle(),
    requestCounts: () => ({ total: requestTotal, byEndpoint: Object.fromEntries(requestsByEndpoint) }),
    resetRequestCounts() {
      requestTotal = 0;
      requestsByEndpoint.clear();
    },
    onAppointmentChange: (fn) => void changeListeners.push(fn),
    close: () => dispatcher.close(),
  };
  return { router, control };
}
