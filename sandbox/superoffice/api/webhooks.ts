// Webhook definitions, REST and agent forms (specs/superoffice.md 4.1, 4.2). Saving goes through the
// same check NetServer's WebhookManager makes: the TargetUrl must be https (plain http only on
// loopback when the sandbox allows it) and must answer a signed `test` POST with 200. The Webhook
// carrier has the fields of SuperOffice's reference (docs/en/api/reference/restful/agent/
// Webhook_Agent/v1WebhookAgent_GetWebhook.md) and no others: call counts and the last error stay
// on the row, reachable only through GetLastError.
import type { Request, Response, Router } from 'express';
import { testEvent } from './activity-events.ts';
import { principalOf, type ApiContext } from './context.ts';
import { SoApiError, notFound } from './errors.ts';
import type { WebhookRow } from './store.ts';
import { formatUtc, timeZoneOf, type TimeZoneView } from './time-zone.ts';
import { WEBHOOK_STATE, enumName, enumValue, int, isObject, pick, queryParam, str, type Json } from './wire.ts';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function defaults(): Omit<WebhookRow, 'webhookId' | 'registered' | 'registeredAssociateId'> {
  return {
    name: '', events: [], targetUrl: '', secret: '', state: 1, type: 'webhook', headers: {}, properties: {}, errorsEmail: '',
    updated: null, updatedAssociateId: 0, totalCalls: 0, totalErrors: 0, consecutiveErrors: 0, lastError: '',
  };
}

export function webhookJson(h: Partial<WebhookRow>, view: TimeZoneView): Json {
  return {
    WebhookId: h.webhookId ?? 0, Name: h.name ?? null, Events: h.events ?? [], TargetUrl: h.targetUrl ?? null,
    Secret: h.secret ?? null, State: enumName(h.state ?? 1, WEBHOOK_STATE), Type: h.type ?? 'webhook',
    Headers: h.headers ?? {}, Properties: h.properties ?? {},
    Registered: formatUtc(h.registered ?? null, view), RegisteredAssociate: null,
    Updated: formatUtc(h.updated ?? null, view), UpdatedAssociate: null,
    ErrorsEmail: h.errorsEmail ?? '',
  };
}

function readWebhook(base: Omit<WebhookRow, 'webhookId' | 'registered' | 'registeredAssociateId'>, body: unknown) {
  if (!isObject(body)) throw new SoApiError(400, 'ArgumentException', 'Expected a Webhook object');
  const h = { ...base };
  const v = (n: string) => pick(body, n);
  if (v('Name') !== undefined) h.name = str(v('Name'), 'Name');
  if (v('TargetUrl') !== undefined) h.targetUrl = str(v('TargetUrl'), 'TargetUrl');
  if (v('Secret') !== undefined) h.secret = str(v('Secret'), 'Secret');
  if (v('Type') !== undefined) h.type = str(v('Type'), 'Type') || 'webhook';
  const errorsEmail = v('ErrorsEmail');
  if (errorsEmail !== undefined) h.errorsEmail = errorsEmail === null ? '' : str(errorsEmail, 'ErrorsEmail');
  if (v('State') !== undefined && v('State') !== null) h.state = enumValue(v('State'), WEBHOOK_STATE, 'State');
  const events = v('Events');
  if (events !== undefined) {
    if (!Array.isArray(events) || !events.every((e) => typeof e === 'string')) {
      throw new SoApiError(400, 'ArgumentException', 'Events must be an array of event names');
    }
    h.events = events;
  }
  const headers = v('Headers');
  if (isObject(headers)) h.headers = Object.fromEntries(Object.entries(headers).map(([k, x]) => [k, String(x)]));
  const props = v('Properties');
  if (isObject(props)) h.properties = props;
  return h;
}

function checkTarget(url: string, allowHttp: boolean): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SoApiError(400, 'ArgumentException', `Webhook TargetUrl is not a valid URL: '${url}'`);
  }
  if (u.protocol === 'https:') return;
  if (u.protocol === 'http:' && allowHttp && LOOPBACK.has(u.hostname)) return;
  throw new SoApiError(400, 'ArgumentException', `Webhook TargetUrl must be secure: 'HTTPS:' not found in ${url}`);
}

async function save(api: ApiContext, res: Response, body: unknown, forcedId?: number): Promise<WebhookRow> {
  const p = principalOf(res);
  const hooks = api.store.tenant(p.ctx).webhooks;
  const id = forcedId ?? int(pick(body, 'WebhookId') ?? 0, 'WebhookId');
  const existing = id ? hooks.get(id) : undefined;
  if (id && !existing) throw notFound('Webhook', id);
  const h = readWebhook(existing ?? defaults(), body);
  if (!h.events.length) throw new SoApiError(400, 'ArgumentException', 'Webhook Events must name at least one event');
  checkTarget(h.targetUrl, api.allowHttp);
  const test = await api.dispatcher.test(p.ctx, { ...h, webhookId: id }, testEvent(p.ctx, h.name, p.associateId, api.now()));
  if (test.status !== 200) {
    throw new SoApiError(400, 'ArgumentException',
      `Webhook test POST to ${h.targetUrl} failed: ${test.error ?? `HTTP ${test.status}`}. The target must answer 200.`);
  }
  const now = api.now();
  const row: WebhookRow = existing
    ? { ...existing, ...h, updated: now, updatedAssociateId: p.associateId }
    : { ...h, webhookId: api.store.tenant(p.ctx).nextId.webhook++, registered: now, registeredAssociateId: p.associateId };
  // Setting a hook Active again (after TooManyErrors) starts its error count afresh.
  if (row.state === 1 && existing?.state !== 1) row.consecutiveErrors = 0;
  hooks.set(row.webhookId, row);
  if (row.state !== 1) api.dispatcher.discard(p.ctx, row.webhookId);
  return row;
}

function find(api: ApiContext, res: Response, id: number): WebhookRow | undefined {
  return api.store.tenant(principalOf(res).ctx).webhooks.get(id);
}

function remove(api: ApiContext, res: Response, id: number): boolean {
  const ctx = principalOf(res).ctx;
  api.dispatcher.discard(ctx, id);
  return api.store.tenant(ctx).webhooks.delete(id);
}

function idParam(req: Request, name: string): number {
  const raw = queryParam(req.query, name) ?? (req.params as Record<string, string | undefined>)[name];
  return int(raw ?? 0, name);
}

export function mountWebhooks(r: Router, api: ApiContext): void {
  // REST
  r.get('/Webhook/default', (req, res) => {
    res.json(webhookJson(defaults(), timeZoneOf(req)));
  });
  r.get('/Webhook', (req, res) => {
    res.json([...api.store.tenant(principalOf(res).ctx).webhooks.values()].map((h) => webhookJson(h, timeZoneOf(req))));
  });
  r.post('/Webhook', async (req, res) => {
    res.status(201).json(webhookJson(await save(api, res, req.body, 0), timeZoneOf(req)));
  });
  r.post('/Webhook/Test', async (req, res) => {
    res.json(await testOnly(api, req, res, req.body));
  });
  r.get('/Webhook/:id/LastError', (req, res) => {
    const h = find(api, res, idParam(req, 'id'));
    if (!h) throw notFound('Webhook', req.params.id ?? '');
    res.json(h.lastError);
  });
  r.get('/Webhook/:id', (req, res) => {
    const h = find(api, res, idParam(req, 'id'));
    if (!h) throw notFound('Webhook', req.params.id ?? '');
    res.json(webhookJson(h, timeZoneOf(req)));
  });
  const replace = async (req: Request, res: Response) => {
    const id = idParam(req, 'id');
    if (!find(api, res, id)) throw notFound('Webhook', id);
    res.json(webhookJson(await save(api, res, req.body, id), timeZoneOf(req)));
  };
  r.put('/Webhook/:id', replace);
  r.patch('/Webhook/:id', replace);
  r.delete('/Webhook/:id', (req, res) => {
    if (!remove(api, res, idParam(req, 'id'))) throw notFound('Webhook', req.params.id ?? '');
    res.status(204).end();
  });
  r.post('/Webhook/:eventName/:primaryKey', (req, res) => {
    signal(api, res, req.params.eventName ?? '', int(req.params.primaryKey, 'primaryKey'), req.body);
    res.status(204).end();
  });

  // Agents
  const agent = (name: string, h: (req: Request, res: Response) => unknown) =>
    r.post(`/Agents/Webhook/${name}`, async (req, res) => {
      const out = await h(req, res);
      if (!res.headersSent) res.json(out ?? null);
    });
  agent('CreateDefaultWebhook', (req) => webhookJson(defaults(), timeZoneOf(req)));
  agent('SaveWebhook', async (req, res) => webhookJson(await save(api, res, req.body), timeZoneOf(req)));
  agent('GetWebhook', (req, res) => {
    const h = find(api, res, idParam(req, 'webhookId'));
    return h ? webhookJson(h, timeZoneOf(req)) : null;
  });
  agent('DeleteWebhook', (req, res) => {
    remove(api, res, idParam(req, 'webhookId'));
    res.status(204).end();
  });
  agent('GetAllWebhooks', (req, res) => {
    const name = str(pick(req.body, 'NameFilter') ?? '', 'NameFilter').toLowerCase();
    const event = str(pick(req.body, 'EventFilter') ?? '', 'EventFilter').toLowerCase();
    const status = pick(req.body, 'StatusFilter');
    const state = status === undefined || status === null ? 0 : enumValue(status, WEBHOOK_STATE, 'StatusFilter');
    return [...api.store.tenant(principalOf(res).ctx).webhooks.values()]
      .filter((h) => !name || h.name.toLowerCase().includes(name))
      .filter((h) => !event || h.events.some((e) => e.toLowerCase() === event))
      .filter((h) => !state || h.state === state)
      .map((h) => webhookJson(h, timeZoneOf(req)));
  });
  agent('TestWebhook', (req, res) => testOnly(api, req, res, pick(req.body, 'Webhook')));
  agent('SignalEvent', (req, res) => {
    signal(api, res, str(pick(req.body, 'EventName') ?? '', 'EventName'), int(pick(req.body, 'PrimaryKey') ?? 0, 'PrimaryKey'), pick(req.body, 'Data'));
    res.status(204).end();
  });
  agent('GetLastError', (req, res) => find(api, res, int(pick(req.body, 'WebhookId') ?? 0, 'WebhookId'))?.lastError ?? '');
}

async function testOnly(api: ApiContext, _req: Request, res: Response, body: unknown): Promise<Json> {
  const p = principalOf(res);
  const h = readWebhook(defaults(), body);
  checkTarget(h.targetUrl, api.allowHttp);
  const r = await api.dispatcher.test(p.ctx, { ...h, webhookId: 0 }, testEvent(p.ctx, h.name, p.associateId, api.now()));
  return { Success: r.status === 200, Message: r.status === 200 ? 'OK' : (r.error ?? `HTTP ${r.status}`), TableRight: null, FieldProperties: {} };
}

function signal(api: ApiContext, res: Response, eventName: string, primaryKey: number, data: unknown): void {
  const p = principalOf(res);
  if (!eventName) throw new SoApiError(400, 'ArgumentException', 'EventName is required');
  api.dispatcher.publish(p.ctx, {
    Timestamp: api.now().toISOString(), Changes: [], Event: eventName, PrimaryKey: primaryKey,
    Entity: eventName.split('.')[0] ?? eventName, ContextIdentifier: p.ctx, ChangedByAssociateId: p.associateId,
    FieldValues: isObject(data) ? data : {},
  });
}
