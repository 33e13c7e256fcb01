// The status grid: every linked user of the tenant, filtered by profile and state, searched by
// name, address and error, sorted by any column; and the same rows as a CSV download.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { PanelContext } from './context.ts';
import { parse } from './errors.ts';
import { statusRows, type StatusRow } from './link-rows.ts';
import { adminOf } from './session.ts';
import { statusCsv } from './status-csv.ts';
import { LINK_STATES } from './state-words.ts';

const SORTS = ['userName', 'email', 'mailbox', 'profileName', 'state', 'lastSyncAt', 'nextSyncAt', 'itemsSynced', 'pending', 'lastError'] as const;

const querySchema = z.object({
  profileId: z.uuid().optional(),
  /** One state or several, comma-separated; unlinked users show only when asked for. */
  state: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(LINK_STATES)))
    .optional(),
  q: z.string().max(200).optional(),
  sort: z.enum(SORTS).default('userName'),
  order: z.enum(['asc', 'desc']).default('asc'),
});

function compare(a: StatusRow, b: StatusRow, key: (typeof SORTS)[number]): number {
  const x = a[key];
  const y = b[key];
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x).localeCompare(String(y), undefined, { sensitivity: 'base', numeric: true });
}

async function rowsFor(c: PanelContext, req: Request, res: Response): Promise<StatusRow[]> {
  const s = adminOf(res);
  const q = parse(querySchema, req.query, 'The filter');
  let rows = await statusRows(c, s.tenantId, req.log, { ...(q.profileId ? { profileId: q.profileId } : {}), ...(q.state ? { states: q.state } : {}) });
  const needle = q.q?.trim().toLowerCase();
  if (needle) {
    rows = rows.filter((r) => [r.userName, r.email, r.mailbox, r.profileName, r.lastError, String(r.associateId)].some((v) => v?.toLowerCase().includes(needle)));
  }
  const sign = q.order === 'desc' ? -1 : 1;
  return rows.sort((a, b) => {
    // Rows without a value go last whichever way the column is sorted.
    const an = a[q.sort] === null;
    const bn = b[q.sort] === null;
    if (an || bn) return an === bn ? a.linkId.localeCompare(b.linkId) : an ? 1 : -1;
    return sign * compare(a, b, q.sort) || a.linkId.localeCompare(b.linkId);
  });
}

export function adminStatusRoutes(c: PanelContext): Router {
  const r = Router();
  r.get('/status', async (req, res) => {
    res.json({ rows: await rowsFor(c, req, res) });
  });
  r.get('/status.csv', async (req, res) => {
    const rows = await rowsFor(c, req, res);
    res.type('text/csv; charset=utf-8').attachment('calendar-sync-status.csv').send(statusCsv(rows));
  });
  return r;
}
