// A number input bound to one numeric setting. `percent` shows a stored fraction (0.25) as 25.
import { NumberField, type NumberFieldProps } from '../number-field.tsx';
import { issueAt, settingAt, withSetting, type SettingProps } from './settings-section.ts';

const toPercent = (fraction: number) => Math.round(fraction * 1000) / 10;

type Bounds = Pick<NumberFieldProps, 'min' | 'max' | 'step'>;

export function SettingNumber({ value, defaults, onChange, issues, disabled, path, percent, ...field }: SettingProps<number> & Bounds & { percent?: boolean }) {
  const shown = (n: number) => (percent ? toPercent(n) : n);
  const fallback = settingAt<number>(defaults, path);
  return (
    <NumberField
      {...field}
      value={shown(settingAt<number>(value, path))}
      onChange={(v) => onChange(withSetting<number>(value, path, percent ? v / 100 : v))}
      defaultText={percent ? `${toPercent(fallback)} %` : String(fallback)}
      issue={issueAt(issues, path)}
      disabled={disabled}
    />
  );
}
