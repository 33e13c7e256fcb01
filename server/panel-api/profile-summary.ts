// A profile as the administrator panel lists it: its calendar system, whether it is switched on,
// the state of its connection in words, and how many users it links.
import type { GraphConnection } from '../microsoft/admin-consent.ts';
import { SEATED } from '../superoffice/subscription.ts';
import type { PanelContext } from './context.ts';
import { modeOf } from './link-rows.ts';
import { systemLabel } from './state-words.ts';

export type CalendarSystem = 'graph' | 'ews' | 'google';

export const CALENDAR_SYSTEMS: Array<{ id: CalendarSystem; label: string; available: boolean }> = [
  { id: 'graph', label: systemLabel('graph'), available: true },
  { id: 'ews', label: systemLabel('ews'), available: false },
  { id: 'google', label: systemLabel('google'), available: false },
];

export interface ProfileSummary {
  id: string;
  name: string;
  calendarSystem: CalendarSystem;
  enabled: boolean;
  connection: { state: 'not_connected' | 'connected' | 'failed'; mode: 'tenant' | 'per_user' | null; verifiedAt: string | null; message: string };
  linkedUsers: number;
}

export interface ProfileRecord {
  id: string;
  name: string;
  calendar_system: CalendarSystem;
  enabled: boolean;
  connection: Partial<GraphConnection>;
  settings: Record<string, unknown>;
  linked_users: number;
}

export async function profileRecords(c: PanelContext, tenantId: string, profileId?: string): Promise<ProfileRecord[]> {
  const linked = c
    .db('links')
    .where({ tenant_id: tenantId })
    .whereIn('state', SEATED)
    .groupBy('profile_id')
    .select('profile_id', c.db.raw('count(*)::int as linked_users'))
    .as('linked');
  const q = c
    .db('profiles')
    .leftJoin(linked, 'linked.profile_id', 'profiles.id')
    .where('profiles.tenant_id', tenantId)
    .select('profiles.id', 'profiles.name', 'profiles.calendar_system', 'profiles.enabled', 'profiles.connection', 'profiles.settings')
    .select(c.db.raw('coalesce(linked.linked_users, 0) as linked_users'))
    .orderBy('profiles.created_at');
  if (profileId) q.where('profiles.id', profileId);
  return q;
}

export function summaryOf(p: ProfileRecord): ProfileSummary {
  return {
    id: p.id,
    name: p.name,
    calendarSystem: p.calendar_system,
    enabled: p.enabled,
    connection: connectionOf(p),
    linkedUsers: Number(p.linked_users),
  };
}

function connectionOf(p: ProfileRecord): ProfileSummary['connection'] {
  const c = p.connection ?? {};
  const mode = modeOf(c);
  const verifiedAt = c.verifiedAt ?? null;
  const label = systemLabel(p.calendar_system);
  if (p.calendar_system !== 'graph') {
    return { state: 'not_connected', mode, verifiedAt, message: `${label} is not available in this version of Calendar Sync yet.` };
  }
  if (c.problem) return { state: 'failed', mode, verifiedAt, message: c.problem };
  if (mode === 'per_user') {
    return { state: 'connected', mode, verifiedAt, message: `Each user connects their own ${label} calendar from their Calendar Sync panel.` };
  }
  if (c.entraTenantId && verifiedAt) {
    const users = c.directoryUsers !== undefined ? ` (${c.directoryUsers} users in the directory)` : '';
    return { state: 'connected', mode, verifiedAt, message: `Connected to your organisation's ${label}${users}.` };
  }
  return { state: 'not_connected', mode, verifiedAt, message: `Not connected yet: grant Calendar Sync access to ${label} (a Microsoft 365 administrator must accept).` };
}
