// The appointment passport: whether a SuperOffice appointment is synced, to which calendar item,
// and when it is not, why, decided the way the engine decides (the owner's link, its direction, the
// profile's filters and window through scopeOf), from the appointment as SuperOffice has it now.
//
// Who may ask: SuperOffice's own visibility, as far as the app can tell it. The appointment is read
// as the system user, who sees everything, so the passport narrows that down to what the signed-in
// user sees in SuperOffice: their own appointments, and other users' public ones only when an
// administrator has allowed it (tenants.passport_shows_others, off by default). Another user's
// private (or visible-for restricted) appointment is never shown. Anything else answers the very
// 404 an unknown appointment gets, so the answer does not tell whether the appointment exists.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppointmentAgent, AppointmentPrivate, Visibility, type AppointmentEntity } from '@superoffice/webapi';
import type { Logger } from '../log.ts';
import { wakeLink } from '../jobs/wake-link.ts';
import { superOfficeSideOptions } from '../jobs/link-sides.ts';
import { PREFER } from '../providers/graph/items.ts';
import { callSuperOffice } from '../providers/superoffice/client.ts';
import { createSuperOfficeSide } from '../providers/superoffice/side.ts';
import type { CalendarEvent } from '../sync/event.ts';
import { NotFound } from '../sync/errors.ts';
import type { Direction } from '../sync/plan-types.ts';
import { scopeOf } from '../sync/scope.ts';
import { resolveSettings, type EffectiveSettings } from '../sync/settings.ts';
import type { SideItem } from '../sync/side.ts';
import type { TenantForWork } from '../jobs/tenant-work.ts';
import { requireSuperOffice, type PanelContext } from './context.ts';
import { conflict, notFound, parse } from './errors.ts';
import { factsOf, linkRecords, type LinkRecord } from './link-rows.ts';
import { adminActor, adminOf, sessionOf, type PanelSession } from './session.ts';
import { reasonText, stateText, type NotSyncedReason } from './state-words.ts';

const APPOINTMENT = 'The appointment';
const STOPPED = new Set(['paused', 'needs_reconnect', 'needs_confirmation', 'error']);
const DAY = 86_400_000;

function appointmentId(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,12}$/.test(value) ? Number(value) : 0;
  if (n <= 0) throw notFound(APPOINTMENT);
  return n;
}

/** Which of the profile's filters leaves the item out, in scope.ts's order. */
function filterReason(e: CalendarEvent, s: EffectiveSettings): NotSyncedReason {
  const f = s.filters;
  if (!f.allDay && e.timing.allDay) return 'all_day';
  if (!f.free && e.showAs === 'free') return 'free';
  if (!f.private && e.private) return 'private';
  if (!f.recurring && e.recurrence) return 'recurring';
  return 'filtered_type';
}

async function readAppointment(c: PanelContext, t: TenantForWork, log: Logger, id: number): Promise<AppointmentEntity> {
  const so = requireSuperOffice(c);
  try {
    const entity = await so.run(t, log, () =>
      callSuperOffice(so.api, t.who, (agent) => agent(AppointmentAgent).getAppointmentEntityAsync(id, { timezone: 'UTC', timezoneInclude: true }), String(id)),
    );
    if (!entity?.associate?.associateId) throw notFound(APPOINTMENT);
    return entity;
  } catch (err) {
    if (err instanceof NotFound) throw notFound(APPOINTMENT);
    throw err;
  }
}

/** Whether SuperOffice lets every user read it: Public, and visible for all (no associate or group restriction). */
const isPublic = (e: AppointmentEntity) => e.private === AppointmentPrivate.Public && (e.visibleFor ?? []).every((v) => v.visibility === Visibility.All);

async function showsOthers(c: PanelContext, tenantId: string): Promise<boolean> {
  const row = await c.db('tenants').where({ id: tenantId }).first('passport_shows_others');
  return row?.passport_shows_others === true;
}

/**
 * The appointment, when the session's user may see it (see the top of this file); otherwise the
 * same 404 as an unknown id. `sync`: only the owner or an administrator may queue another's link.
 */
async function visibleAppointment(c: PanelContext, t: TenantForWork, req: Request, s: PanelSession, id: number, opts: { sync?: boolean } = {}): Promise<AppointmentEntity> {
  const entity = await readAppointment(c, t, req.log, id);
  if (entity.associate!.associateId === s.associateId) return entity;
  const allowed = isPublic(entity) && (await showsOthers(c, s.tenantId)) && (!opts.sync || s.isAdministrator);
  if (!allowed) {
    req.log.info({ appointmentId: id, associateId: s.associateId }, 'passport: another user\'s appointment refused');
    throw notFound(APPOINTMENT);
  }
  return entity;
}

/** The item as the owner's SuperOffice side reads it (a series under its first row's id), or null when it is no diary item. */
async function readItem(c: PanelContext, t: TenantForWork, log: Logger, owner: number, id: number): Promise<SideItem | null> {
  const so = requireSuperOffice(c);
  const now = c.now().getTime();
  const side = createSuperOfficeSide({
    api: so.api,
    tenant: t.who,
    associateId: owner,
    window: { from: new Date(now - DAY), to: new Date(now + DAY) },
    ...superOfficeSideOptions(so.directories)(t),
  });
  return (await so.run(t, log, () => side.get([String(id)]))).get(String(id)) ?? null;
}

async function webLinkOf(c: PanelContext, tenantId: string, link: LinkRecord, extId: string): Promise<string | null> {
  if (link.calendar_system !== 'graph' || !c.microsoft) return null;
  try {
    const graph = (await c.microsoft.connector.connection(tenantId, link.profile_id, link.id)).forMailbox(link.mailbox);
    const ev = await graph.request<{ webLink?: unknown }>({
      url: `/users/${encodeURIComponent(link.mailbox)}/events/${encodeURIComponent(extId)}?$select=webLink`,
      headers: { Prefer: PREFER },
      itemId: extId,
    });
    return typeof ev?.webLink === 'string' ? ev.webLink : null;
  } catch {
    // The passport still answers; only the "open in the calendar" link is missing.
    return null;
  }
}

async function passport(c: PanelContext, req: Request, s: PanelSession, id: number) {
  const so = requireSuperOffice(c);
  const tenantId = s.tenantId;
  const t = await so.tenant(tenantId, req.log);
  const entity = await visibleAppointment(c, t, req, s, id);
  const owner = entity.associate!.associateId!;
  const names = await so.users(tenantId, req.log);
  const ownerName = names.get(owner)?.name ?? names.get(owner)?.email ?? `User ${owner}`;
  const [link] = await linkRecords(c, tenantId, { associateId: owner, withUnlinked: true });
  const base = { owner: { associateId: owner, userName: ownerName } };
  const notSynced = (reason: NotSyncedReason, extra: Parameters<typeof reasonText>[1] = {}, linkInfo: { state: string; stateText: string } | null = null) => ({
    synced: false,
    reason,
    reasonText: reasonText(reason, { ownerName, ...(link ? { calendarSystem: link.calendar_system } : {}), ...extra }),
    ...base,
    item: null,
    link: linkInfo,
  });
  if (!link || link.state === 'unlinked') return notSynced('not_linked');
  const linkInfo = { state: link.state, stateText: stateText(factsOf(link)) };
  const item = await readItem(c, t, req.log, owner, id);
  const ids = [...new Set([String(id), ...(item ? [item.id] : [])])];
  const row = await c.db('synced_items')
    .where({ tenant_id: tenantId, link_id: link.id, state: 'active' })
    .whereIn('so_id', ids)
    .first('ext_id', 'last_synced_at', 'last_error');
  let settings: EffectiveSettings | undefined;
  try {
    settings = resolveSettings(link.profile_settings, link.settings, link.direction as Direction);
  } catch {
    settings = undefined;
  }
  if (row?.ext_id) {
    return {
      synced: true,
      reason: null,
      reasonText: null,
      ...base,
      item: {
        calendarSystem: link.calendar_system,
        calendarItemId: row.ext_id as string,
        webLink: await webLinkOf(c, tenantId, link, row.ext_id as string),
        direction: settings?.direction ?? link.direction,
        lastSyncedAt: row.last_synced_at ? new Date(row.last_synced_at).toISOString() : null,
        lastError: row.last_error as string | null,
      },
      link: linkInfo,
    };
  }
  if (!link.profile_enabled || STOPPED.has(link.state) || !settings) return notSynced('link_stopped', { linkStateText: linkInfo.stateText }, linkInfo);
  if (settings.direction === 'off' || settings.direction === 'to_superoffice') return notSynced('direction', {}, linkInfo);
  if (!item) return notSynced('filtered_type', { type: entity.task?.value ?? null }, linkInfo);
  const scope = scopeOf(item.event, settings, c.now().toISOString());
  if (scope === 'filtered') {
    const reason = filterReason(item.event, settings);
    return notSynced(reason, { type: item.event.category ?? settings.defaultType }, linkInfo);
  }
  if (scope === 'outside_window') return notSynced('outside_window', { daysBack: settings.window.daysBack, daysAhead: settings.window.daysAhead }, linkInfo);
  const answer = notSynced('not_yet', {}, linkInfo);
  return row?.last_error ? { ...answer, reasonText: `${answer.reasonText} The last attempt failed: ${row.last_error as string}` } : answer;
}

export function passportRoutes(c: PanelContext): Router {
  const r = Router();

  r.get('/appointments/:appointmentId', async (req, res) => {
    const s = sessionOf(res);
    res.json(await passport(c, req, s, appointmentId(req.params.appointmentId)));
  });

  r.post('/appointments/:appointmentId/sync', async (req, res) => {
    const s = sessionOf(res);
    const id = appointmentId(req.params.appointmentId);
    // SuperOffice first, whatever the app's own rows say: they must not tell whether the id exists.
    const so = requireSuperOffice(c);
    const t = await so.tenant(s.tenantId, req.log);
    const owner = (await visibleAppointment(c, t, req, s, id, { sync: true })).associate!.associateId!;
    // The link that syncs it already; else its owner's.
    let linkId: string | undefined = (
      await c.db('synced_items')
        .join('links', 'links.id', 'synced_items.link_id')
        .where({ 'synced_items.tenant_id': s.tenantId, 'links.tenant_id': s.tenantId, 'synced_items.so_id': String(id), 'links.associate_id': owner })
        .whereNot('links.state', 'unlinked')
        .first('links.id as id')
    )?.id;
    if (!linkId) {
      const [link] = await linkRecords(c, s.tenantId, { associateId: owner });
      if (!link) throw conflict('The owner of this appointment is not linked to a calendar, so there is nothing to sync.');
      linkId = link.id;
    }
    const target = linkId;
    // The run re-reads this appointment by id, whatever its change feed says.
    await c.db.transaction((trx) => wakeLink(trx, c.queue, { tenantId: s.tenantId, linkId: target, side: 'superoffice', itemId: String(id), reason: `passport:${s.associateId}` }));
    res.json({ queued: true });
  });

  // The administrator's switch for the rule above. It sits here, beside the rule it changes; the
  // admin router in front refuses non-administrators too, and adminOf checks again.
  const visibility = z.object({ showsOthers: z.boolean() }).strict();
  r.get('/admin/passport', async (_req, res) => {
    const s = adminOf(res);
    res.json({ showsOthers: await showsOthers(c, s.tenantId) });
  });
  r.put('/admin/passport', async (req, res) => {
    const s = adminOf(res);
    const body = parse(visibility, req.body, 'The passport setting');
    await c.db.transaction(async (trx) => {
      const before = await trx('tenants').where({ id: s.tenantId }).forUpdate().first('passport_shows_others');
      await trx('tenants').where({ id: s.tenantId }).update({ passport_shows_others: body.showsOthers });
      await trx('audit_log').insert({
        tenant_id: s.tenantId,
        actor: adminActor(s),
        action: 'passport_visibility',
        before: JSON.stringify({ showsOthers: before?.passport_shows_others === true }),
        after: JSON.stringify(body),
      });
    });
    res.json(body);
  });

  return r;
}
