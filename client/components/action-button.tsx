// A button that runs one request: disabled while it runs, and the outcome in words beside it.
import type { ComponentChildren } from 'preact';
import { ActionStatus } from './action-status.tsx';
import { useAction } from './use-action.ts';

export interface ActionButtonProps {
  children: ComponentChildren;
  /** Resolves to the success sentence. */
  run: () => Promise<string | void>;
  busyText?: string;
  kind?: 'primary' | 'secondary' | 'danger';
  disabled?: boolean;
  /** A name for screen readers when the visible text is not enough ("Sync now for Ann Lee"). */
  label?: string;
}

export function ActionButton({ children, run, busyText = 'Working…', kind = 'secondary', disabled, label }: ActionButtonProps) {
  const action = useAction(run);
  return (
    <span class="action">
      <button
        type="button"
        class={`btn btn-${kind}`}
        disabled={disabled || action.busy}
        aria-busy={action.busy || undefined}
        aria-label={label}
        onClick={() => void action.run()}
      >
        {children}
      </button>
      <ActionStatus error={action.error} success={action.success} busy={action.busy} busyText={busyText} />
    </span>
  );
}
