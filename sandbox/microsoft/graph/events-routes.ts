// Events on a mailbox's calendars: list (singles and series masters), create (with transactionId
// deduplication), get, update (If-Match), delete, a series' instances, and calendarView. `/events`
// and `/calendar/events` address the default calendar, `/calendars/{id}/events` another one; an
// event or occurrence id is unique in its mailbox, so the item routes find it in any calendar.
import { mailboxFor, json, link, simulatorOrigin, type GraphContext, type GraphRequest, type GraphResponse, type Route } from './context.ts';
import { GraphError, badRequest } from './errors.ts';
import { readEventInput } from './event-model.ts';
import { EVENT_PROPERTIES, eventJson, type RenderView } from './event-json.ts';
import type { Instance, Mailbox } from './mailbox.ts';
import { parseExpand, parseFilter, parseSelect } from './odata.ts';
import { page, parseWindow } from './paging.ts';

function view(ctx: GraphContext, req: GraphRequest): RenderView {
  return {
    prefer: req.prefer,
    select: parseSelect(req.query.get('$select') ?? undefined, EVENT_PROPERTIES, 'event'),
    expand: parseExpand(req.query.get('$expand') ?? undefined),
    webOrigin: simulatorOrigin(ctx),
  };
}

const calendarOf = (req: GraphRequest) => req.params.cal ?? 'default';

function context(ctx: GraphContext, req: GraphRequest, suffix: string): string {
  return `${ctx.graphBase()}/$metadata#users('${encodeURIComponent(req.params.user ?? '')}')/${suffix}`;
}

function orderBy(req: GraphRequest, list: Instance[]): Instance[] {
  const raw = req.query.get('$orderby');
  if (!raw) return list;
  const m = /^\s*(start\/dateTime|end\/dateTime|lastModifiedDateTime|createdDateTime|subject)(?:\s+(asc|desc))?\s*$/i.exec(raw);
  if (!m) throw badRequest(`Unsupported $orderby '${raw}'.`, 'BadRequest');
  const key = m[1]!.toLowerCase();
  const val = (i: Instance): number | string =>
    key === 'start/datetime' ? i.content.start : key === 'end/datetime' ? i.content.end : key === 'subject' ? i.content.subject.toLowerCase()
    : key === 'createddatetime' ? i.master.created : i.modified;
  const dir = m[2]?.toLowerCase() === 'desc' ? -1 : 1;
  return [...list].sort((a, b) => (val(a) < val(b) ? -dir : val(a) > val(b) ? dir : 0));
}

function listed(ctx: GraphContext, req: GraphRequest, box: Mailbox, all: Instance[], suffix: string): GraphResponse {
  const filter = parseFilter(req.query.get('$filter') ?? undefined);
  const v = view(ctx, req);
  const matching = orderBy(req, filter ? all.filter((i) => filter(i.master.ext)) : all);
  const p = page(ctx, req, matching);
  return json(200, {
    '@odata.context': context(ctx, req, suffix),
    value: p.items.map((i) => eventJson(i, box, v)),
    ...(p.nextLink ? { '@odata.nextLink': p.nextLink } : {}),
  });
}

function list(ctx: GraphContext, req: GraphRequest): GraphResponse {
  const box = mailboxFor(ctx, req, false);
  const all = box.masters(calendarOf(req)).map((ev) => box.get(ev.id)).sort((a, b) => a.content.start - b.content.start);
  return listed(ctx, req, box, all, 'events');
}

function calendarView(ctx: GraphContext, req: GraphRequest): GraphResponse {
  const box = mailboxFor(ctx, req, false);
  const { from, to } = parseWindow(req);
  return listed(ctx, req, box, box.instancesIn(calendarOf(req), from, to), 'calendarView');
}

function instances(ctx: GraphContext, req: GraphRequest): GraphResponse {
  const box = mailboxFor(ctx, req, false);
  const master = box.get(req.params.id ?? '').master;
  const { from, to } = parseWindow(req);
  const all = master.recurrence ? box.instancesOf(master, from, to).sort((a, b) => a.content.start - b.content.start) : [];
  return listed(ctx, req, box, all, `events('${master.id}')/instances`);
}

function create(ctx: GraphContext, req: GraphRequest): GraphResponse {
  const box = mailboxFor(ctx, req, true);
  const input = readEventInput(req.body, null);
  // How Graph answers a repeated transactionId is undocumented: settings.repeatedTransactionId picks
  // one plausible answer (by default 201 with the event the first POST made).
  const repeat = ctx.settings.repeatedTransactionId;
  if (input.transactionId && box.hasTransaction(input.transactionId)) {
    if (repeat === 'conflict409') throw new GraphError(409, 'ErrorDuplicateTransactionId', `An event with transactionId '${input.transactionId}' already exists.`);
    if (repeat === 'badRequest400') throw badRequest(`The transactionId '${input.transactionId}' was already used: duplicate request.`);
  }
  const { event } = box.create(calendarOf(req), input, undefined, repeat !== 'createsAnother');
  const inst = box.get(event.id);
  return json(201, { '@odata.context': context(ctx, req, 'events/$entity'), ...eventJson(inst, box, view(ctx, req)) }, {
    location: link(ctx, `/users/${encodeURIComponent(box.user.id)}/events/${encodeURIComponent(event.id)}`, {}),
  });
}

function get(ctx: GraphContext, req: GraphRequest): GraphResponse {
  const box = mailboxFor(ctx, req, false);
  const inst = box.get(req.params.id ?? '');
  return json(200, { '@odata.context': context(ctx, req, 'events/$entity'), ...eventJson(inst, box, view(ctx, req)) });
}

/**
 * A stale If-Match is answered as settings.staleIfMatch says (undocumented; the mailbox refuses it
 * as 412 ErrorIrresolvableConflict).
 */
function ifMatchChecked<T>(ctx: GraphContext, write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (!(err instanceof GraphError) || err.status !== 412) throw err;
    const how = ctx.settings.staleIfMatch;
    if (how === 'precondition412') throw new GraphError(412, 'PreconditionFailed', 'The If-Match header does not match the current version of the item.');
    if (how === 'irresolvable409') throw new GraphError(409, err.code, err.message);
    throw err;
  }
}

function update(ctx: GraphContext, req: GraphRequest): GraphResponse {
  const box = mailboxFor(ctx, req, true);
  const current = box.get(req.params.id ?? '');
  const input = readEventInput(req.body, current.content);
  const inst = ifMatchChecked(ctx, () => box.update(current.id, input, req.headers['if-match']));
  return json(200, { '@odata.context': context(ctx, req, 'events/$entity'), ...eventJson(inst, box, view(ctx, req)) });
}

function remove(ctx: GraphContext, req: GraphRequest): GraphResponse {
  const box = mailboxFor(ctx, req, true);
  ifMatchChecked(ctx, () => box.remove(req.params.id ?? '', req.headers['if-match']));
  return { status: 204 };
}

export function eventRoutes(ctx: GraphContext): Route[] {
  const routes: Route[] = [];
  const add = (method: string, pattern: string, h: (ctx: GraphContext, req: GraphRequest) => GraphResponse) =>
    routes.push({ method, pattern, handler: (req) => h(ctx, req) });
  for (const base of ['/users/:user/events', '/users/:user/calendar/events', '/users/:user/calendars/:cal/events']) {
    add('GET', base, list);
    add('POST', base, create);
    add('GET', `${base}/:id`, get);
    add('PATCH', `${base}/:id`, update);
    add('DELETE', `${base}/:id`, remove);
    add('GET', `${base}/:id/instances`, instances);
  }
  for (const base of ['/users/:user/calendarView', '/users/:user/calendar/calendarView', '/users/:user/calendars/:cal/calendarView']) {
    add('GET', base, calendarView);
  }
  return routes;
}
