// Which items are synced: kinds of item, the date window, appointment types.
import { CheckboxField } from '../checkbox-field.tsx';
import { NumberField } from '../number-field.tsx';
import { yesNo } from './settings-labels.ts';
import { issueAt, setIn, type SectionProps } from './settings-section.ts';
import { TypeFields } from './type-fields.tsx';

type FilterFlag = 'allDay' | 'free' | 'private' | 'recurring';
const FLAGS: { key: FilterFlag; label: string }[] = [
  { key: 'allDay', label: 'Sync all-day items' },
  { key: 'free', label: 'Sync items marked free' },
  { key: 'private', label: 'Sync private items' },
  { key: 'recurring', label: 'Sync recurring items' },
];

export function ItemFields(props: SectionProps) {
  const { value, defaults, onChange, issues, disabled } = props;
  return (
    <fieldset class="settings-group">
      <legend>Which items</legend>
      {FLAGS.map((f) => (
        <CheckboxField
          key={f.key}
          label={f.label}
          checked={value.filters[f.key]}
          onChange={(v) => onChange(setIn(value, 'filters', f.key, v))}
          defaultText={yesNo(defaults.filters[f.key])}
          issue={issueAt(issues, `filters.${f.key}`)}
          disabled={disabled}
        />
      ))}
      <div class="field-row">
        <NumberField
          label="Days back"
          value={value.window.daysBack}
          min={0}
          max={3650}
          step={1}
          onChange={(v) => onChange(setIn(value, 'window', 'daysBack', v))}
          hint="Items that ended longer ago are left alone."
          defaultText={String(defaults.window.daysBack)}
          issue={issueAt(issues, 'window.daysBack')}
          disabled={disabled}
        />
        <NumberField
          label="Days ahead"
          value={value.window.daysAhead}
          min={1}
          max={3650}
          step={1}
          onChange={(v) => onChange(setIn(value, 'window', 'daysAhead', v))}
          hint="Items starting later wait until they come closer."
          defaultText={String(defaults.window.daysAhead)}
          issue={issueAt(issues, 'window.daysAhead')}
          disabled={disabled}
        />
      </div>
      <TypeFields {...props} />
    </fieldset>
  );
}
