// Shared by the list endpoints: the time window of calendarView and delta, and $top/$skip paging with
// an absolute @odata.nextLink that repeats the request's other query options.
import { badRequest, invalidParameter } from './errors.ts';
import { link, type GraphContext, type GraphRequest } from './context.ts';
import { parseCount } from './odata.ts';
import { parseDateTime } from './time-zone.ts';

/** startDateTime/endDateTime: an offset or Z is honoured; without one the value is UTC (not the Prefer zone). */
export function parseWindow(req: GraphRequest): { from: number; to: number } {
  const s = req.query.get('startDateTime') ?? req.query.get('startdatetime');
  const e = req.query.get('endDateTime') ?? req.query.get('enddatetime');
  if (!s || !e) {
    throw invalidParameter('This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');
  }
  const from = parseDateTime(s);
  const to = parseDateTime(e);
  if (!from) throw badRequest(`The parameter 'startDateTime' does not represent a valid date: '${s}'.`, 'ErrorInvalidParameter');
  if (!to) throw badRequest(`The parameter 'endDateTime' does not represent a valid date: '${e}'.`, 'ErrorInvalidParameter');
  return { from: from.ms, to: to.ms };
}

/** Up to 1000 a page, as Outlook caps it. */
const MAX_PAGE = 1000;

export function page<T>(ctx: GraphContext, req: GraphRequest, items: T[]): { items: T[]; nextLink: string | null } {
  const top = parseCount(req.query.get('$top') ?? undefined, '$top', MAX_PAGE);
  const skip = parseCount(req.query.get('$skip') ?? undefined, '$skip', Number.MAX_SAFE_INTEGER) ?? 0;
  const size = top ?? Math.min(req.prefer.maxPageSize ?? ctx.settings.defaultPageSize, MAX_PAGE);
  const slice = items.slice(skip, skip + size);
  if (skip + size >= items.length) return { items: slice, nextLink: null };
  const q: Record<string, string> = {};
  for (const [k, v] of req.query) if (k !== '$skip') q[k] = v;
  q.$skip = String(skip + size);
  return { items: slice, nextLink: link(ctx, req.path, q) };
}
