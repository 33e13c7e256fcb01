// The profile's rules about users' own preferences.
import { CheckboxField } from '../checkbox-field.tsx';
import { yesNo } from './settings-labels.ts';
import { issueAt, setTop, type SectionProps } from './settings-section.ts';

export function UserPolicyFields({ value, defaults, onChange, issues, disabled }: SectionProps) {
  return (
    <fieldset class="settings-group">
      <legend>Users’ own preferences</legend>
      <CheckboxField
        label="Users may edit their own preferences"
        checked={value.usersMayEdit}
        onChange={(v) => onChange(setTop(value, 'usersMayEdit', v))}
        hint="In their Calendar Sync panel. When off, this profile's settings apply to everyone."
        defaultText={yesNo(defaults.usersMayEdit)}
        issue={issueAt(issues, 'usersMayEdit')}
        disabled={disabled}
      />
      <CheckboxField
        label="A change to this profile overwrites users' own choices"
        checked={value.profileOverridesUsers}
        onChange={(v) => onChange(setTop(value, 'profileOverridesUsers', v))}
        hint="When off, what a user chose stays when you change the profile."
        defaultText={yesNo(defaults.profileOverridesUsers)}
        issue={issueAt(issues, 'profileOverridesUsers')}
        disabled={disabled}
      />
    </fieldset>
  );
}
