// A button for a step that is hard to undo: the first press asks, the second (on "Yes, …") does it.
// No window.confirm: SuperOffice may frame the panel without permission for dialogs.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ActionStatus } from './action-status.tsx';
import { useAction } from './use-action.ts';

export interface ConfirmButtonProps {
  children: ComponentChildren;
  /** The question, e.g. "Unlink Ann Lee? Items stay on both sides." */
  question: string;
  confirmText: string;
  run: () => Promise<string | void>;
  kind?: 'secondary' | 'danger' | 'primary';
  label?: string;
  disabled?: boolean;
}

export function ConfirmButton({ children, question, confirmText, run, kind = 'danger', label, disabled }: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const action = useAction(run);
  const yes = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) yes.current?.focus();
    else if (wasAsking.current) first.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  return (
    <span class="action">
      {asking ? (
        <span class="confirm" role="group" aria-label={question} onKeyDown={(e) => e.key === 'Escape' && !action.busy && setAsking(false)}>
          <span class="confirm-question">{question}</span>
          <button
            ref={yes}
            type="button"
            class={`btn btn-${kind}`}
            disabled={action.busy}
            aria-busy={action.busy || undefined}
            onClick={() => void action.run().then(() => setAsking(false))}
          >
            {confirmText}
          </button>
          <button type="button" class="btn btn-secondary" disabled={action.busy} onClick={() => setAsking(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button ref={first} type="button" class={`btn btn-${kind === 'danger' ? 'secondary' : kind}`} aria-label={label} disabled={disabled} onClick={() => setAsking(true)}>
          {children}
        </button>
      )}
      <ActionStatus error={action.error} success={action.success} busy={action.busy} busyText="Working…" />
    </span>
  );
}
