// Linking users: the match preview (SuperOffice users beside the directory's mailboxes, by e-mail;
// nothing saved), linking within the seats, unlinking (items stay on both sides), pausing and
// resuming a link, a link's own direction and overrides, and "sync now" for a selection.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { GRAPH_SUBSCRIBE_TASK } from '../jobs/graph-subscribe.ts';
import { CalendarUnavailable } from '../jobs/sync-link.ts';
import { GRAPH_REFRESH_TOKEN } from '../microsoft/connector.ts';
import { usersByEmail, type DirectoryUser } from '../providers/graph/directory.ts';
import { linkUser, SeatLimitReached } from '../superoffice/subscription.ts';
import { SyncError } from '../sync/errors.ts';
import { userOverridesSchema } from '../sync/settings.ts';
import { requireSuperOffice, type PanelContext } from './context.ts';
import { conflict, idParam, notFound, parse, provider } from './errors.ts';
import { statusRows } from './link-rows.ts';
import { profileOf } from './admin-profiles.ts';
import type { ProfileRecord } from './profile-summary.ts';
import { adminActor, adminOf, type PanelSession } from './session.ts';
import { stateText, systemLabel } from './state-words.ts';

const linksSchema = z.strictObject({
  links: z.array(z.strictObject({ associateId: z.int().positive(), mailbox: z.string().trim().min(1).max(320) })).min(1).max(1000),
});
const linkPatchSchema = z.strictObject({
  // null: back to what the profile (or the user's own preference) says.
  direction: z.enum(['two_way', 'to_calendar', 'to_superoffice', 'off']).nullable().optional(),
  /** null clears the user's own choices. */
  overrides: userOverridesSchema.nullable().optional(),
});
const syncSchema = z.strictObject({ linkIds: z.array(z.uuid()).min(1).max(10_000) });
const email = z.email();

const LINK = 'The link';

/** The directory's mailboxes, or undefined when the profile has no tenant-wide directory to read. */
async function directoryOf(c: PanelContext, tenantId: string, p: ProfileRecord): Promise<DirectoryUser[] | undefined> {
  if (p.calendar_system !== 'graph' || p.connection?.mode === 'delegated' || !c.microsoft) return undefined;
  try {
    return await c.microsoft.connector.directory(tenantId, p.id);
  } catch (err) {
    if (err instanceof SyncError || err instanceof CalendarUnavailable) throw provider(`Reading the ${systemLabel(p.calendar_system)} directory failed: ${err.message}`);
    throw err;
  }
}

export async function linkOf(c: PanelContext, tenantId: string, id: unknown) {
  const link = await c.db('links')
    .join('profiles', 'profiles.id', 'links.profile_id')
    .where({ 'links.tenant_id': tenantId, 'links.id': idParam(id, LINK) })
    .first('links.id', 'links.state', 'links.associate_id', 'links.mailbox', 'links.profile_id', 'profiles.calendar_system', 'profiles.connection');
  if (!link) throw notFound(LINK);
  return link as { id: string; state: string; associate_id: number; mailbox: string; profile_id: string; calendar_system: string; connection: { mode?: string } };
}

/** The link's push subscription follows its state: the task makes one for a link that syncs and removes it for one that does not. */
async function pushFollows(c: PanelContext, tenantId: string, linkId: string, calendarSystem: string): Promise<void> {
  if (calendarSystem === 'graph' && c.microsoft) await c.queue.enqueue(GRAPH_SUBSCRIBE_TASK, { tenantId, linkId }, { queueName: `graph-sub:${linkId}` });
}

async function oneRow(c: PanelContext, req: Request, s: PanelSession, linkId: string) {
  const [row] = await statusRows(c, s.tenantId, req.log, { linkIds: [linkId], withUnlinked: true });
  if (!row) throw notFound(LINK);
  return row;
}

export function adminLinkRoutes(c: PanelContext): Router {
  const r = Router();

  r.get('/profiles/:id/match', async (req, res) => {
    const s = adminOf(res);
    const p = await profileOf(c, s.tenantId, req.params.id);
    const so = requireSuperOffice(c);
    const t = await so.tenant(s.tenantId, req.log);
    const [people, directory] = await Promise.all([so.run(t, req.log, () => so.directories(t.who).people()), directoryOf(c, s.tenantId, p)]);
    const byEmail = usersByEmail(directory ?? []);
    const links: Array<{ id: string; associate_id: number; mailbox: string; state: string }> = await c.db('links')
      .where({ tenant_id: s.tenantId })
      .select('id', 'associate_id', 'mailbox', 'state');
    const linkOfUser = new Map(links.map((l) => [l.associate_id, l]));
    const rows = people
      .filter((u) => u.associateId !== undefined)
      .map((u) => {
        const match = byEmail.get(u.email.trim().toLowerCase());
        const link = linkOfUser.get(u.associateId!);
        return {
          associateId: u.associateId!,
          userName: u.name ?? u.email,
          email: u.email,
          // Without a directory (users connect their own calendars) the user's own address is the proposal.
          proposedMailbox: match ? match.userPrincipalName : directory ? null : u.email,
          matchedBy: match ? ('email' as const) : null,
          linkId: link?.id ?? null,
          linkedMailbox: link?.mailbox ?? null,
          state: link?.state ?? null,
        };
      })
      .sort((a, b) => a.userName.localeCompare(b.userName));
    const mailboxes = (directory ?? [])
      .filter((u) => u.userPrincipalName)
      .map((u) => ({ email: u.userPrincipalName, name: u.displayName ?? u.mail ?? u.userPrincipalName }))
      .sort((a, b) => a.name.localeCompare(b.name));
    res.json({ rows, mailboxes });
  });

  r.post('/profiles/:id/links', async (req, res) => {
    const s = adminOf(res);
    const p = await profileOf(c, s.tenantId, req.params.id);
    const body = parse(linksSchema, req.body);
    const directory = await directoryOf(c, s.tenantId, p);
    const byEmail = directory ? usersByEmail(directory) : undefined;
    const users = c.so ? await c.so.users(s.tenantId, req.log) : new Map<number, { email: string }>();
    const errors: Array<{ associateId: number; message: string }> = [];
    let linked = 0;
    for (const want of body.links) {
      const fail = (message: string) => errors.push({ associateId: want.associateId, message });
      const user = users.get(want.associateId);
      // An empty map means SuperOffice could not be asked; the link is then made as given.
      if (users.size > 0 && !user) {
        fail(`SuperOffice user ${want.associateId} was not found, or has no e-mail address.`);
        continue;
      }
      let mailbox = want.mailbox;
      if (byEmail) {
        const found = byEmail.get(mailbox.toLowerCase());
        if (!found) {
          fail(`${mailbox} is not a mailbox in your organisation's ${systemLabel(p.calendar_system)} directory.`);
          continue;
        }
        mailbox = found.userPrincipalName;
      } else if (!email.safeParse(mailbox).success) {
        fail(`${mailbox} is not an e-mail address.`);
        continue;
      }
      const taken = await c.db('links')
        .where({ tenant_id: s.tenantId })
        .whereRaw('lower(mailbox) = ?', [mailbox.toLowerCase()])
        .whereNot('associate_id', want.associateId)
        .whereNot('state', 'unlinked')
        .first('associate_id');
      if (taken) {
        fail(`${mailbox} is already linked to SuperOffice user ${taken.associate_id}; unlink that user first.`);
        continue;
      }
      let linkId: string;
      try {
        linkId = await linkUser(c.db, { tenantId: s.tenantId, profileId: p.id, associateId: want.associateId, mailbox, ...(user ? { associateEmail: user.email } : {}) });
      } catch (err) {
        if (!(err instanceof SeatLimitReached)) throw err;
        fail(err.message);
        continue;
      }
      await afterLink(c, s, p, linkId, want.associateId, mailbox);
      linked++;
    }
    res.json({ linked, errors });
  });

  r.delete('/links/:id', async (req, res) => {
    const s = adminOf(res);
    const link = await linkOf(c, s.tenantId, req.params.id);
    if (link.state !== 'unlinked') {
      await c.db.transaction(async (trx) => {
        // The link table stays: a relink to the same mailbox pairs the items again instead of duplicating them.
        await trx('links')
          .where({ tenant_id: s.tenantId, id: link.id })
          .update({ state: 'unlinked', last_error: null, pending_deletions: null, confirm_deletions: false, updated_at: trx.fn.now() });
        await trx('audit_log').insert({ tenant_id: s.tenantId, link_id: link.id, actor: adminActor(s), action: 'unlink', before: JSON.stringify({ state: link.state, mailbox: link.mailbox, associateId: link.associate_id }), reason: 'unlinked by an administrator; items stay on both sides' });
      });
      await pushFollows(c, s.tenantId, link.id, link.calendar_system);
    }
    res.status(204).end();
  });

  // Paused, the sync job skips the link; SuperOffice's changes still leave hints, and the calendar's
  // delta picks up the rest, so a resume catches up on everything made meanwhile.
  r.post('/links/:id/pause', async (req, res) => {
    const s = adminOf(res);
    const link = await linkOf(c, s.tenantId, req.params.id);
    if (link.state === 'unlinked') throw conflict('This user is not linked, so there is nothing to pause. Link the user to a mailbox first.');
    if (link.state !== 'paused') {
      await c.db.transaction(async (trx) => {
        await trx('links').where({ tenant_id: s.tenantId, id: link.id }).update({ state: 'paused', updated_at: trx.fn.now() });
        await trx('audit_log').insert({ tenant_id: s.tenantId, link_id: link.id, actor: adminActor(s), action: 'pause', before: JSON.stringify({ state: link.state }), reason: 'paused by an administrator' });
      });
      await pushFollows(c, s.tenantId, link.id, link.calendar_system);
    }
    res.json(await oneRow(c, req, s, link.id));
  });

  r.post('/links/:id/resume', async (req, res) => {
    const s = adminOf(res);
    const link = await linkOf(c, s.tenantId, req.params.id);
    if (link.state !== 'paused') {
      const now = stateText({ state: link.state, lastError: null, calendarSystem: link.calendar_system, mode: null });
      throw conflict(`This link is not paused, so there is nothing to resume. Its state: ${now}`);
    }
    await c.db.transaction(async (trx) => {
      // The error from before the pause is history now; the next sync reports afresh.
      await trx('links').where({ tenant_id: s.tenantId, id: link.id }).update({ state: 'active', last_error: null, updated_at: trx.fn.now() });
      await trx('audit_log').insert({ tenant_id: s.tenantId, link_id: link.id, actor: adminActor(s), action: 'resume', after: JSON.stringify({ state: 'active' }), reason: 'resumed by an administrator' });
    });
    await pushFollows(c, s.tenantId, link.id, link.calendar_system);
    await c.queue.enqueueLinkSync(s.tenantId, link.id, { reason: 'resumed' });
    res.json(await oneRow(c, req, s, link.id));
  });

  r.patch('/links/:id', async (req, res) => {
    const s = adminOf(res);
    const link = await linkOf(c, s.tenantId, req.params.id);
    const body = parse(linkPatchSchema, req.body);
    await c.db.transaction(async (trx) => {
      const patch: Record<string, unknown> = { updated_at: trx.fn.now() };
      if (body.direction !== undefined) patch.direction = body.direction;
      if (body.overrides !== undefined) patch.settings = JSON.stringify(body.overrides ?? {});
      await trx('links').where({ tenant_id: s.tenantId, id: link.id }).update(patch);
      await trx('audit_log').insert({ tenant_id: s.tenantId, link_id: link.id, actor: adminActor(s), action: 'link_update', after: JSON.stringify(body) });
    });
    await c.queue.enqueueLinkSync(s.tenantId, link.id, { reason: 'settings-changed' });
    res.json(await oneRow(c, req, s, link.id));
  });

  r.post('/links/sync', async (req, res) => {
    const s = adminOf(res);
    const ids = [...new Set(parse(syncSchema, req.body).linkIds)];
    const found: Array<{ id: string; state: string }> = await c.db('links').where({ tenant_id: s.tenantId }).whereIn('id', ids).select('id', 'state');
    if (found.length !== ids.length) throw notFound('One of the links');
    let queued = 0;
    for (const l of found) {
      if (l.state === 'unlinked') continue;
      await c.queue.enqueueLinkSync(s.tenantId, l.id, { reason: `admin:${s.associateId}` });
      queued++;
    }
    res.json({ queued });
  });

  return r;
}

/**
 * A new or renewed link starts: on a per-user profile it waits for its user to connect (unless they
 * did before); otherwise its mailbox gets push and a first sync.
 */
async function afterLink(c: PanelContext, s: PanelSession, p: ProfileRecord, linkId: string, associateId: number, mailbox: string): Promise<void> {
  const perUser = p.connection?.mode === 'delegated';
  const connected = perUser
    ? await c.db('credentials').where({ tenant_id: s.tenantId, owner_type: 'link', owner_id: linkId, kind: GRAPH_REFRESH_TOKEN }).first('id')
    : true;
  await c.db.transaction(async (trx) => {
    if (!connected) {
      await trx('links')
        .where({ tenant_id: s.tenantId, id: linkId })
        .update({ state: 'needs_reconnect', last_error: `Not connected yet: the user must connect their ${systemLabel(p.calendar_system)} calendar (${mailbox}) from their Calendar Sync panel.`, updated_at: trx.fn.now() });
    }
    await trx('audit_log').insert({ tenant_id: s.tenantId, link_id: linkId, actor: adminActor(s), action: 'link', after: JSON.stringify({ associateId, mailbox, profileId: p.id }) });
  });
  if (!connected) return;
  await pushFollows(c, s.tenantId, linkId, p.calendar_system);
  await c.queue.enqueueLinkSync(s.tenantId, linkId, { reason: 'linked' });
}
