// The user's link at a glance, with "Sync now" and, when the calendar needs it, "Reconnect".
import { api } from '../../api.ts';
import { ActionButton } from '../../components/action-button.tsx';
import { PopupButton } from '../../components/popup-button.tsx';
import { RelativeTime } from '../../components/relative-time.tsx';
import { StateBadge } from '../../components/state-badge.tsx';
import { SYSTEM_LABELS, type MyLink } from '../panel-api-types.ts';

export function LinkSummary({ link, refresh }: { link: MyLink; refresh: () => Promise<void> }) {
  const attention = link.state === 'needs_reconnect' || link.state === 'error';
  return (
    <section class="card" aria-labelledby="link-heading">
      <h2 id="link-heading">Your link</h2>
      <div role="status" aria-live="polite" aria-atomic="true" class="link-state">
        <StateBadge state={link.state} text={link.stateText} />
      </div>
      {link.whatToDo ? <p class={attention ? 'todo todo-attention' : 'todo'}>{link.whatToDo}</p> : null}
      <dl class="facts">
        <div>
          <dt>Mailbox</dt>
          <dd class="break">{link.mailbox}</dd>
        </div>
        <div>
          <dt>Calendar</dt>
          <dd>
            {SYSTEM_LABELS[link.calendarSystem]}
            {/* The profile's name only where it says more than the system's ("Microsoft 365 (Oslo office)"). */}
            {link.profileName !== SYSTEM_LABELS[link.calendarSystem] ? <span class="muted"> · profile {link.profileName}</span> : null}
          </dd>
        </div>
        <div>
          <dt>Last sync</dt>
          <dd>
            <RelativeTime at={link.lastSyncAt} empty="not yet" />
          </dd>
        </div>
        <div>
          <dt>Next sync</dt>
          <dd>
            <RelativeTime at={link.nextSyncAt} empty="when something changes" />
          </dd>
        </div>
        <div>
          <dt>Items in sync</dt>
          <dd>{link.itemsSynced}</dd>
        </div>
      </dl>
      {link.lastError ? (
        <div class="last-error">
          <h3>Last error</h3>
          <p>{link.lastError}</p>
        </div>
      ) : null}
      <div class="button-row">
        <ActionButton
          kind={link.canReconnect && link.state === 'needs_reconnect' ? 'secondary' : 'primary'}
          busyText="Queuing…"
          run={async () => {
            await api('POST', '/me/sync');
            void refresh();
            return 'Sync queued; it runs within moments.';
          }}
        >
          Sync now
        </ActionButton>
        {link.canReconnect ? (
          <PopupButton
            kind={link.state === 'needs_reconnect' ? 'primary' : 'secondary'}
            name="calendar-sync-connect"
            url={async () => (await api<{ url: string }>('POST', '/me/connect')).url}
            opened="Sign in to your calendar in the window that opened; this panel updates when you are done."
            onClosed={() => void refresh()}
            claim={async (code) => {
              const done = await api<{ message: string }>('POST', '/microsoft/claim', { code });
              void refresh();
              return done.message;
            }}
          >
            Reconnect
          </PopupButton>
        ) : null}
      </div>
    </section>
  );
}
