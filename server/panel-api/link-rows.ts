// Links as the panels show them (the administrator's status grid, a link after a change, the user's
// own link): the link with its profile, its item counts, when it syncs next, and its state in words.
import type { Logger } from '../log.ts';
import { linkSyncsDue } from '../jobs/queue.ts';
import { POLL_AFTER_MS } from '../jobs/graph-subscribe.ts';
import type { GraphConnection } from '../microsoft/admin-consent.ts';
import type { PanelContext } from './context.ts';
import { stateText, type LinkFacts } from './state-words.ts';

export interface StatusRow {
  linkId: string;
  profileId: string;
  profileName: string;
  associateId: number;
  userName: string;
  email: string | null;
  mailbox: string;
  state: string;
  stateText: string;
  lastSyncAt: string | null;
  nextSyncAt: string | null;
  itemsSynced: number;
  pending: number;
  lastError: string | null;
  /** Beyond the contract's StatusRow: what the link row itself sets, for the link editor. */
  direction: string | null;
  overrides: Record<string, unknown>;
}

export interface LinkRecord {
  id: string;
  profile_id: string;
  profile_name: string;
  calendar_system: string;
  profile_enabled: boolean;
  connection: GraphConnection | Record<string, never>;
  profile_settings: unknown;
  associate_id: number;
  associate_email: string | null;
  mailbox: string;
  state: string;
  direction: string | null;
  settings: Record<string, unknown>;
  last_sync_at: Date | null;
  last_error: string | null;
  items: number;
  pending: number;
}

export interface LinkFilter {
  profileId?: string;
  states?: readonly string[];
  linkIds?: readonly string[];
  associateId?: number;
  /** Leave out unlinked users unless `states` asks for them. */
  withUnlinked?: boolean;
}

/** The tenant's links with their profile and counts; every row is the tenant's own. */
export async function linkRecords(c: PanelContext, tenantId: string, f: LinkFilter = {}): Promise<LinkRecord[]> {
  const counts = c
    .db('synced_items')
    .where({ tenant_id: tenantId, state: 'active' })
    .groupBy('link_id')
    .select('link_id')
    .select(c.db.raw('count(*)::int as items'))
    .select(c.db.raw('(count(*) filter (where last_error is not null or dirty))::int as pending'))
    .as('counts');
  const q = c
    .db('links')
    .join('profiles', function () {
      this.on('profiles.id', '=', 'links.profile_id').andOn('profiles.tenant_id', '=', 'links.tenant_id');
    })
    .leftJoin(counts, 'counts.link_id', 'links.id')
    .where('links.tenant_id', tenantId)
    .select(
      'links.id', 'links.profile_id', 'profiles.name as profile_name', 'profiles.calendar_system', 'profiles.enabled as profile_enabled',
      'profiles.connection', 'profiles.settings as profile_settings', 'links.associate_id', 'links.associate_email', 'links.mailbox',
      'links.state', 'links.direction', 'links.settings', 'links.last_sync_at', 'links.last_error',
    )
    .select(c.db.raw('coalesce(counts.items, 0) as items'), c.db.raw('coalesce(counts.pending, 0) as pending'))
    .orderBy('links.associate_id');
  if (f.profileId) q.where('links.profile_id', f.profileId);
  if (f.states?.length) q.whereIn('links.state', f.states);
  else if (!f.withUnlinked) q.whereNot('links.state', 'unlinked');
  if (f.linkIds) q.whereIn('links.id', f.linkIds);
  if (f.associateId !== undefined) q.where('links.associate_id', f.associateId);
  return q;
}

export function factsOf(r: Pick<LinkRecord, 'state' | 'last_error' | 'calendar_system' | 'connection' | 'profile_enabled'>): LinkFacts {
  return {
    state: r.state,
    lastError: r.last_error,
    calendarSystem: r.calendar_system,
    mode: modeOf(r.connection),
    profileEnabled: r.profile_enabled,
  };
}

export function modeOf(connection: unknown): 'tenant' | 'per_user' | null {
  const m = (connection as { mode?: unknown } | null)?.mode;
  return m === 'delegated' ? 'per_user' : m === 'application' ? 'tenant' : null;
}

const SYNCING = new Set(['pending', 'active', 'error']);
const HALF_HOUR = 30 * 60_000;

/**
 * When each link syncs next: its queued run, or for a Microsoft 365 link that syncs, the poll that
 * the half-hourly fan-out gives it (a link not synced for 25 minutes); otherwise unknown.
 */
export async function nextSyncs(c: PanelContext, records: readonly LinkRecord[]): Promise<Map<string, Date>> {
  const due = await linkSyncsDue(c.db, records.map((r) => r.id));
  for (const r of records) {
    if (due.has(r.id) || !SYNCING.has(r.state) || r.calendar_system !== 'graph' || !r.profile_enabled) continue;
    const earliest = Math.max((r.last_sync_at?.getTime() ?? 0) + POLL_AFTER_MS, c.now().getTime());
    due.set(r.id, new Date(Math.ceil(earliest / HALF_HOUR) * HALF_HOUR));
  }
  return due;
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

export async function statusRows(c: PanelContext, tenantId: string, log: Logger, f: LinkFilter = {}): Promise<StatusRow[]> {
  const records = await linkRecords(c, tenantId, f);
  if (records.length === 0) return [];
  const [names, next] = await Promise.all([c.so ? c.so.users(tenantId, log) : Promise.resolve(new Map<number, { name?: string; email: string }>()), nextSyncs(c, records)]);
  return records.map((r) => {
    const person = names.get(r.associate_id);
    const email = person?.email ?? r.associate_email;
    return {
      linkId: r.id,
      profileId: r.profile_id,
      profileName: r.profile_name,
      associateId: r.associate_id,
      userName: person?.name ?? email ?? `User ${r.associate_id}`,
      email: email ?? null,
      mailbox: r.mailbox,
      state: r.state,
      stateText: stateText(factsOf(r)),
      lastSyncAt: iso(r.last_sync_at),
      nextSyncAt: iso(next.get(r.id)),
      itemsSynced: Number(r.items),
      pending: Number(r.pending),
      lastError: r.last_error,
      direction: r.direction,
      overrides: r.settings ?? {},
    };
  });
}
