// A set of radio buttons under a legend, each with an optional line of explanation; options not
// yet available stay visible (disabled) with a note saying so.
import { useId } from 'preact/hooks';

export interface RadioOption<T extends string> {
  value: T;
  label: string;
  description?: string;
  disabled?: boolean;
  /** Shown after the label when disabled, e.g. "coming". */
  note?: string;
}

export interface RadioGroupProps<T extends string> {
  legend: string;
  value: T | null;
  options: RadioOption<T>[];
  onChange: (value: T) => void;
  issue?: string | undefined;
}

export function RadioGroup<T extends string>({ legend, value, options, onChange, issue }: RadioGroupProps<T>) {
  const name = useId();
  return (
    <fieldset class={issue ? 'radio-group has-issue' : 'radio-group'} aria-describedby={issue ? `${name}-issue` : undefined}>
      <legend>{legend}</legend>
      {options.map((o) => {
        const id = `${name}-${o.value}`;
        return (
          <div class={o.disabled ? 'radio radio-disabled' : 'radio'} key={o.value}>
            <input
              id={id}
              type="radio"
              name={name}
              value={o.value}
              checked={value === o.value}
              disabled={o.disabled}
              aria-describedby={o.description ? `${id}-desc` : undefined}
              onChange={() => onChange(o.value)}
            />
            <div>
              <label for={id}>
                {o.label}
                {o.note ? <span class="tag">{o.note}</span> : null}
              </label>
              {o.description ? (
                <p id={`${id}-desc`} class="field-hint">
                  {o.description}
                </p>
              ) : null}
            </div>
          </div>
        );
      })}
      {issue ? (
        <p id={`${name}-issue`} class="field-issue">
          {issue}
        </p>
      ) : null}
    </fieldset>
  );
}
