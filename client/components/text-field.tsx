// A labelled text or number input with its notes (hint, default, server issue). Numbers are kept
// as the text typed until they parse, so a half-typed value is not replaced under the cursor.
import { useId } from 'preact/hooks';
import { FieldNotes, describedBy } from './field-notes.tsx';

export interface TextFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'number' | 'search' | 'email';
  min?: number;
  max?: number;
  step?: number | 'any';
  placeholder?: string;
  hint?: string;
  defaultText?: string;
  issue?: string | undefined;
  disabled?: boolean;
  required?: boolean;
  autoComplete?: string;
}

export function TextField({ label, value, onChange, type = 'text', hint, defaultText, issue, ...rest }: TextFieldProps) {
  const id = useId();
  const notes = { id, hint, defaultText, issue };
  return (
    <div class={issue ? 'form-field has-issue' : 'form-field'}>
      <label for={id}>{label}</label>
      <input
        id={id}
        type={type}
        value={value}
        min={rest.min}
        max={rest.max}
        step={rest.step}
        placeholder={rest.placeholder}
        disabled={rest.disabled}
        required={rest.required}
        autoComplete={rest.autoComplete ?? 'off'}
        inputMode={type === 'number' ? 'numeric' : undefined}
        aria-invalid={issue ? true : undefined}
        aria-describedby={describedBy(notes)}
        onInput={(e) => onChange(e.currentTarget.value)}
      />
      <FieldNotes {...notes} />
    </div>
  );
}
