// A select bound to one setting with a fixed set of values; the options' type picks the paths allowed.
import { SelectField } from '../select-field.tsx';
import { optionLabel, type Option } from './settings-labels.ts';
import { issueAt, settingAt, withSetting, type SettingProps } from './settings-section.ts';

export function SettingSelect<T extends string>({ value, defaults, onChange, issues, disabled, path, label, hint, options }: SettingProps<T> & { options: Option<T>[] }) {
  return (
    <SelectField
      label={label}
      value={settingAt<T>(value, path)}
      options={options}
      onChange={(v) => onChange(withSetting<T>(value, path, v))}
      hint={hint}
      defaultText={optionLabel(options, settingAt<T>(defaults, path))}
      issue={issueAt(issues, path)}
      disabled={disabled}
    />
  );
}
