// Which way appointments travel: direction, conflicts, invitations and reminders.
import { CheckboxField } from '../checkbox-field.tsx';
import { SelectField } from '../select-field.tsx';
import { CONFLICT_OPTIONS, DIRECTION_OPTIONS, INVITATION_OPTIONS, optionLabel, yesNo } from './settings-labels.ts';
import { issueAt, setIn, setTop, type SectionProps } from './settings-section.ts';

export function DirectionFields({ value, defaults, onChange, issues, disabled }: SectionProps) {
  return (
    <fieldset class="settings-group">
      <legend>Direction</legend>
      <SelectField
        label="Synchronisation direction"
        value={value.direction}
        options={DIRECTION_OPTIONS}
        onChange={(v) => onChange(setTop(value, 'direction', v))}
        defaultText={optionLabel(DIRECTION_OPTIONS, defaults.direction)}
        issue={issueAt(issues, 'direction')}
        disabled={disabled}
      />
      <SelectField
        label="When both sides changed the same appointment"
        value={value.conflict}
        options={CONFLICT_OPTIONS}
        onChange={(v) => onChange(setTop(value, 'conflict', v))}
        defaultText={optionLabel(CONFLICT_OPTIONS, defaults.conflict)}
        issue={issueAt(issues, 'conflict')}
        disabled={disabled}
      />
      <SelectField
        label="Invitations"
        value={value.invitationPolicy}
        options={INVITATION_OPTIONS}
        onChange={(v) => onChange(setTop(value, 'invitationPolicy', v))}
        defaultText={optionLabel(INVITATION_OPTIONS, defaults.invitationPolicy)}
        issue={issueAt(issues, 'invitationPolicy')}
        disabled={disabled}
      />
      <CheckboxField
        label="Send SuperOffice reminders to the calendar"
        checked={value.reminders.toCalendar}
        onChange={(v) => onChange(setIn(value, 'reminders', 'toCalendar', v))}
        defaultText={yesNo(defaults.reminders.toCalendar)}
        issue={issueAt(issues, 'reminders.toCalendar')}
        disabled={disabled}
      />
      <CheckboxField
        label="Bring calendar reminders into SuperOffice"
        checked={value.reminders.toSuperOffice}
        onChange={(v) => onChange(setIn(value, 'reminders', 'toSuperOffice', v))}
        defaultText={yesNo(defaults.reminders.toSuperOffice)}
        issue={issueAt(issues, 'reminders.toSuperOffice')}
        disabled={disabled}
      />
    </fieldset>
  );
}
