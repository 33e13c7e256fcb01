// Grant consent (in a popup, from the click) and test the connection, with the outcome in words.
import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { ActionStatus } from '../../components/action-status.tsx';
import { PopupButton } from '../../components/popup-button.tsx';
import { useAction } from '../../components/use-action.ts';
import type { ProfileSummary } from '../panel-api-types.ts';

interface TestResult {
  ok: boolean;
  message: string;
  users?: number;
}

export function ConnectionActions({ profile, refresh }: { profile: ProfileSummary; refresh: () => Promise<void> }) {
  const path = `/admin/profiles/${encodeURIComponent(profile.id)}`;
  const [test, setTest] = useState<TestResult | null>(null);
  const tester = useAction(async () => {
    setTest(null);
    const result = await api<TestResult>('POST', `${path}/test`);
    setTest(result);
    await refresh();
    return '';
  });
  if (profile.connection.mode === 'per_user') {
    return <p class="field-hint">Each user connects their own calendar from their Calendar Sync panel (“Reconnect”); there is no organisation-wide consent to grant.</p>;
  }
  return (
    <div class="connection-actions">
      <div class="button-row">
        <PopupButton
          name="calendar-sync-consent"
          url={async () => (await api<{ url: string }>('POST', `${path}/consent`)).url}
          opened="Consent page opened. Finish there; this panel updates when you are done."
          onClosed={() => void refresh()}
        >
          {profile.connection.state === 'connected' ? 'Grant consent again' : 'Grant consent'}
        </PopupButton>
        <span class="action">
          <button type="button" class="btn btn-secondary" disabled={tester.busy} aria-busy={tester.busy || undefined} onClick={() => void tester.run()}>
            Test connection
          </button>
          <ActionStatus error={tester.error} success={null} busy={tester.busy} busyText="Testing…" />
        </span>
      </div>
      <div role="status" aria-live="polite">
        {test ? (
          <p class={test.ok ? 'result result-ok' : 'result result-bad'}>
            <strong>{test.ok ? 'Connection works.' : 'Connection failed.'}</strong> {test.message}
          </p>
        ) : null}
      </div>
    </div>
  );
}
