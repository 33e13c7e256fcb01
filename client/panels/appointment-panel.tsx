// The appointment passport, in the appointment dialog (narrow): whether this appointment is synced,
// to which calendar item, in which direction, when, the last error, and why not when it is not.
import { api } from '../api.ts';
import { ActionButton } from '../components/action-button.tsx';
import { LoadState, StaleNotice } from '../components/load-state.tsx';
import { PanelPage } from '../components/panel-page.tsx';
import { usePolling } from '../components/use-polling.ts';
import type { PanelContext } from '../panel-context.ts';
import { PassportItem } from './appointment/passport-item.tsx';
import type { Passport } from './panel-api-types.ts';

export function AppointmentPanel({ context }: { context: PanelContext }) {
  const id = context.appointmentId;
  const path = id ? `/appointments/${encodeURIComponent(id)}` : null;
  const passport = usePolling<Passport>(path);
  const p = passport.data;
  return (
    <PanelPage kind="appointment" title="Appointment sync passport">
      {!id ? (
        <p class="error-text" role="alert">
          This panel was opened without an appointment. Open it from an appointment in SuperOffice; a new appointment has a passport once it is saved.
        </p>
      ) : p ? (
        <>
          <StaleNotice error={passport.error} />
          <div role="status" aria-live="polite" aria-atomic="true" class={p.synced ? 'passport-state synced' : 'passport-state not-synced'}>
            <strong>{p.synced ? 'Synced' : 'Not synced'}</strong>
            {p.owner ? <span class="muted"> · {p.owner.userName}’s diary</span> : null}
          </div>
          {!p.synced && p.reasonText ? <p class="reason">{p.reasonText}</p> : null}
          {p.item ? <PassportItem item={p.item} /> : null}
          {p.link && (!p.synced || p.link.state !== 'active') ? (
            <p class="field-hint">
              <span class="visually-hidden">Link: </span>
              {p.link.stateText}
            </p>
          ) : null}
          {p.reason !== 'not_linked' ? (
            <div class="button-row">
              <ActionButton
                kind="primary"
                busyText="Queuing…"
                run={async () => {
                  await api('POST', `${path}/sync`);
                  void passport.refresh();
                  return 'Sync queued; this passport updates in a few seconds.';
                }}
              >
                Sync now
              </ActionButton>
            </div>
          ) : null}
        </>
      ) : (
        <LoadState loading={passport.loading} error={passport.error} what="this appointment's sync state" />
      )}
    </PanelPage>
  );
}
