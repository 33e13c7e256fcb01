// The profile's rules about users' own preferences.
import { SettingCheckbox } from './setting-checkbox.tsx';
import type { SectionProps } from './settings-section.ts';

export function UserPolicyFields(props: SectionProps) {
  return (
    <fieldset class="settings-group">
      <legend>Users’ own preferences</legend>
      <SettingCheckbox
        {...props}
        path="usersMayEdit"
        label="Users may edit their own preferences"
        hint="In their Calendar Sync panel. When off, this profile's settings apply to everyone."
      />
      <SettingCheckbox
        {...props}
        path="profileOverridesUsers"
        label="A change to this profile overwrites users' own choices"
        hint="When off, what a user chose stays when you change the profile."
      />
    </fieldset>
  );
}
