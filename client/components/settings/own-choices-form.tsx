// The settings form for one user's own choices, whoever makes them: an administrator for one user
// (the status grid's "Preferences") or the user (their own panel). Save with its outcome beside it,
// and a button that drops the user's own choices.
import { ActionButton } from '../action-button.tsx';
import { ActionStatus } from '../action-status.tsx';
import type { Action } from '../use-action.ts';
import { SettingsForm } from './settings-form.tsx';
import type { EffectiveSettings } from './settings-types.ts';

export interface OwnChoicesFormProps {
  /** 'link': an administrator for one user; 'self': the user. */
  scope: 'link' | 'self';
  value: EffectiveSettings;
  defaults: EffectiveSettings;
  onChange: (next: EffectiveSettings) => void;
  save: Action<[]>;
  saveLabel: string;
  /** Drops the user's own choices; resolves to the sentence shown beside its button. */
  reset: () => Promise<string>;
  resetLabel: string;
  resetBusyText: string;
}

export function OwnChoicesForm({ scope, value, defaults, onChange, save, saveLabel, reset, resetLabel, resetBusyText }: OwnChoicesFormProps) {
  const issueCount = Object.keys(save.issues).length;
  return (
    <SettingsForm
      scope={scope}
      value={value}
      defaults={defaults}
      onChange={onChange}
      issues={save.issues}
      disabled={save.busy}
      error={issueCount > 0 ? 'Not saved: see the settings marked.' : null}
      onSubmit={() => void save.run()}
      actions={
        <>
          <button type="submit" class="btn btn-primary" disabled={save.busy} aria-busy={save.busy || undefined}>
            {saveLabel}
          </button>
          {/* Issues are named at their fields and in the form's own error above. */}
          <ActionStatus error={issueCount > 0 ? null : save.error} success={save.success} busy={save.busy} busyText="Saving…" />
          <ActionButton busyText={resetBusyText} run={reset}>
            {resetLabel}
          </ActionButton>
        </>
      }
    />
  );
}
