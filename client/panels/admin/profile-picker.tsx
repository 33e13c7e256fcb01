// Which profile a tab works on; hidden when there is only one.
import { SelectField } from '../../components/select-field.tsx';
import { SYSTEM_LABELS, type ProfileSummary } from '../panel-api-types.ts';

export function ProfilePicker({ profiles, profile, onProfile }: { profiles: ProfileSummary[]; profile: ProfileSummary; onProfile: (id: string) => void }) {
  if (profiles.length < 2) return null;
  return (
    <div class="picker">
      <SelectField
        label="Profile"
        value={profile.id}
        options={profiles.map((p) => ({ value: p.id, label: `${p.name} (${SYSTEM_LABELS[p.calendarSystem]})` }))}
        onChange={onProfile}
      />
    </div>
  );
}
