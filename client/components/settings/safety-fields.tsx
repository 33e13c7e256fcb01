// The guard against mass deletion: a sync that would delete more than both thresholds waits for
// an administrator to confirm it (the Deletions tab).
import { NumberField } from '../number-field.tsx';
import { issueAt, setIn, type SectionProps } from './settings-section.ts';

const percent = (fraction: number) => Math.round(fraction * 1000) / 10;

export function SafetyFields({ value, defaults, onChange, issues, disabled }: SectionProps) {
  return (
    <fieldset class="settings-group">
      <legend>Mass-deletion guard</legend>
      <p class="field-hint">A sync that would delete more than both of these waits for confirmation.</p>
      <div class="field-row">
        <NumberField
          label="More than this many items"
          value={value.massDeletion.minItems}
          min={0}
          step={1}
          onChange={(v) => onChange(setIn(value, 'massDeletion', 'minItems', v))}
          defaultText={String(defaults.massDeletion.minItems)}
          issue={issueAt(issues, 'massDeletion.minItems')}
          disabled={disabled}
        />
        <NumberField
          label="And more than this % of the user's items"
          value={percent(value.massDeletion.minFraction)}
          min={0}
          max={100}
          step="any"
          onChange={(v) => onChange(setIn(value, 'massDeletion', 'minFraction', v / 100))}
          defaultText={`${percent(defaults.massDeletion.minFraction)} %`}
          issue={issueAt(issues, 'massDeletion.minFraction')}
          disabled={disabled}
        />
      </div>
    </fieldset>
  );
}
