// The words the panels use for setting values, so "Default: two-way" reads the same everywhere.
import type { ConflictPolicy, Direction, InvitationPolicy, SyncedField } from './settings-types.ts';

export interface Option<T extends string> {
  value: T;
  label: string;
}

export const DIRECTION_OPTIONS: Option<Direction>[] = [
  { value: 'two_way', label: 'two-way' },
  { value: 'to_calendar', label: 'SuperOffice to calendar only' },
  { value: 'to_superoffice', label: 'calendar to SuperOffice only' },
  { value: 'off', label: 'no synchronisation' },
];

/** Per field, "off" means each side keeps its own value. */
export const FIELD_DIRECTION_OPTIONS: Option<Direction>[] = [
  { value: 'two_way', label: 'both ways' },
  { value: 'to_calendar', label: 'to calendar only' },
  { value: 'to_superoffice', label: 'to SuperOffice only' },
  { value: 'off', label: 'not synced' },
];

export const CONFLICT_OPTIONS: Option<ConflictPolicy>[] = [
  { value: 'newest_wins', label: 'the newest change wins' },
  { value: 'superoffice_wins', label: 'SuperOffice wins' },
  { value: 'calendar_wins', label: 'the calendar wins' },
];

export const INVITATION_OPTIONS: Option<InvitationPolicy>[] = [
  { value: 'never', label: 'never send invitations (participants stay in SuperOffice)' },
  { value: 'organizer_copy', label: 'the organiser’s calendar item invites the participants' },
];

export const FIELD_LABELS: Record<SyncedField, string> = {
  title: 'Subject',
  description: 'Description',
  location: 'Location',
  timing: 'Start, end and time zone',
  showAs: 'Show as (busy, free)',
  private: 'Private flag',
  reminderMinutes: 'Reminder',
  organizer: 'Organiser',
  attendees: 'Participants',
  recurrence: 'Recurrence',
  category: 'Type / category',
  crmLinks: 'Company and person links',
};

export function optionLabel<T extends string>(options: Option<T>[], value: T): string {
  return options.find((o) => o.value === value)?.label ?? value;
}

export const yesNo = (value: boolean) => (value ? 'yes' : 'no');
