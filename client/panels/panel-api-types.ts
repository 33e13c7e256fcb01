// The JSON the panels read from /api/panel/*, as docs/panel-api.md gives it. Change the contract
// there first; these types follow it.
import type { Direction, EffectiveSettings, UserOverrides } from '../components/settings/settings-types.ts';

export type CalendarSystem = 'graph' | 'ews' | 'google';
export type ConnectionMode = 'tenant' | 'per_user';
export type LinkState = 'pending' | 'active' | 'needs_reconnect' | 'needs_confirmation' | 'paused' | 'error' | 'unlinked';

export interface ProfileSummary {
  id: string;
  name: string;
  calendarSystem: CalendarSystem;
  enabled: boolean;
  connection: {
    state: 'not_connected' | 'connected' | 'failed';
    mode: ConnectionMode | null;
    verifiedAt: string | null;
    message: string | null;
  };
  linkedUsers: number;
}

export interface ProfileDetail extends ProfileSummary {
  /** What is stored; a group or field left out takes its default. */
  settings: Partial<EffectiveSettings> | null;
  defaults: EffectiveSettings;
}

export interface CalendarSystemOption {
  id: CalendarSystem;
  label: string;
  available: boolean;
}

export interface AdminOverview {
  tenant: {
    contextIdentifier: string;
    name: string;
    subscriptionState: string;
    seats: { used: number; total: number | null };
    /** Words for the administrator while SuperOffice refuses the app its webhook; null while it is in place. */
    webhookMessage: string | null;
  };
  profiles: ProfileSummary[];
  calendarSystems: CalendarSystemOption[];
}

export interface StatusRow {
  linkId: string;
  profileId: string;
  profileName: string;
  associateId: string | number;
  userName: string;
  email: string | null;
  mailbox: string;
  state: LinkState;
  stateText: string;
  lastSyncAt: string | null;
  nextSyncAt: string | null;
  itemsSynced: number;
  pending: number;
  lastError: string | null;
  /** Beyond the contract's StatusRow (server/panel-api/link-rows.ts): the link row's own direction and the user's overrides. */
  direction?: Direction;
  overrides?: UserOverrides | null;
}

export interface MatchRow {
  associateId: string | number;
  userName: string;
  email: string | null;
  proposedMailbox: string | null;
  matchedBy: 'email' | null;
  linkId: string | null;
  linkedMailbox: string | null;
  state: LinkState | null;
}

export interface MatchPreview {
  rows: MatchRow[];
  mailboxes: { email: string; name: string }[];
}

export interface DeletionItem {
  side: 'superoffice' | 'calendar';
  itemId: string;
  title: string;
  start: string | null;
}

export interface AuditEntry {
  id: string | number;
  at: string;
  actor: string;
  action: string;
  linkId: string | null;
  userName: string | null;
  side: string | null;
  itemId: string | null;
  title: string | null;
  reason: string | null;
}

export interface DeletedItem {
  id: string;
  linkId: string;
  userName: string;
  title: string;
  start: string | null;
  deletedAt: string;
  restorableUntil: string;
  deletedOn: 'superoffice' | 'calendar';
}

export interface MyLink {
  id: string;
  profileName: string;
  calendarSystem: CalendarSystem;
  mailbox: string;
  state: LinkState;
  stateText: string;
  whatToDo: string | null;
  lastSyncAt: string | null;
  nextSyncAt: string | null;
  itemsSynced: number;
  lastError: string | null;
  canReconnect: boolean;
}

export interface RecentChange {
  at: string;
  direction: 'to_calendar' | 'to_superoffice';
  action: 'created' | 'updated' | 'deleted';
  title: string;
}

export interface MySettings {
  mayEdit: boolean;
  effective: EffectiveSettings;
  overrides: UserOverrides | null;
  defaults: EffectiveSettings;
}

export interface Me {
  link: MyLink | null;
  recent: RecentChange[];
  settings: MySettings | null;
}

export type NotSyncedReason =
  | 'not_linked'
  | 'outside_window'
  | 'filtered_type'
  | 'private'
  | 'all_day'
  | 'free'
  | 'recurring'
  | 'direction'
  | 'not_yet'
  | 'link_stopped';

export interface Passport {
  synced: boolean;
  reason: NotSyncedReason | null;
  reasonText: string | null;
  owner: { associateId: string | number; userName: string } | null;
  item: null | {
    calendarSystem: CalendarSystem;
    calendarItemId: string;
    webLink: string | null;
    direction: Direction;
    lastSyncedAt: string | null;
    lastError: string | null;
  };
  link: null | { state: LinkState; stateText: string };
}

export const SYSTEM_LABELS: Record<CalendarSystem, string> = {
  graph: 'Microsoft 365',
  ews: 'Exchange Server',
  google: 'Google Workspace',
};
