// The guard against mass deletion: a sync that would delete more than both thresholds waits for
// an administrator to confirm it (the Deletions tab).
import { SettingNumber } from './setting-number.tsx';
import type { SectionProps } from './settings-section.ts';

export function SafetyFields(props: SectionProps) {
  return (
    <fieldset class="settings-group">
      <legend>Mass-deletion guard</legend>
      <p class="field-hint">A sync that would delete more than both of these waits for confirmation.</p>
      <div class="field-row">
        <SettingNumber {...props} path="massDeletion.minItems" label="More than this many items" min={0} step={1} />
        <SettingNumber {...props} path="massDeletion.minFraction" label="And more than this % of the user's items" min={0} max={100} step="any" percent />
      </div>
    </fieldset>
  );
}
