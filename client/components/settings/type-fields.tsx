// Appointment types to sync (all, or a comma-separated list) and the type incoming items get.
import { useEffect, useState } from 'preact/hooks';
import { CheckboxField } from '../checkbox-field.tsx';
import { TextField } from '../text-field.tsx';
import { issueAt, withSetting, type SectionProps } from './settings-section.ts';

const toList = (text: string) =>
  text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');

export function TypeFields({ value, defaults, onChange, issues, disabled }: SectionProps) {
  const types = value.filters.appointmentTypes;
  const [text, setText] = useState((types ?? []).join(', '));
  useEffect(() => {
    if (types !== null && toList(text).join('\n') !== types.join('\n')) setText(types.join(', '));
    // Rewrite only on an outside change, so "Meeting, " stays as typed.
  }, [types]);
  const all = types === null;
  const defaultTypes = defaults.filters.appointmentTypes;
  return (
    <>
      <CheckboxField
        label="Sync every appointment type"
        checked={all}
        onChange={(v) => onChange(withSetting<string[] | null>(value, 'filters.appointmentTypes', v ? null : toList(text)))}
        defaultText={defaultTypes === null ? 'every type' : defaultTypes.join(', ')}
        disabled={disabled}
      />
      {all ? null : (
        <TextField
          label="Appointment types to sync"
          value={text}
          onChange={(t) => {
            setText(t);
            onChange(withSetting<string[] | null>(value, 'filters.appointmentTypes', toList(t)));
          }}
          hint="SuperOffice type names, separated by commas, e.g. Meeting, Phone call."
          issue={issueAt(issues, 'filters.appointmentTypes')}
          disabled={disabled}
        />
      )}
      <TextField
        label="Type for items that come from the calendar"
        value={value.defaultType ?? ''}
        onChange={(t) => onChange(withSetting<string | null>(value, 'defaultType', t.trim() === '' ? null : t))}
        hint="A SuperOffice type name. Empty: SuperOffice's own default type."
        defaultText={defaults.defaultType ?? 'SuperOffice’s default type'}
        issue={issueAt(issues, 'defaultType')}
        disabled={disabled}
      />
    </>
  );
}
