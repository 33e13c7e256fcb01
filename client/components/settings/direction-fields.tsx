// Which way appointments travel: direction, conflicts, invitations and reminders.
import { SettingCheckbox } from './setting-checkbox.tsx';
import { SettingSelect } from './setting-select.tsx';
import { CONFLICT_OPTIONS, DIRECTION_OPTIONS, INVITATION_OPTIONS } from './settings-labels.ts';
import type { SectionProps } from './settings-section.ts';

export function DirectionFields(props: SectionProps) {
  return (
    <fieldset class="settings-group">
      <legend>Direction</legend>
      <SettingSelect {...props} path="direction" label="Synchronisation direction" options={DIRECTION_OPTIONS} />
      <SettingSelect {...props} path="conflict" label="When both sides changed the same appointment" options={CONFLICT_OPTIONS} />
      <SettingSelect {...props} path="invitationPolicy" label="Invitations" options={INVITATION_OPTIONS} />
      <SettingCheckbox {...props} path="reminders.toCalendar" label="Send SuperOffice reminders to the calendar" />
      <SettingCheckbox {...props} path="reminders.toSuperOffice" label="Bring calendar reminders into SuperOffice" />
    </fieldset>
  );
}
