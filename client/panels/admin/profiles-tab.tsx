// Profiles: one per calendar system in use, each with its connection; and the guided setup of a new one.
import { useState } from 'preact/hooks';
import type { AdminTab } from '../admin-panel.tsx';
import type { AdminOverview } from '../panel-api-types.ts';
import { ProfileCard } from './profile-card.tsx';
import { ProfileWizard } from './profile-wizard.tsx';

export interface ProfilesTabProps {
  overview: AdminOverview;
  refresh: () => Promise<void>;
  open: (tab: AdminTab, profileId?: string) => void;
}

export function ProfilesTab({ overview, refresh, open }: ProfilesTabProps) {
  const [wizard, setWizard] = useState(overview.profiles.length === 0);
  if (wizard) {
    return (
      <ProfileWizard
        systems={overview.calendarSystems}
        profiles={overview.profiles}
        refresh={refresh}
        onCancel={overview.profiles.length > 0 ? () => setWizard(false) : undefined}
        onDone={(id) => {
          setWizard(false);
          open('users', id);
        }}
      />
    );
  }
  return (
    <section aria-labelledby="profiles-heading">
      <div class="section-head">
        <h2 id="profiles-heading">Profiles</h2>
        <button type="button" class="btn btn-primary" onClick={() => setWizard(true)}>
          Set up a profile
        </button>
      </div>
      <p class="field-hint">A profile connects one calendar system (Microsoft 365, Exchange Server or Google) and holds its settings and linked users.</p>
      <ul class="card-list">
        {overview.profiles.map((p) => (
          <li key={p.id}>
            <ProfileCard profile={p} refresh={refresh} open={open} />
          </li>
        ))}
      </ul>
    </section>
  );
}
