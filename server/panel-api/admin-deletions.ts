// Deletions: what a held-back mass deletion would delete, confirmed or rejected by an administrator;
// and items deleted in the last 30 days, restored on the side they were deleted from.
import { Router } from 'express';
import { z } from 'zod';
import { createLinkSides, superOfficeSideOptions } from '../jobs/link-sides.ts';
import { CalendarUnavailable } from '../jobs/sync-link.ts';
import { NothingToConfirm, NotRestorable, confirmDeletions, rejectDeletions, restoreItem } from '../sync/deletions.ts';
import type { CalendarEvent } from '../sync/event.ts';
import { LinkStore, type PendingDeletion, type Tombstone } from '../sync/link-store.ts';
import type { Direction } from '../sync/plan-types.ts';
import { windowOf } from '../sync/scope.ts';
import { resolveSettings } from '../sync/settings.ts';
import { linkOf } from './admin-links.ts';
import { requireSuperOffice, type PanelContext } from './context.ts';
import { conflict, idParam, notFound, parse } from './errors.ts';
import { adminActor, adminOf } from './session.ts';

const deletedQuery = z.object({ linkId: z.string().optional() });

const startOf = (e: CalendarEvent | null | undefined) => (e ? (e.timing.allDay ? e.timing.startDate : e.timing.start.instant) : null);

export function adminDeletionRoutes(c: PanelContext): Router {
  const r = Router();

  r.get('/links/:id/deletions', async (req, res) => {
    const s = adminOf(res);
    const link = await linkOf(c, s.tenantId, req.params.id);
    const row = await c.db('links').where({ tenant_id: s.tenantId, id: link.id }).first('state', 'pending_deletions');
    const pending = row?.state === 'needs_confirmation' && Array.isArray(row.pending_deletions) ? (row.pending_deletions as PendingDeletion[]) : [];
    res.json({ items: pending.map((d) => ({ side: d.side, itemId: d.targetId, title: d.title ?? '(no title)', start: d.start ?? null })) });
  });

  for (const [verb, fn] of [['confirm', confirmDeletions], ['reject', rejectDeletions]] as const) {
    r.post(`/links/:id/deletions/${verb}`, async (req, res) => {
      const s = adminOf(res);
      const link = await linkOf(c, s.tenantId, req.params.id);
      let count: number;
      try {
        count = await fn(c.db, s.tenantId, link.id, adminActor(s));
      } catch (err) {
        if (err instanceof NothingToConfirm) throw conflict(err.message);
        throw err;
      }
      await c.queue.enqueueLinkSync(s.tenantId, link.id, { reason: `deletions-${verb}ed` });
      res.json({ count });
    });
  }

  r.get('/deleted', async (req, res) => {
    const s = adminOf(res);
    const q = parse(deletedQuery, req.query, 'The filter');
    const linkId = q.linkId ? (await linkOf(c, s.tenantId, q.linkId)).id : undefined;
    const query = c.db('synced_items')
      .join('links', function () {
        this.on('links.id', '=', 'synced_items.link_id').andOn('links.tenant_id', '=', 'synced_items.tenant_id');
      })
      .where({ 'synced_items.tenant_id': s.tenantId, 'synced_items.state': 'tombstone' })
      .where('synced_items.restorable_until', '>', c.now())
      .select('synced_items.id', 'synced_items.link_id', 'synced_items.tombstone', 'synced_items.deleted_at', 'synced_items.restorable_until', 'links.associate_id', 'links.associate_email')
      .orderBy('synced_items.deleted_at', 'desc')
      .limit(1000);
    if (linkId) query.where('synced_items.link_id', linkId);
    const rows: Array<{ id: string; link_id: string; tombstone: Tombstone | null; deleted_at: Date; restorable_until: Date; associate_id: number; associate_email: string | null }> = await query;
    const names = rows.length && c.so ? await c.so.users(s.tenantId, req.log) : new Map<number, { name?: string; email: string }>();
    res.json({
      items: rows
        // Gone on both sides before we could keep a copy: there is nothing to restore from.
        .filter((x) => x.tombstone?.event)
        .map((x) => ({
          id: x.id,
          linkId: x.link_id,
          userName: names.get(x.associate_id)?.name ?? x.associate_email ?? `User ${x.associate_id}`,
          title: x.tombstone!.event!.title,
          start: startOf(x.tombstone!.event),
          deletedAt: new Date(x.deleted_at).toISOString(),
          restorableUntil: new Date(x.restorable_until).toISOString(),
          // The tombstone names the side we deleted from; the person deleted it on the other one.
          deletedOn: x.tombstone!.side === 'superoffice' ? 'calendar' : 'superoffice',
        })),
    });
  });

  r.post('/deleted/:id/restore', async (req, res) => {
    const s = adminOf(res);
    const item = await c.db('synced_items')
      .join('links', function () {
        this.on('links.id', '=', 'synced_items.link_id').andOn('links.tenant_id', '=', 'synced_items.tenant_id');
      })
      .join('profiles', 'profiles.id', 'links.profile_id')
      .where({ 'synced_items.tenant_id': s.tenantId, 'synced_items.id': idParam(req.params.id, 'The deleted item'), 'synced_items.state': 'tombstone' })
      .first(
        'synced_items.stable_key', 'links.id as link_id', 'links.associate_id', 'links.mailbox', 'links.direction', 'links.settings', 'links.profile_id',
        'profiles.calendar_system', 'profiles.settings as profile_settings',
      );
    if (!item) throw notFound('The deleted item');
    const so = requireSuperOffice(c);
    const t = await so.tenant(s.tenantId, req.log);
    const settings = resolveSettings(item.profile_settings, item.settings, item.direction as Direction);
    const link = { id: item.link_id as string, tenantId: s.tenantId, associateId: item.associate_id as number, mailbox: item.mailbox as string, direction: settings.direction, profileId: item.profile_id as string, calendarSystem: item.calendar_system as string };
    const factory = createLinkSides({ api: so.api, calendars: c.calendars, superofficeOptions: superOfficeSideOptions(so.directories) });
    try {
      await so.run(t, req.log, async () => {
        const sides = await factory(link, windowOf(settings, c.now().toISOString()), t);
        await restoreItem({ store: new LinkStore(c.db, s.tenantId, link.id), sides, stableKey: item.stable_key as string, actor: adminActor(s), now: c.now() });
      });
    } catch (err) {
      if (err instanceof NotRestorable || err instanceof CalendarUnavailable) throw conflict(err.message);
      throw err;
    }
    await c.queue.enqueueLinkSync(s.tenantId, link.id, { reason: 'restored' });
    res.status(204).end();
  });

  return r;
}
