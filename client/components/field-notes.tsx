// The small print under a form control: what it means, its default, and what the server said was
// wrong with it. The control points at these lines with aria-describedby.
export interface FieldNotesProps {
  id: string;
  hint?: string | undefined;
  /** In words, e.g. "two-way". */
  defaultText?: string | undefined;
  issue?: string | undefined;
}

export function describedBy({ id, hint, defaultText, issue }: FieldNotesProps): string | undefined {
  const ids = [issue ? `${id}-issue` : null, hint ? `${id}-hint` : null, defaultText !== undefined ? `${id}-default` : null];
  const list = ids.filter((x): x is string => x !== null);
  return list.length > 0 ? list.join(' ') : undefined;
}

export function FieldNotes({ id, hint, defaultText, issue }: FieldNotesProps) {
  return (
    <>
      {hint ? (
        <p id={`${id}-hint`} class="field-hint">
          {hint}
        </p>
      ) : null}
      {defaultText !== undefined ? (
        <p id={`${id}-default`} class="field-default">
          Default: {defaultText}
        </p>
      ) : null}
      {issue ? (
        <p id={`${id}-issue`} class="field-issue">
          {issue}
        </p>
      ) : null}
    </>
  );
}
