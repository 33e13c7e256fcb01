// Profiles: create one per calendar system, read and change its name, switch and settings, start
// Microsoft's admin consent, and test the connection by reading the directory.
import { Router } from 'express';
import { z } from 'zod';
import { beginAdminConsent, type GraphConnection } from '../microsoft/admin-consent.ts';
import { ConsentError } from '../microsoft/consent-error.ts';
import { CalendarUnavailable } from '../jobs/sync-link.ts';
import { GRAPH_REFRESH_TOKEN } from '../microsoft/connector.ts';
import { SyncError } from '../sync/errors.ts';
import { DEFAULT_SETTINGS, profileSettingsSchema } from '../sync/settings.ts';
import { requireMicrosoft, startedBy, type PanelContext } from './context.ts';
import { conflict, idParam, isUniqueViolation, notFound, parse } from './errors.ts';
import { CALENDAR_SYSTEMS, profileRecords, summaryOf, type ProfileRecord } from './profile-summary.ts';
import { adminActor, adminOf } from './session.ts';
import { systemLabel } from './state-words.ts';

const createSchema = z.strictObject({
  calendarSystem: z.enum(['graph', 'ews', 'google']),
  name: z.string().trim().min(1).max(100),
  /** tenant: one consent for the organisation; per_user: each user connects their own calendar. */
  mode: z.enum(['tenant', 'per_user']).optional(),
});

const patchSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  enabled: z.boolean().optional(),
  /** Replaces the stored settings; a group or field left out takes its default. */
  settings: z.record(z.string(), z.unknown()).optional(),
});

const PROFILE = 'The profile';

export async function profileOf(c: PanelContext, tenantId: string, id: unknown): Promise<ProfileRecord> {
  const [p] = await profileRecords(c, tenantId, idParam(id, PROFILE));
  if (!p) throw notFound(PROFILE);
  return p;
}

const detail = (p: ProfileRecord) => ({ ...summaryOf(p), settings: p.settings ?? {}, defaults: DEFAULT_SETTINGS });

export function adminProfileRoutes(c: PanelContext): Router {
  const r = Router();

  r.post('/profiles', async (req, res) => {
    const s = adminOf(res);
    const body = parse(createSchema, req.body);
    const system = CALENDAR_SYSTEMS.find((x) => x.id === body.calendarSystem);
    if (!system?.available) throw conflict(`${systemLabel(body.calendarSystem)} is not available in this version of Calendar Sync yet.`);
    const connection: Partial<GraphConnection> = { mode: body.mode === 'per_user' ? 'delegated' : 'application' };
    let id: string;
    try {
      id = await c.db.transaction(async (trx) => {
        const [row] = await trx('profiles')
          .insert({ tenant_id: s.tenantId, name: body.name, calendar_system: body.calendarSystem, connection: JSON.stringify(connection) })
          .returning('id');
        await trx('audit_log').insert({ tenant_id: s.tenantId, actor: adminActor(s), action: 'profile_create', after: JSON.stringify({ profileId: row.id, name: body.name, calendarSystem: body.calendarSystem, mode: body.mode ?? 'tenant' }) });
        return row.id as string;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`There is already a profile named "${body.name}".`);
      throw err;
    }
    res.status(201).json(summaryOf(await profileOf(c, s.tenantId, id)));
  });

  r.get('/profiles/:id', async (req, res) => {
    const s = adminOf(res);
    res.json(detail(await profileOf(c, s.tenantId, req.params.id)));
  });

  r.patch('/profiles/:id', async (req, res) => {
    const s = adminOf(res);
    const p = await profileOf(c, s.tenantId, req.params.id);
    const body = parse(patchSchema, req.body);
    // 422 names the field, e.g. `settings.window.daysAhead`.
    const settings = body.settings === undefined ? undefined : parse(profileSettingsSchema, body.settings, 'The profile settings', 'settings');
    try {
      await c.db.transaction(async (trx) => {
        const patch: Record<string, unknown> = { updated_at: trx.fn.now() };
        if (body.name !== undefined) patch.name = body.name;
        if (body.enabled !== undefined) patch.enabled = body.enabled;
        if (body.settings !== undefined) patch.settings = JSON.stringify(body.settings);
        await trx('profiles').where({ tenant_id: s.tenantId, id: p.id }).update(patch);
        let cleared = 0;
        if (body.settings !== undefined && settings?.profileOverridesUsers) {
          cleared = await clearUserChoices(trx, s.tenantId, p.id, changedKeys(p.settings ?? {}, body.settings));
        }
        await trx('audit_log').insert({
          tenant_id: s.tenantId,
          actor: adminActor(s),
          action: 'profile_update',
          before: JSON.stringify({ profileId: p.id, name: p.name, enabled: p.enabled, settings: p.settings }),
          after: JSON.stringify({ profileId: p.id, ...body }),
          reason: cleared ? `the profile's change overwrote ${cleared} users' own choices` : null,
        });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`There is already a profile named "${body.name}".`);
      throw err;
    }
    res.json(detail(await profileOf(c, s.tenantId, p.id)));
  });

  r.post('/profiles/:id/consent', async (req, res) => {
    const s = adminOf(res);
    const p = await profileOf(c, s.tenantId, req.params.id);
    if (p.calendar_system !== 'graph') throw conflict(`${systemLabel(p.calendar_system)} profiles have no consent to grant.`);
    if (p.connection?.mode === 'delegated') throw conflict('This profile connects each user on their own: users connect their calendars from their Calendar Sync panel.');
    const ms = requireMicrosoft(c);
    try {
      const url = await beginAdminConsent(ms.consent.admin, startedBy(s), p.id);
      res.json({ url });
    } catch (err) {
      if (err instanceof ConsentError && err.code === 'unknown_profile') throw notFound(PROFILE);
      throw err;
    }
  });

  r.post('/profiles/:id/test', async (req, res) => {
    const s = adminOf(res);
    const p = await profileOf(c, s.tenantId, req.params.id);
    if (p.calendar_system !== 'graph') throw conflict(`${systemLabel(p.calendar_system)} is not available in this version of Calendar Sync yet.`);
    const ms = requireMicrosoft(c);
    if (p.connection?.mode === 'delegated') {
      // No organisation-wide access to test: what there is to check is who has connected.
      const linked: Array<{ id: string }> = await c.db('links').where({ tenant_id: s.tenantId, profile_id: p.id }).whereNot('state', 'unlinked').select('id');
      const connected = linked.length
        ? Number((await c.db('credentials').where({ tenant_id: s.tenantId, owner_type: 'link', kind: GRAPH_REFRESH_TOKEN }).whereIn('owner_id', linked.map((l) => l.id)).count<{ n: number }[]>('* as n'))[0]?.n ?? 0)
        : 0;
      res.json({ ok: true, message: `Each user connects their own calendar: ${connected} of ${linked.length} linked users have connected theirs.` });
      return;
    }
    let users: number;
    try {
      users = (await ms.connector.directory(s.tenantId, p.id)).length;
    } catch (err) {
      if (!(err instanceof SyncError || err instanceof CalendarUnavailable)) throw err;
      const message = `Reading the Microsoft 365 directory failed: ${err.message}`;
      // A profile never connected stays "not connected"; one that was connected is now "failed".
      if (p.connection?.entraTenantId) await saveConnection(c, s.tenantId, p.id, { ...p.connection, problem: message });
      res.json({ ok: false, message });
      return;
    }
    const { problem: _gone, ...rest } = p.connection ?? {};
    await saveConnection(c, s.tenantId, p.id, { ...rest, verifiedAt: c.now().toISOString(), directoryUsers: users });
    res.json({ ok: true, message: `Connected: Calendar Sync read ${users} users from your organisation's directory.`, users });
  });

  return r;
}

async function saveConnection(c: PanelContext, tenantId: string, profileId: string, connection: Partial<GraphConnection>): Promise<void> {
  await c.db('profiles').where({ tenant_id: tenantId, id: profileId }).update({ connection: JSON.stringify(connection), updated_at: c.db.fn.now() });
}

/** Top-level settings whose stored value differs (a group compares whole). */
function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

/** "A profile change overwrites users' own choices": the changed settings leave users' overrides. */
async function clearUserChoices(trx: PanelContext['db'], tenantId: string, profileId: string, keys: string[]): Promise<number> {
  if (keys.length === 0) return 0;
  const links: Array<{ id: string; settings: Record<string, unknown> | null }> = await trx('links').where({ tenant_id: tenantId, profile_id: profileId }).select('id', 'settings');
  let cleared = 0;
  for (const l of links) {
    const own = l.settings ?? {};
    if (!keys.some((k) => k in own)) continue;
    const kept = Object.fromEntries(Object.entries(own).filter(([k]) => !keys.includes(k)));
    await trx('links').where({ tenant_id: tenantId, id: l.id }).update({ settings: JSON.stringify(kept), updated_at: trx.fn.now() });
    cleared++;
  }
  return cleared;
}
