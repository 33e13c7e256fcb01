// Step 2: the profile's name and how it connects; "Create profile" saves it.
import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { ActionStatus } from '../../components/action-status.tsx';
import { RadioGroup } from '../../components/radio-group.tsx';
import { TextField } from '../../components/text-field.tsx';
import { useAction } from '../../components/use-action.ts';
import type { CalendarSystemOption, ConnectionMode, ProfileSummary } from '../panel-api-types.ts';

export interface WizardNameStepProps {
  system: CalendarSystemOption;
  onBack: () => void;
  onCreated: (profile: ProfileSummary) => Promise<void>;
}

export function WizardNameStep({ system, onBack, onCreated }: WizardNameStepProps) {
  const [name, setName] = useState(system.label);
  const [mode, setMode] = useState<ConnectionMode>('tenant');
  const create = useAction(async () => {
    const profile = await api<ProfileSummary>('POST', '/admin/profiles', { calendarSystem: system.id, name: name.trim(), mode });
    await onCreated(profile);
    return 'Profile created.';
  });
  const nameIssue = create.issues.name ?? (name.trim() === '' ? 'Give the profile a name.' : undefined);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim() !== '') void create.run();
      }}
    >
      <TextField label="Profile name" value={name} onChange={setName} required hint="For example the company or the office it covers." issue={nameIssue} />
      <RadioGroup<ConnectionMode>
        legend="How does Calendar Sync reach the calendars?"
        value={mode}
        issue={create.issues.mode}
        onChange={setMode}
        options={[
          {
            value: 'tenant',
            label: 'Organisation-wide (admin consent)',
            description: 'A Microsoft 365 administrator grants consent once; you link users to their mailboxes here. Recommended.',
          },
          {
            value: 'per_user',
            label: 'Each user connects',
            description: 'Every user signs in to their own calendar from their Calendar Sync panel.',
          },
        ]}
      />
      <div class="button-row wizard-nav">
        <button type="button" class="btn btn-secondary" onClick={onBack} disabled={create.busy}>
          Back
        </button>
        <button type="submit" class="btn btn-primary" disabled={create.busy || name.trim() === ''} aria-busy={create.busy || undefined}>
          Create profile
        </button>
        <ActionStatus error={create.error} success={create.success} busy={create.busy} busyText="Creating…" />
      </div>
    </form>
  );
}
