// Per field, which way it may travel; a field left alone follows the item's direction both ways.
import { SelectField } from '../select-field.tsx';
import { FIELD_DIRECTION_OPTIONS, FIELD_LABELS, optionLabel } from './settings-labels.ts';
import { issueAt, type SectionProps } from './settings-section.ts';
import { SYNCED_FIELDS } from './settings-types.ts';

export function FieldDirectionFields({ value, defaults, onChange, issues, disabled }: SectionProps) {
  const hasIssue = issueAt(issues, 'fieldDirections') !== undefined;
  const changed = SYNCED_FIELDS.filter((f) => (value.fieldDirections[f] ?? 'two_way') !== 'two_way').length;
  return (
    <details class="settings-group settings-details" open={hasIssue || undefined}>
      <summary>
        Per-field direction <span class="muted">({changed === 0 ? 'every field both ways' : `${changed} limited`})</span>
      </summary>
      <p class="field-hint">“Not synced” lets each side keep its own value of that field.</p>
      <div class="field-grid">
        {SYNCED_FIELDS.map((f) => (
          <SelectField
            key={f}
            label={FIELD_LABELS[f]}
            value={value.fieldDirections[f] ?? 'two_way'}
            options={FIELD_DIRECTION_OPTIONS}
            onChange={(v) => onChange({ ...value, fieldDirections: { ...value.fieldDirections, [f]: v } })}
            defaultText={optionLabel(FIELD_DIRECTION_OPTIONS, defaults.fieldDirections[f] ?? 'two_way')}
            issue={issueAt(issues, `fieldDirections.${f}`)}
            disabled={disabled}
          />
        ))}
      </div>
    </details>
  );
}
