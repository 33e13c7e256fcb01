// Every sentence the panels show about a link's state, a passport's reason, and what to do: in one
// place so the administrator's grid, the user's panel and the passport say the same thing.

export const LINK_STATES = ['pending', 'active', 'needs_reconnect', 'needs_confirmation', 'paused', 'error', 'unlinked'] as const;
export type LinkState = (typeof LINK_STATES)[number];

export type NotSyncedReason =
  | 'not_linked' | 'outside_window' | 'filtered_type' | 'private' | 'all_day' | 'free' | 'recurring' | 'direction' | 'not_yet' | 'link_stopped';

export const SYSTEM_LABELS: Record<string, string> = { graph: 'Microsoft 365', ews: 'Exchange Server', google: 'Google Workspace' };
export const systemLabel = (system: string) => SYSTEM_LABELS[system] ?? system;

export interface LinkFacts {
  state: string;
  lastError: string | null;
  calendarSystem: string;
  /** How the profile reaches calendars: one consent for the organisation, or each user their own. */
  mode: 'tenant' | 'per_user' | null;
  /** false when the administrator switched the profile off. */
  profileEnabled?: boolean;
}

const because = (lastError: string | null) => (lastError ? ` ${ensureStop(lastError)}` : '');
const ensureStop = (s: string) => (/[.!?]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`);

/** The state in words, with the stored reason where there is one. */
export function stateText(f: LinkFacts): string {
  const system = systemLabel(f.calendarSystem);
  if (f.profileEnabled === false && f.state !== 'unlinked') return `Stopped: the administrator switched off the ${system} profile.`;
  switch (f.state) {
    case 'pending':
      return `Linked; the first sync with ${system} has not finished yet.`;
    case 'active':
      return f.lastError ? `Syncing, with a problem:${because(f.lastError)}` : `Syncing with ${system}.`;
    case 'needs_reconnect':
      return `Stopped: ${system} no longer lets Calendar Sync reach this calendar.${because(f.lastError)}`;
    case 'needs_confirmation':
      return 'Waiting: a sync would delete many items at once, so it was held back until an administrator confirms or rejects it.';
    case 'paused':
      return 'Paused by an administrator.';
    case 'error':
      return `Stopped by an error.${because(f.lastError)}`;
    case 'unlinked':
      return 'Not linked: this user\'s diary is not synced. Items synced earlier stay where they are.';
    default:
      return `Unknown state "${f.state}".`;
  }
}

/** What a person can do about the state; null when nothing is needed. */
export function whatToDo(f: LinkFacts, audience: 'admin' | 'user'): string | null {
  const system = systemLabel(f.calendarSystem);
  if (f.profileEnabled === false && f.state !== 'unlinked') {
    return audience === 'admin' ? `Switch the ${system} profile on again to resume syncing.` : 'Ask your administrator to switch the profile on again.';
  }
  switch (f.state) {
    case 'pending':
      return 'Nothing: the first sync runs within a minute or two.';
    case 'active':
      return f.lastError ? 'Usually nothing: failed items are retried on the next sync. If the problem stays, show this message to your administrator.' : null;
    case 'needs_reconnect':
      if (f.mode === 'per_user') {
        return audience === 'user'
          ? `Choose "Reconnect" and sign in to ${system} with your own account; syncing resumes at once.`
          : `The user must reconnect: they open Calendar Sync in SuperOffice and choose "Reconnect".`;
      }
      return audience === 'admin'
        ? `Grant consent for ${system} again in the profile's setup; every link that stopped for this reason resumes.`
        : `Your administrator must grant Calendar Sync access to ${system} again. Ask your administrator.`;
    case 'needs_confirmation':
      return audience === 'admin'
        ? 'Open the link\'s pending deletions, check the list, then confirm or reject them.'
        : 'Your administrator must confirm or reject the deletions. Ask your administrator.';
    case 'paused':
      return audience === 'admin' ? 'Resume the link when it should sync again.' : 'Ask your administrator to resume your link.';
    case 'error':
      return audience === 'admin'
        ? 'Fix the cause named above (settings, connector or mailbox), then choose "Sync now".'
        : 'Show this message to your administrator; syncing resumes once the cause is fixed.';
    case 'unlinked':
      return audience === 'admin' ? 'Link the user to a mailbox to sync their diary again.' : 'Ask your administrator to link you to your mailbox.';
    default:
      return null;
  }
}

/** Why an appointment is not synced, in words. */
export function reasonText(reason: NotSyncedReason, f: { calendarSystem?: string; ownerName?: string; linkStateText?: string; type?: string | null; daysBack?: number; daysAhead?: number }): string {
  const system = f.calendarSystem ? systemLabel(f.calendarSystem) : 'a calendar';
  const owner = f.ownerName ?? 'The owner of this appointment';
  switch (reason) {
    case 'not_linked':
      return `${owner} is not linked to a calendar, so this appointment is not synced. An administrator links users in Calendar Sync's settings.`;
    case 'outside_window':
      return `This appointment lies outside the sync window (${f.daysBack ?? '?'} days back to ${f.daysAhead ?? '?'} days ahead); it syncs once it comes inside it.`;
    case 'filtered_type':
      return f.type ? `Appointments of the type "${f.type}" are not synced by this profile.` : 'Appointments without a type are not synced by this profile.';
    case 'private':
      return 'Private appointments are not synced by this profile.';
    case 'all_day':
      return 'All-day appointments are not synced by this profile.';
    case 'free':
      return 'Appointments marked as free are not synced by this profile.';
    case 'recurring':
      return 'Repeating appointments are not synced by this profile.';
    case 'direction':
      return `This user's sync runs only from ${system} to SuperOffice (or is switched off), so SuperOffice appointments are not sent to ${system}.`;
    case 'not_yet':
      return 'Not synced yet: it will be on the next sync, usually within a minute. Choose "Sync now" to hurry it.';
    case 'link_stopped':
      return `The link of ${owner === 'The owner of this appointment' ? 'its owner' : owner} is not syncing. ${f.linkStateText ?? ''}`.trim();
  }
}
