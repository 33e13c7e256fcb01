// A number input over a numeric setting: keeps the text as typed and reports a number only when
// the text is one, so clearing the box to retype does not snap back to 0.
import { useEffect, useState } from 'preact/hooks';
import { TextField } from './text-field.tsx';

export interface NumberFieldProps {
  label: string;
  value: number;
  onChange: (value: number) => void;
  min?: number;
  max?: number;
  /** 'any' for fractions. */
  step?: number | 'any';
  hint?: string;
  defaultText?: string;
  issue?: string | undefined;
  disabled?: boolean;
}

export function NumberField({ value, onChange, issue, ...rest }: NumberFieldProps) {
  const [text, setText] = useState(String(value));
  useEffect(() => {
    if (Number(text) !== value) setText(String(value));
    // Only an outside change (a reload, a reset) rewrites the text; typing "1." must stay "1.".
  }, [value]);
  const parsed = text.trim() === '' ? NaN : Number(text);
  const localIssue = Number.isFinite(parsed) ? undefined : 'Enter a number.';
  return (
    <TextField
      {...rest}
      type="number"
      value={text}
      issue={issue ?? localIssue}
      onChange={(t) => {
        setText(t);
        const n = t.trim() === '' ? NaN : Number(t);
        if (Number.isFinite(n)) onChange(n);
      }}
    />
  );
}
