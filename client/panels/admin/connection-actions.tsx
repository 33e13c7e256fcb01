// Grant consent (in a popup, from the click) and test the connection, with the outcome in words.
import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { ActionStatus } from '../../components/action-status.tsx';
import { PopupButton } from '../../components/popup-button.tsx';
import { useAction } from '../../components/use-action.ts';
import type { ProfileSummary } from '../panel-api-types.ts';

interface ClaimAnswer {
  status: 'connected' | 'needs_confirmation';
  message: string;
}

interface TestResult {
  ok: boolean;
  message: string;
  users?: number;
}

export function ConnectionActions({ profile, refresh }: { profile: ProfileSummary; refresh: () => Promise<void> }) {
  const path = `/admin/profiles/${encodeURIComponent(profile.id)}`;
  const [test, setTest] = useState<TestResult | null>(null);
  // A verified consent for an organisation another installation uses: it binds only once confirmed.
  const [unconfirmed, setUnconfirmed] = useState<{ code: string; message: string } | null>(null);
  const claim = async (code: string, confirm = false): Promise<string> => {
    const answer = await api<ClaimAnswer>('POST', '/microsoft/claim', { code, ...(confirm ? { confirm } : {}) });
    if (answer.status === 'needs_confirmation') {
      setUnconfirmed({ code, message: answer.message });
      return 'Consent verified; confirm below to connect.';
    }
    setUnconfirmed(null);
    await refresh();
    return answer.message;
  };
  const confirmer = useAction(async () => (unconfirmed ? claim(unconfirmed.code, true) : undefined));
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
          claim={(code) => claim(code)}
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
      {unconfirmed ? (
        <div class="confirm-box" role="alertdialog" aria-labelledby="confirm-org-text">
          <p id="confirm-org-text" class="warn-text">{unconfirmed.message}</p>
          <div class="button-row">
            <button type="button" class="btn btn-primary" disabled={confirmer.busy} onClick={() => void confirmer.run()}>
              Connect it here as well
            </button>
            <button type="button" class="btn btn-secondary" disabled={confirmer.busy} onClick={() => setUnconfirmed(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      <ActionStatus error={confirmer.error} success={confirmer.success} busy={confirmer.busy} busyText="Connecting…" />
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
