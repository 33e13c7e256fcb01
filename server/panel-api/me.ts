// The signed-in user's own link: its state in words and what to do, recent changes both ways,
// "sync now", "reconnect" on a per-user Microsoft 365 profile, and their own preferences when the
// administrator lets users edit them.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { beginUserConsent } from '../microsoft/user-consent.ts';
import { ConsentError } from '../microsoft/consent-error.ts';
import type { Direction } from '../sync/plan-types.ts';
import { DEFAULT_SETTINGS, resolveSettings, userOverridesSchema, type EffectiveSettings } from '../sync/settings.ts';
import { requireMicrosoft, startedBy, type PanelContext } from './context.ts';
import { conflict, parse, PanelError } from './errors.ts';
import { factsOf, linkRecords, modeOf, nextSyncs, type LinkRecord } from './link-rows.ts';
import { titleOf } from './admin-audit.ts';
import { sessionOf, userActor, type PanelSession } from './session.ts';
import { stateText, whatToDo } from './state-words.ts';

/** What only an administrator decides, even where users may edit their own preferences. */
const ADMIN_ONLY = ['usersMayEdit', 'profileOverridesUsers'] as const;
const settingsSchema = z.strictObject({ overrides: userOverridesSchema.nullable() });

const RECENT = 10;
const WRITES = { create: 'created', update: 'updated', delete: 'deleted', restore: 'created' } as const;

function settingsOr(profile: unknown, own: unknown, direction?: string | null): EffectiveSettings {
  try {
    return resolveSettings(profile, own, direction as Direction | null | undefined);
  } catch {
    // Invalid stored settings stop the link, and its state says so; the panel still shows defaults.
    return DEFAULT_SETTINGS;
  }
}

async function myLink(c: PanelContext, s: PanelSession): Promise<LinkRecord | undefined> {
  const [link] = await linkRecords(c, s.tenantId, { associateId: s.associateId });
  return link;
}

async function requireLink(c: PanelContext, s: PanelSession): Promise<LinkRecord> {
  const link = await myLink(c, s);
  if (!link) throw conflict('You are not linked to a calendar yet. Ask your administrator to link you.');
  return link;
}

const mayEdit = (link: LinkRecord) => settingsOr(link.profile_settings, {}).usersMayEdit;

async function meBody(c: PanelContext, s: PanelSession) {
  const link = await myLink(c, s);
  if (!link) return { link: null, recent: [], settings: null };
  const facts = factsOf(link);
  const [next, recent] = await Promise.all([
    nextSyncs(c, [link]),
    c.db('audit_log')
      .where({ tenant_id: s.tenantId, link_id: link.id })
      .whereIn('action', Object.keys(WRITES))
      .whereIn('side', ['calendar', 'superoffice'])
      .orderBy('id', 'desc')
      .limit(RECENT)
      .select('at', 'side', 'action', 'before', 'after'),
  ]);
  return {
    link: {
      id: link.id,
      profileName: link.profile_name,
      calendarSystem: link.calendar_system,
      mailbox: link.mailbox,
      state: link.state,
      stateText: stateText(facts),
      whatToDo: whatToDo(facts, 'user'),
      lastSyncAt: link.last_sync_at ? new Date(link.last_sync_at).toISOString() : null,
      nextSyncAt: next.get(link.id)?.toISOString() ?? null,
      itemsSynced: Number(link.items),
      lastError: link.last_error,
      canReconnect: link.calendar_system === 'graph' && modeOf(link.connection) === 'per_user' && c.microsoft !== undefined,
    },
    recent: (recent as Array<{ at: Date; side: string; action: keyof typeof WRITES; before: unknown; after: unknown }>).map((a) => ({
      at: new Date(a.at).toISOString(),
      direction: a.side === 'calendar' ? 'to_calendar' : 'to_superoffice',
      action: WRITES[a.action],
      title: titleOf(a.after, a.before) ?? '(no title)',
    })),
    settings: {
      mayEdit: mayEdit(link),
      effective: settingsOr(link.profile_settings, link.settings, link.direction),
      overrides: link.settings ?? {},
      // For a user, "the default" of each preference is what the profile gives them.
      defaults: settingsOr(link.profile_settings, {}),
    },
  };
}

export function meRoutes(c: PanelContext): Router {
  const r = Router();

  r.get('/me', async (_req, res) => {
    res.json(await meBody(c, sessionOf(res)));
  });

  r.post('/me/sync', async (_req, res) => {
    const s = sessionOf(res);
    const link = await requireLink(c, s);
    await c.queue.enqueueLinkSync(s.tenantId, link.id, { reason: `user:${s.associateId}` });
    res.json({ queued: true });
  });

  r.post('/me/connect', async (_req, res) => {
    const s = sessionOf(res);
    const link = await requireLink(c, s);
    if (link.calendar_system !== 'graph' || modeOf(link.connection) !== 'per_user') {
      throw conflict('Your calendar is connected by your organisation; there is nothing for you to connect. Ask your administrator if it stopped.');
    }
    const ms = requireMicrosoft(c);
    try {
      const url = await beginUserConsent(ms.consent.user, startedBy(s), link.id);
      res.json({ url });
    } catch (err) {
      if (err instanceof ConsentError) throw conflict(err.message);
      throw err;
    }
  });

  r.patch('/me/settings', async (req: Request, res) => {
    const s = sessionOf(res);
    const link = await requireLink(c, s);
    if (!mayEdit(link)) {
      throw new PanelError(403, 'not_administrator', 'Your administrator has not allowed users to change their own sync preferences. Ask your administrator.');
    }
    const { overrides } = parse(settingsSchema, req.body, 'Your preferences');
    const own = overrides ?? {};
    const refused = ADMIN_ONLY.filter((k) => k in own);
    if (refused.length) {
      throw new PanelError(422, 'invalid', 'Only an administrator can change these preferences.', refused.map((k) => ({ path: `overrides.${k}`, message: 'only an administrator can change this' })));
    }
    await c.db.transaction(async (trx) => {
      await trx('links').where({ tenant_id: s.tenantId, id: link.id }).update({ settings: JSON.stringify(own), updated_at: trx.fn.now() });
      await trx('audit_log').insert({ tenant_id: s.tenantId, link_id: link.id, actor: userActor(s), action: 'user_settings', before: JSON.stringify(link.settings ?? {}), after: JSON.stringify(own) });
    });
    await c.queue.enqueueLinkSync(s.tenantId, link.id, { reason: 'settings-changed' });
    res.json(await meBody(c, s));
  });

  return r;
}
