// The audit log of the tenant, newest first, a page at a time (by id, so new entries never shift a
// page), filtered by link and by SuperOffice appointment (its own entries and its calendar copy's).
import { Router } from 'express';
import { z } from 'zod';
import type { Knex } from 'knex';
import { linkOf } from './admin-links.ts';
import type { PanelContext } from './context.ts';
import { parse } from './errors.ts';
import { adminOf } from './session.ts';

const querySchema = z.object({
  linkId: z.string().optional(),
  appointmentId: z.string().regex(/^\d{1,18}$/, 'must be a SuperOffice appointment id').optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

interface AuditRecord {
  id: number;
  at: Date;
  actor: string;
  action: string;
  link_id: string | null;
  side: string | null;
  item_id: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  associate_id: number | null;
  associate_email: string | null;
}

/** An item's title from the audit row's after (or, for a delete, before) snapshot. */
export function titleOf(after: unknown, before: unknown): string | null {
  for (const v of [after, before]) {
    const t = (v as { title?: unknown } | null)?.title;
    if (typeof t === 'string') return t;
  }
  return null;
}

export function adminAuditRoutes(c: PanelContext): Router {
  const r = Router();
  r.get('/audit', async (req, res) => {
    const s = adminOf(res);
    const q = parse(querySchema, req.query, 'The filter');
    const linkId = q.linkId ? (await linkOf(c, s.tenantId, q.linkId)).id : undefined;
    const query = c.db('audit_log')
      .leftJoin('links', function () {
        this.on('links.id', '=', 'audit_log.link_id').andOn('links.tenant_id', '=', 'audit_log.tenant_id');
      })
      .where('audit_log.tenant_id', s.tenantId)
      .select('audit_log.id', 'audit_log.at', 'audit_log.actor', 'audit_log.action', 'audit_log.link_id', 'audit_log.side', 'audit_log.item_id', 'audit_log.before', 'audit_log.after', 'audit_log.reason', 'links.associate_id', 'links.associate_email')
      .orderBy('audit_log.id', 'desc')
      .limit(q.limit);
    if (linkId) query.where('audit_log.link_id', linkId);
    if (q.before) query.where('audit_log.id', '<', q.before);
    if (q.appointmentId) {
      const appointmentId = q.appointmentId;
      const copies: Array<{ ext_id: string | null }> = await c.db('synced_items').where({ tenant_id: s.tenantId, so_id: appointmentId }).select('ext_id');
      const extIds = copies.map((x) => x.ext_id).filter((x): x is string => x !== null);
      query.where((w: Knex.QueryBuilder) => {
        w.where({ 'audit_log.side': 'superoffice', 'audit_log.item_id': appointmentId });
        if (extIds.length) w.orWhere((o) => o.where('audit_log.side', 'calendar').whereIn('audit_log.item_id', extIds));
      });
    }
    const rows: AuditRecord[] = await query;
    const names = rows.some((x) => x.associate_id !== null) && c.so ? await c.so.users(s.tenantId, req.log) : new Map<number, { name?: string; email: string }>();
    res.json({
      entries: rows.map((x) => ({
        id: x.id,
        at: new Date(x.at).toISOString(),
        actor: x.actor,
        action: x.action,
        linkId: x.link_id,
        userName: x.associate_id === null ? null : (names.get(x.associate_id)?.name ?? x.associate_email ?? `User ${x.associate_id}`),
        side: x.side,
        itemId: x.item_id,
        title: titleOf(x.after, x.before),
        reason: x.reason,
      })),
      nextBefore: rows.length === q.limit ? rows[rows.length - 1]!.id : null,
    });
  });
  return r;
}
