// Step 1: which calendar system. Systems still in the making are shown, marked "coming".
import { RadioGroup } from '../../components/radio-group.tsx';
import type { CalendarSystem, CalendarSystemOption } from '../panel-api-types.ts';

const DESCRIPTIONS: Record<CalendarSystem, string> = {
  graph: 'Exchange Online mailboxes through Microsoft Graph.',
  ews: 'Your own Exchange Server through Exchange Web Services.',
  google: 'Google Workspace calendars.',
};

export interface WizardSystemStepProps {
  systems: CalendarSystemOption[];
  value: CalendarSystemOption | null;
  onChange: (system: CalendarSystemOption) => void;
  onNext: () => void;
}

export function WizardSystemStep({ systems, value, onChange, onNext }: WizardSystemStepProps) {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (value?.available) onNext();
      }}
    >
      <RadioGroup
        legend="Which calendar system do your users use?"
        value={value?.id ?? null}
        options={systems.map((s) => ({
          value: s.id,
          label: s.label,
          description: DESCRIPTIONS[s.id],
          disabled: !s.available,
          note: s.available ? undefined : 'coming',
        }))}
        onChange={(id) => {
          const s = systems.find((x) => x.id === id);
          if (s) onChange(s);
        }}
      />
      <div class="button-row wizard-nav">
        <button type="submit" class="btn btn-primary" disabled={!value?.available}>
          Next
        </button>
      </div>
    </form>
  );
}
