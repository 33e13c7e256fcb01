// A labelled checkbox with its notes (hint, default, server issue).
import { useId } from 'preact/hooks';
import { FieldNotes, describedBy } from './field-notes.tsx';

export interface CheckboxFieldProps {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: string;
  defaultText?: string;
  issue?: string | undefined;
  disabled?: boolean;
}

export function CheckboxField({ label, checked, onChange, hint, defaultText, issue, disabled }: CheckboxFieldProps) {
  const id = useId();
  const notes = { id, hint, defaultText, issue };
  return (
    <div class={issue ? 'form-field form-check has-issue' : 'form-field form-check'}>
      <input
        id={id}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        aria-invalid={issue ? true : undefined}
        aria-describedby={describedBy(notes)}
        onChange={(e) => onChange(e.currentTarget.checked)}
      />
      <div>
        <label for={id}>{label}</label>
        <FieldNotes {...notes} />
      </div>
    </div>
  );
}
