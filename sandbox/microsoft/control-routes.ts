// The control API over HTTP (JSON under /control), for tests and tools outside the process, and the
// mailbox page. Same operations as control.ts; bodies are checked with zod and a bad one answers
// 400 with what is wrong. Graph errors from an edit (unknown event, bad body) keep their status.
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { MicrosoftControl } from './control.ts';
import { mailboxPageRoutes } from './control-page.ts';
import type { Directory } from './directory.ts';
import { GraphError } from './graph/errors.ts';
import type { GraphService } from './graph/router.ts';

const object = z.record(z.string(), z.unknown());
const schemas = {
  create: z.object({ event: object, calendarId: z.string().optional() }).strict(),
  update: z.object({ changes: object }).strict(),
  calendar: z.object({ name: z.string().min(1) }).strict(),
  consent: z.object({ granted: z.boolean(), expireTokens: z.boolean().optional() }).strict(),
  graphFault: z.object({
    status: z.union([z.literal(429), z.literal(503), z.literal(504)]),
    count: z.number().int().min(1).optional(),
    retryAfterS: z.number().int().min(0).optional(),
    user: z.string().optional(),
    endpoint: z.string().optional(),
  }).strict(),
  loginFault: z.union([
    z.object({ kind: z.literal('status'), status: z.union([z.literal(429), z.literal(500), z.literal(503)]), retryAfterS: z.number().int().min(0), count: z.number().int().min(1) }).strict(),
    z.object({ kind: z.literal('error'), error: z.enum(['invalid_grant', 'interaction_required']), count: z.number().int().min(1) }).strict(),
  ]),
  notificationFaults: z.object({
    drop: z.number().int().min(0), duplicate: z.number().int().min(0), delay: z.number().int().min(0), delayMs: z.number().int().min(0),
  }).partial().strict(),
  latency: z.object({ ms: z.number().int().min(0) }).strict(),
  settings: z.object({
    accessTokenLifetimeS: z.number().int().min(1), refreshTokenLifetimeS: z.number().int().min(1), latencyMs: z.number().int().min(0),
    concurrentPerMailbox: z.number().int().min(1), requestsPerWindow: z.number().int().min(1), windowS: z.number().int().min(1),
    subscriptionMaxMinutes: z.number().int().min(1), notificationTimeoutMs: z.number().int().min(1),
    notificationRetryDelaysMs: z.array(z.number().int().min(0)), deltaTokenExpiry: z.enum(['410', 'syncStateNotFound']),
    maxDeltaStatesPerMailbox: z.number().int().min(1), defaultPageSize: z.number().int().min(1),
    repeatedTransactionId: z.enum(['returnsFirst', 'createsAnother', 'conflict409', 'badRequest400']),
    staleIfMatch: z.enum(['irresolvable412', 'precondition412', 'irresolvable409']),
    mailboxNotEnabledStatus: z.union([z.literal(404), z.literal(400), z.literal(401), z.literal(403)]),
  }).partial().strict(),
  lifecycle: z.object({ event: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']) }).strict(),
  window: z.object({ start: z.iso.datetime({ offset: true }).optional(), end: z.iso.datetime({ offset: true }).optional(), calendarId: z.string().optional() }),
};

function parse<T>(schema: z.ZodType<T>, input: unknown, res: Response): T | undefined {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  res.status(400).json({ error: 'bad_request', message: r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
  return undefined;
}

/** Runs a control operation; Graph errors (unknown user or event, invalid event body) keep their status. */
function run(res: Response, status: number, action: () => unknown): void {
  try {
    const out = action();
    if (out === undefined || out === null) res.status(204).end();
    else res.status(status).json(out);
  } catch (err) {
    if (err instanceof GraphError) return void res.status(err.status).json({ error: err.code, message: err.message });
    if (err instanceof Error && /^No |^Unknown /.test(err.message)) return void res.status(404).json({ error: 'not_found', message: err.message });
    throw err;
  }
}

const p = (req: Request, name: string) => String(req.params[name] ?? '');

export function controlRouter(control: MicrosoftControl, dir: Directory, graph: GraphService): Router {
  const r = Router();
  r.use('/control', express.json({ limit: '256kb' }));

  r.get('/control/state', (_req, res) => void res.json({
    tenantId: dir.tenantId, domain: dir.domain, clientId: dir.app.clientId, adminConsent: dir.adminConsent !== null,
    users: dir.users.length, mailboxesInUse: graph.mailboxes.size, settings: control.settings,
  }));
  r.get('/control/users', (_req, res) => void res.json(dir.users.filter((u) => !u.bulk).map((u) => ({
    id: u.id, userPrincipalName: u.userPrincipalName, mail: u.mail, displayName: u.displayName, hasMailbox: u.hasMailbox, isAdmin: u.isAdmin,
  }))));

  r.get('/control/mailboxes/:user/events', (req, res) => {
    const q = parse(schemas.window, req.query, res);
    if (!q) return;
    if ((q.start === undefined) !== (q.end === undefined)) return void res.status(400).json({ error: 'bad_request', message: 'start and end go together' });
    run(res, 200, () => control.events(p(req, 'user'), { calendarId: q.calendarId, start: q.start ? new Date(q.start) : undefined, end: q.end ? new Date(q.end) : undefined }));
  });
  r.post('/control/mailboxes/:user/events', (req, res) => {
    const b = parse(schemas.create, req.body, res);
    if (b) run(res, 201, () => control.editAsUser(p(req, 'user'), { op: 'create', event: b.event, calendarId: b.calendarId }));
  });
  r.patch('/control/mailboxes/:user/events/:id', (req, res) => {
    const b = parse(schemas.update, req.body, res);
    if (b) run(res, 200, () => control.editAsUser(p(req, 'user'), { op: 'update', eventId: p(req, 'id'), changes: b.changes }));
  });
  r.delete('/control/mailboxes/:user/events/:id', (req, res) => run(res, 204, () => control.editAsUser(p(req, 'user'), { op: 'delete', eventId: p(req, 'id') })));
  r.get('/control/mailboxes/:user/calendars', (req, res) => run(res, 200, () => control.calendars(p(req, 'user'))));
  r.post('/control/mailboxes/:user/calendars', (req, res) => {
    const b = parse(schemas.calendar, req.body, res);
    if (b) run(res, 201, () => control.createCalendar(p(req, 'user'), b.name));
  });

  r.put('/control/consent', (req, res) => {
    const b = parse(schemas.consent, req.body, res);
    if (!b) return;
    if (b.granted) control.grantAdminConsent();
    else control.revokeAdminConsent({ expireTokens: b.expireTokens });
    res.status(204).end();
  });
  r.post('/control/users/:user/revoke-sessions', (req, res) => run(res, 204, () => control.revokeRefreshTokens(p(req, 'user'))));
  r.post('/control/tokens/expire', (_req, res) => run(res, 204, () => control.expireAccessTokens()));

  r.put('/control/faults/graph', (req, res) => {
    const b = parse(schemas.graphFault, req.body, res);
    if (b) run(res, 204, () => control.injectFaults(b));
  });
  r.delete('/control/faults/graph', (_req, res) => run(res, 204, () => control.clearFaults()));
  r.put('/control/faults/login', (req, res) => {
    const b = parse(schemas.loginFault, req.body, res);
    if (b) run(res, 204, () => control.injectLoginFault(b));
  });
  r.put('/control/faults/notifications', (req, res) => {
    const b = parse(schemas.notificationFaults, req.body, res);
    if (b) run(res, 204, () => control.injectNotificationFaults(b));
  });
  r.put('/control/latency', (req, res) => {
    const b = parse(schemas.latency, req.body, res);
    if (b) run(res, 204, () => control.setLatency(b.ms));
  });
  r.patch('/control/settings', (req, res) => {
    const b = parse(schemas.settings, req.body, res);
    if (b) run(res, 200, () => Object.assign(control.settings, b));
  });

  r.get('/control/subscriptions', (_req, res) => void res.json(control.subscriptions()));
  r.post('/control/subscriptions/:id/lifecycle', (req, res) => {
    const b = parse(schemas.lifecycle, req.body, res);
    if (b) run(res, 200, () => ({ notified: control.fireLifecycle(p(req, 'id'), b.event) }));
  });
  r.post('/control/subscriptions/:id/expire', (req, res) => run(res, 204, () => control.expireSubscription(p(req, 'id'))));
  r.post('/control/delta/expire', (req, res) => {
    const user = typeof req.query.user === 'string' ? req.query.user : undefined;
    run(res, 200, () => ({ expired: control.expireDeltaTokens(user) }));
  });

  r.get('/control/requests', (_req, res) => void res.json(control.requestCounts()));
  r.get('/control/requests/recent', (_req, res) => void res.json(control.recentRequests()));
  r.delete('/control/requests', (_req, res) => run(res, 204, () => control.resetRequestCounts()));
  r.get('/control/deliveries', (_req, res) => void res.json(control.deliveries()));
  r.post('/control/idle', async (_req, res) => {
    await control.idle();
    res.status(204).end();
  });

  r.use(mailboxPageRoutes(control, dir));
  return r;
}
