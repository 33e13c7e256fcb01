// The tenant API's control object over HTTP, next to the identity half's /control routes, for tests
// and tools outside the process: list and create appointments, edit or delete them as a user (which
// fires activity.* webhooks like any API change), watch webhook deliveries, and inject faults.
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { SoApiError } from './api/errors.ts';
import type { TenantApiControl } from './api/tenant-api.ts';
import { WEBHOOK_REFUSALS } from './api/webhook-access.ts';
import type { Json } from './api/wire.ts';

const updateMode = z.enum(['OnlyThis', 'ThisAndForward', 'StopRecurrence']).optional();
/** Wire-format AppointmentEntity fields; the simulator's own reader checks them field by field. */
const entity = z.record(z.string(), z.unknown());

const schemas = {
  create: z.object({ associateId: z.number().int().positive(), appointment: entity }),
  update: z.object({ associateId: z.number().int().positive(), changes: entity, updateMode }),
  remove: z.object({ associateId: z.coerce.number().int().positive(), updateMode }),
  webhookFaults: z
    .object({ drop: z.number().int().min(0), duplicate: z.number().int().min(0), reorder: z.number().int().min(0) })
    .partial()
    .strict(),
  apiFaults: z
    .object({
      latencyMs: z.number().int().min(0),
      status: z.union([z.literal(429), z.literal(503)]),
      count: z.number().int().min(1),
      retryAfterSeconds: z.number().int().min(0),
    })
    .partial()
    .strict(),
  webhookAccess: z.object({ granted: z.boolean(), refusal: z.enum(WEBHOOK_REFUSALS).optional() }).strict(),
};

function parse<T>(schema: z.ZodType<T>, input: unknown, res: Response): T | undefined {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  res.status(400).json({ error: 'bad_request', message: r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
  return undefined;
}

function appointmentId(req: Request, res: Response): number | undefined {
  const id = Number(req.params.id);
  if (Number.isInteger(id) && id > 0) return id;
  res.status(400).json({ error: 'bad_request', message: `appointment id must be a positive integer, got ${JSON.stringify(req.params.id)}` });
  return undefined;
}

/** The simulator answers bad entities and unknown ids with SoApiError; keep its status and message. */
function run(res: Response, status: number, action: () => Json | null): void {
  try {
    const out = action();
    if (out === null) res.status(204).end();
    else res.status(status).json(out);
  } catch (err) {
    if (!(err instanceof SoApiError)) throw err;
    res.status(err.status).json({ error: err.status === 404 ? 'not_found' : 'bad_request', message: err.message });
  }
}

export interface ApiControlOptions {
  /** Unknown tenants answer 404 instead of springing into existence in the API store. */
  tenantExists: (ctx: string) => boolean;
}

export function apiControlRouter(control: TenantApiControl, opts: ApiControlOptions): Router {
  const r = Router();
  r.use('/control', express.json({ limit: '256kb' }));
  r.use('/control/tenants/:ctx', (req, res, next) => {
    if (opts.tenantExists(String(req.params.ctx))) return next();
    res.status(404).json({ error: 'not_found', message: `no tenant ${req.params.ctx}` });
  });

  r.get('/control/tenants/:ctx/appointments', (req, res) => void res.json(control.appointments(String(req.params.ctx))));
  r.post('/control/tenants/:ctx/appointments', (req, res) => {
    const b = parse(schemas.create, req.body, res);
    if (!b) return;
    run(res, 201, () => control.editAsUser(String(req.params.ctx), b.associateId, { op: 'create', appointment: b.appointment as Json }));
  });
  r.patch('/control/tenants/:ctx/appointments/:id', (req, res) => {
    const id = appointmentId(req, res);
    const b = id === undefined ? undefined : parse(schemas.update, req.body, res);
    if (id === undefined || !b) return;
    run(res, 200, () =>
      control.editAsUser(String(req.params.ctx), b.associateId, { op: 'update', appointmentId: id, changes: b.changes as Json, updateMode: b.updateMode }),
    );
  });
  r.delete('/control/tenants/:ctx/appointments/:id', (req, res) => {
    const id = appointmentId(req, res);
    const q = id === undefined ? undefined : parse(schemas.remove, req.query, res);
    if (id === undefined || !q) return;
    run(res, 204, () => control.editAsUser(String(req.params.ctx), q.associateId, { op: 'delete', appointmentId: id, updateMode: q.updateMode }));
  });

  r.put('/control/tenants/:ctx/faults/webhooks', (req, res) => {
    const b = parse(schemas.webhookFaults, req.body, res);
    if (!b) return;
    control.injectWebhookFaults(String(req.params.ctx), b);
    res.status(204).end();
  });
  r.put('/control/tenants/:ctx/faults/api', (req, res) => {
    const b = parse(schemas.apiFaults, req.body, res);
    if (!b) return;
    if (b.count !== undefined && b.status === undefined) {
      return void res.status(400).json({ error: 'bad_request', message: 'count: only meaningful together with status' });
    }
    control.injectApiFaults(String(req.params.ctx), b);
    res.status(204).end();
  });
  // Online refuses the Webhook agent unless access was requested: `{ granted: false, refusal? }`
  // answers every Webhook call as set (forbidden, unauthorized, not_found, fault).
  r.put('/control/tenants/:ctx/webhook-access', (req, res) => {
    const b = parse(schemas.webhookAccess, req.body, res);
    if (!b) return;
    control.setWebhookAccess(String(req.params.ctx), b);
    res.status(204).end();
  });
  r.get('/control/tenants/:ctx/webhooks', (req, res) => void res.json(control.webhooks(String(req.params.ctx))));

  r.get('/control/deliveries', (req, res) => {
    const ctx = typeof req.query.ctx === 'string' && req.query.ctx !== '' ? req.query.ctx : undefined;
    res.json(control.deliveries(ctx));
  });
  return r;
}
