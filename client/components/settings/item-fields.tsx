// Which items are synced: kinds of item, the date window, appointment types.
import { SettingCheckbox } from './setting-checkbox.tsx';
import { SettingNumber } from './setting-number.tsx';
import type { PathOf, SectionProps } from './settings-section.ts';
import { TypeFields } from './type-fields.tsx';

const FLAGS: { path: PathOf<boolean>; label: string }[] = [
  { path: 'filters.allDay', label: 'Sync all-day items' },
  { path: 'filters.free', label: 'Sync items marked free' },
  { path: 'filters.private', label: 'Sync private items' },
  { path: 'filters.recurring', label: 'Sync recurring items' },
];

export function ItemFields(props: SectionProps) {
  return (
    <fieldset class="settings-group">
      <legend>Which items</legend>
      {FLAGS.map((f) => (
        <SettingCheckbox key={f.path} {...props} path={f.path} label={f.label} />
      ))}
      <div class="field-row">
        <SettingNumber {...props} path="window.daysBack" label="Days back" min={0} max={3650} step={1} hint="Items that ended longer ago are left alone." />
        <SettingNumber {...props} path="window.daysAhead" label="Days ahead" min={1} max={3650} step={1} hint="Items starting later wait until they come closer." />
      </div>
      <TypeFields {...props} />
    </fieldset>
  );
}
