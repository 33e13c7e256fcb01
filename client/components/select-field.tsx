// A labelled <select> with its notes (hint, default, server issue).
import { useId } from 'preact/hooks';
import { FieldNotes, describedBy } from './field-notes.tsx';

export interface SelectFieldProps<T extends string> {
  label: string;
  value: T;
  options: { value: T; label: string; disabled?: boolean }[];
  onChange: (value: T) => void;
  hint?: string;
  defaultText?: string;
  issue?: string | undefined;
  disabled?: boolean;
}

export function SelectField<T extends string>({ label, value, options, onChange, hint, defaultText, issue, disabled }: SelectFieldProps<T>) {
  const id = useId();
  const notes = { id, hint, defaultText, issue };
  return (
    <div class={issue ? 'form-field has-issue' : 'form-field'}>
      <label for={id}>{label}</label>
      <select
        id={id}
        value={value}
        disabled={disabled}
        aria-invalid={issue ? true : undefined}
        aria-describedby={describedBy(notes)}
        onChange={(e) => onChange(e.currentTarget.value as T)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldNotes {...notes} />
    </div>
  );
}
