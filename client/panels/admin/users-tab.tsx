// Linking users: SuperOffice users beside the directory's mailboxes, matched by e-mail as a
// preview; nothing is saved until "Link selected".
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { errorText } from '../../components/error-text.ts';
import type { AdminTab } from '../admin-panel.tsx';
import type { AdminOverview, MatchPreview, ProfileSummary } from '../panel-api-types.ts';
import { NoProfile } from './preferences-tab.tsx';
import { ProfilePicker } from './profile-picker.tsx';
import { SeatCount } from './seat-count.tsx';
import { UserMatchTable } from './user-match-table.tsx';

export interface UsersTabProps {
  overview: AdminOverview;
  profile: ProfileSummary | null;
  onProfile: (id: string) => void;
  refresh: () => Promise<void>;
  open: (tab: AdminTab) => void;
}

export function UsersTab({ overview, profile, onProfile, refresh, open }: UsersTabProps) {
  const [preview, setPreview] = useState<MatchPreview | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const profileId = profile?.id ?? null;

  const load = useCallback(async () => {
    if (!profileId) return;
    setLoading(true);
    setError(null);
    try {
      setPreview(await api<MatchPreview>('GET', `/admin/profiles/${encodeURIComponent(profileId)}/match`));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setLoading(false);
    }
  }, [profileId]);

  useEffect(() => {
    setPreview(null);
    void load();
  }, [load]);

  if (!profile) return <NoProfile open={open} />;
  const afterChange = async () => {
    await Promise.all([load(), refresh()]);
  };
  return (
    <section aria-labelledby="users-heading">
      <div class="section-head">
        <h2 id="users-heading">Users of {profile.name}</h2>
        <button type="button" class="btn btn-secondary" disabled={loading} aria-busy={loading || undefined} onClick={() => void load()}>
          {loading ? 'Matching…' : 'Match again'}
        </button>
      </div>
      <ProfilePicker profiles={overview.profiles} profile={profile} onProfile={onProfile} />
      <p>
        <SeatCount seats={overview.tenant.seats} />
      </p>
      <p class="field-hint">
        Each SuperOffice user is matched to the mailbox with the same e-mail address. Check the proposals, choose a mailbox by hand where needed,
        and press “Link selected”. Nothing is saved before that.
      </p>
      {profile.connection.state !== 'connected' ? (
        <p class="warn-text">The profile is not connected, so its directory cannot be read yet. Grant consent on the Profiles tab.</p>
      ) : null}
      <div role="status" aria-live="polite">
        {loading && !preview ? <p class="muted">Reading SuperOffice users and the directory…</p> : null}
      </div>
      {error ? (
        <p class="error-text" role="alert">
          Could not match users: {error}
        </p>
      ) : null}
      {preview ? <UserMatchTable key={profile.id} profileId={profile.id} preview={preview} afterChange={afterChange} /> : null}
    </section>
  );
}
