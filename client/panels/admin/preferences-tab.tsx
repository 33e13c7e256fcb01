// Preferences of one profile. Per-user overrides are edited from the Status tab's rows.
import type { AdminTab } from '../admin-panel.tsx';
import type { ProfileSummary } from '../panel-api-types.ts';
import { PassportVisibility } from './passport-visibility.tsx';
import { ProfilePicker } from './profile-picker.tsx';
import { ProfilePreferences } from './profile-preferences.tsx';

export interface PreferencesTabProps {
  profiles: ProfileSummary[];
  profile: ProfileSummary | null;
  onProfile: (id: string) => void;
  open: (tab: AdminTab) => void;
}

export function PreferencesTab({ profiles, profile, onProfile, open }: PreferencesTabProps) {
  if (!profile) return <NoProfile open={open} />;
  return (
    <section aria-labelledby="preferences-heading">
      <h2 id="preferences-heading">Preferences of {profile.name}</h2>
      <ProfilePicker profiles={profiles} profile={profile} onProfile={onProfile} />
      <p class="field-hint">
        These apply to every user of the profile. To change them for one user, use “Preferences” on that user’s row in{' '}
        <button type="button" class="link-button" onClick={() => open('status')}>
          Status
        </button>
        .
      </p>
      <ProfilePreferences key={profile.id} profileId={profile.id} />
      <h3>The Calendar Sync tab of appointments</h3>
      <PassportVisibility />
    </section>
  );
}

export function NoProfile({ open }: { open: (tab: AdminTab) => void }) {
  return (
    <p>
      There is no profile yet.{' '}
      <button type="button" class="link-button" onClick={() => open('profiles')}>
        Set up a profile
      </button>{' '}
      first.
    </p>
  );
}
