// The signed-in user's own link, live: mailbox, state and what to do, last and next sync, recent
// changes both ways, "Sync now", "Reconnect" when needed, and their own preferences when allowed.
import { LoadState, StaleNotice } from '../components/load-state.tsx';
import { PanelPage } from '../components/panel-page.tsx';
import { usePolling } from '../components/use-polling.ts';
import { useSession } from '../session.tsx';
import type { Me } from './panel-api-types.ts';
import { LinkSummary } from './user/link-summary.tsx';
import { OwnPreferences } from './user/own-preferences.tsx';
import { RecentChanges } from './user/recent-changes.tsx';

export function UserPanel() {
  const { session } = useSession();
  const me = usePolling<Me>('/me');
  const data = me.data;
  return (
    <PanelPage kind="user" title="Your calendar link" purpose="How your SuperOffice diary is kept in step with your calendar." tenantName={session.tenantName} userName={session.userName}>
      {data ? (
        <>
          <StaleNotice error={me.error} />
          {data.link ? (
            <>
              <LinkSummary link={data.link} refresh={me.refresh} />
              <RecentChanges changes={data.recent} />
              {data.settings ? (
                data.settings.mayEdit ? (
                  <OwnPreferences settings={data.settings} refresh={me.refresh} />
                ) : (
                  <section class="card" aria-labelledby="prefs-heading">
                    <h2 id="prefs-heading">Your preferences</h2>
                    <p>Your administrator sets the sync preferences for everyone in your company.</p>
                  </section>
                )
              ) : null}
            </>
          ) : (
            <section class="card" aria-labelledby="not-linked">
              <h2 id="not-linked">Not linked</h2>
              <p>Your SuperOffice diary is not linked to a calendar, so nothing is synced.</p>
              <p>An administrator links users to their mailboxes in the Calendar Sync administration panel. Ask your administrator to link you.</p>
            </section>
          )}
        </>
      ) : (
        <LoadState loading={me.loading} error={me.error} what="your calendar link" />
      )}
    </PanelPage>
  );
}
