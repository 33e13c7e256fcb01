// The administrator's panel: profiles and their setup, which users are linked to which mailbox,
// preferences, the live status of every link, mass deletions waiting for a decision, and the
// audit log with restore. The overview (tenant, seats, profiles) is polled for every tab.
import { useState } from 'preact/hooks';
import { LoadState, StaleNotice } from '../components/load-state.tsx';
import { PanelPage } from '../components/panel-page.tsx';
import { Tabs, type TabDef } from '../components/tabs.tsx';
import { usePolling } from '../components/use-polling.ts';
import { useSession } from '../session.tsx';
import { AuditTab } from './admin/audit-tab.tsx';
import { DeletionsTab } from './admin/deletions-tab.tsx';
import { PreferencesTab } from './admin/preferences-tab.tsx';
import { ProfilesTab } from './admin/profiles-tab.tsx';
import { StatusTab } from './admin/status-tab.tsx';
import { TenantSummary } from './admin/tenant-summary.tsx';
import { UsersTab } from './admin/users-tab.tsx';
import type { AdminOverview } from './panel-api-types.ts';

export type AdminTab = 'profiles' | 'users' | 'preferences' | 'status' | 'deletions' | 'audit';

const TABS: TabDef<AdminTab>[] = [
  { key: 'profiles', label: 'Profiles' },
  { key: 'users', label: 'Users' },
  { key: 'preferences', label: 'Preferences' },
  { key: 'status', label: 'Status' },
  { key: 'deletions', label: 'Deletions' },
  { key: 'audit', label: 'Audit & restore' },
];

export function AdminPanel() {
  const { session } = useSession();
  const overview = usePolling<AdminOverview>('/admin/overview');
  const [tab, setTab] = useState<AdminTab>('profiles');
  const [profileId, setProfileId] = useState<string | null>(null);
  const data = overview.data;
  const profiles = data?.profiles ?? [];
  // The chosen profile, else the first: most tenants have one.
  const chosen = profiles.find((p) => p.id === profileId) ?? profiles[0] ?? null;
  const open = (next: AdminTab, id?: string) => {
    if (id) setProfileId(id);
    setTab(next);
  };

  return (
    <PanelPage kind="admin" title="Administration" purpose="Set up calendar sync for your company and watch it work." tenantName={session.tenantName ?? data?.tenant.name} userName={session.userName} wide>
      {data ? (
        <>
          <TenantSummary overview={data} />
          <StaleNotice error={overview.error} />
          <Tabs label="Administration" tabs={TABS} selected={tab} onSelect={setTab}>
            {tab === 'profiles' ? <ProfilesTab overview={data} refresh={overview.refresh} open={open} /> : null}
            {tab === 'users' ? (
              <UsersTab overview={data} profile={chosen} onProfile={setProfileId} refresh={overview.refresh} open={open} />
            ) : null}
            {tab === 'preferences' ? <PreferencesTab profiles={profiles} profile={chosen} onProfile={setProfileId} open={open} /> : null}
            {tab === 'status' ? <StatusTab profiles={profiles} /> : null}
            {tab === 'deletions' ? <DeletionsTab /> : null}
            {tab === 'audit' ? <AuditTab /> : null}
          </Tabs>
        </>
      ) : (
        <LoadState loading={overview.loading} error={overview.error} what="the administration overview" />
      )}
    </PanelPage>
  );
}
