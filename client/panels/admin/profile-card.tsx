// One profile: its system, connection in words, linked users, and what to do next.
import { ActionButton } from '../../components/action-button.tsx';
import { api } from '../../api.ts';
import { RelativeTime } from '../../components/relative-time.tsx';
import type { AdminTab } from '../admin-panel.tsx';
import { SYSTEM_LABELS, type ProfileSummary } from '../panel-api-types.ts';
import { ConnectionActions } from './connection-actions.tsx';

const CONNECTION_WORDS: Record<ProfileSummary['connection']['state'], string> = {
  connected: 'Connected',
  not_connected: 'Not connected yet',
  failed: 'Connection failed',
};

const MODE_WORDS = { tenant: 'organisation-wide consent', per_user: 'each user connects' } as const;

export function ProfileCard({ profile, refresh, open }: { profile: ProfileSummary; refresh: () => Promise<void>; open: (tab: AdminTab, id?: string) => void }) {
  const c = profile.connection;
  const headingId = `profile-${profile.id}`;
  return (
    <article class="card" aria-labelledby={headingId}>
      <h3 id={headingId} class="card-title">
        {profile.name} {profile.enabled ? null : <span class="tag">disabled</span>}
      </h3>
      <dl class="facts">
        <div>
          <dt>System</dt>
          <dd>{SYSTEM_LABELS[profile.calendarSystem]}</dd>
        </div>
        <div>
          <dt>Connection</dt>
          <dd class={`connection connection-${c.state}`}>
            {CONNECTION_WORDS[c.state]}
            {c.mode ? `, ${MODE_WORDS[c.mode]}` : ''}
            {c.verifiedAt ? (
              <>
                {' '}
                (checked <RelativeTime at={c.verifiedAt} />)
              </>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>Linked users</dt>
          <dd>{profile.linkedUsers}</dd>
        </div>
      </dl>
      {c.message ? <p class={c.state === 'failed' ? 'error-text' : 'field-hint'}>{c.message}</p> : null}
      <ConnectionActions profile={profile} refresh={refresh} />
      <div class="button-row">
        <button type="button" class="btn btn-secondary" onClick={() => open('users', profile.id)}>
          Link users
        </button>
        <button type="button" class="btn btn-secondary" onClick={() => open('preferences', profile.id)}>
          Preferences
        </button>
        <ActionButton
          label={`${profile.enabled ? 'Disable' : 'Enable'} ${profile.name}`}
          busyText="Saving…"
          run={async () => {
            await api('PATCH', `/admin/profiles/${encodeURIComponent(profile.id)}`, { enabled: !profile.enabled });
            await refresh();
            return profile.enabled ? 'Disabled: its links stop syncing.' : 'Enabled.';
          }}
        >
          {profile.enabled ? 'Disable' : 'Enable'}
        </ActionButton>
      </div>
    </article>
  );
}
