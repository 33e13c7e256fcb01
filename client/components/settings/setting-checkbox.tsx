// A checkbox bound to one boolean setting: value, change, default and issue all follow its path.
import { CheckboxField } from '../checkbox-field.tsx';
import { yesNo } from './settings-labels.ts';
import { issueAt, settingAt, withSetting, type SettingProps } from './settings-section.ts';

export function SettingCheckbox({ value, defaults, onChange, issues, disabled, path, label, hint }: SettingProps<boolean>) {
  return (
    <CheckboxField
      label={label}
      checked={settingAt<boolean>(value, path)}
      onChange={(v) => onChange(withSetting<boolean>(value, path, v))}
      hint={hint}
      defaultText={yesNo(settingAt<boolean>(defaults, path))}
      issue={issueAt(issues, path)}
      disabled={disabled}
    />
  );
}
