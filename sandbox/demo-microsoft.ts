// The sandbox's demo tenant gets a Microsoft 365 profile at start, set up the way an administrator
// does it: the admin-consent page of the (simulated) Entra ID, our callback's checks, the directory
// read, and the users whose demo calendar is Microsoft 365 linked to their mailboxes by e-mail.
// After that the sync runs by itself: webhooks from SuperOffice, notifications from Graph.
import type { Db } from '../server/db/knex.ts';
import type { Queue } from '../server/jobs/queue.ts';
import { GRAPH_SUBSCRIBE_TASK } from '../server/jobs/graph-subscribe.ts';
import { beginAdminConsent, completeAdminConsent, type GraphConnection, type MicrosoftApp } from '../server/microsoft/admin-consent.ts';
import type { Microsoft } from '../server/microsoft/connector.ts';
import { usersByEmail } from '../server/providers/graph/directory.ts';
import type { Keyring } from '../server/security/secrets.ts';
import { linkUser } from '../server/superoffice/subscription.ts';
import { DEMO_CTX } from './superoffice/seed.ts';
import type { SuperOfficeSimulator } from './superoffice/simulator.ts';

export const DEMO_PROFILE_NAME = 'Microsoft 365';

export interface DemoMicrosoftDeps {
  db: Db;
  keyring: Keyring;
  app: MicrosoftApp;
  publicUrl: string;
  microsoft: Microsoft;
  queue: Pick<Queue, 'enqueue' | 'enqueueLinkSync'>;
  fetch: typeof fetch;
}

export async function installDemoMicrosoft(deps: DemoMicrosoftDeps, so: SuperOfficeSimulator): Promise<{ profileId: string; linked: string[] } | undefined> {
  const tenant = await deps.db('tenants').where({ context_identifier: DEMO_CTX }).first('id');
  if (!tenant) return undefined;
  let profile = await deps.db('profiles').where({ tenant_id: tenant.id, calendar_system: 'graph' }).first('id', 'connection');
  if (!profile) {
    [profile] = await deps.db('profiles').insert({ tenant_id: tenant.id, name: DEMO_PROFILE_NAME, calendar_system: 'graph' }).returning(['id', 'connection']);
  }
  if (!(profile.connection as GraphConnection).verifiedAt) {
    // What the administrator's click on "Accept" on Microsoft's page amounts to.
    const consent = new URL(await beginAdminConsent(deps, tenant.id, profile.id));
    consent.searchParams.set('sim_consent', 'accept');
    const res = await deps.fetch(consent, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status !== 302 || !location) throw new Error(`the Entra ID simulator's admin-consent page answered ${res.status}`);
    const back = new URL(location).searchParams;
    await completeAdminConsent({ ...deps, verify: (t) => deps.microsoft.verify(t) }, {
      state: back.get('state') ?? undefined,
      adminConsent: back.get('admin_consent') ?? undefined,
      tenant: back.get('tenant') ?? undefined,
      error: back.get('error') ?? undefined,
      errorDescription: back.get('error_description') ?? undefined,
    });
  }
  const directory = usersByEmail(await deps.microsoft.directory(tenant.id, profile.id));
  const linked: string[] = [];
  for (const u of so.store.users(so.store.tenant(DEMO_CTX)!)) {
    if (u.calendarSystem !== 'graph' || !u.mailbox) continue;
    const existing = await deps.db('links').where({ tenant_id: tenant.id, associate_id: u.associateId }).first('id');
    let linkId: string | undefined = existing?.id;
    if (!linkId) {
      const match = directory.get(u.mailbox.toLowerCase());
      if (!match) continue;
      linkId = await linkUser(deps.db, { tenantId: tenant.id, profileId: profile.id, associateId: u.associateId, associateEmail: u.email, mailbox: match.userPrincipalName });
      await deps.db('links').where({ tenant_id: tenant.id, id: linkId }).update({ state: 'active' });
    }
    // New or from an earlier run: the simulator has no subscription for it and an empty mailbox.
    await deps.queue.enqueue(GRAPH_SUBSCRIBE_TASK, { tenantId: tenant.id, linkId }, { queueName: `graph-sub:${linkId}` });
    await deps.queue.enqueueLinkSync(tenant.id, linkId, { reason: 'linked' });
    linked.push(u.email);
  }
  return { profileId: profile.id, linked };
}

/**
 * The simulators keep no diaries or mailboxes across restarts (SuperOffice's demo diary is seeded
 * afresh, Outlook starts empty), so what the app's database remembers of their items from the last
 * run is void: link tables, cursors, hints and subscriptions of the demo tenant go before any sync
 * runs. Kept in the database: the installation, profiles, links and consents.
 */
export async function forgetDemoSyncState(db: Db): Promise<void> {
  const tenant = await db('tenants').where({ context_identifier: DEMO_CTX }).first('id');
  if (!tenant) return;
  await db.transaction(async (trx) => {
    for (const table of ['synced_items', 'cursors', 'sync_hints', 'graph_subscriptions']) await trx(table).where({ tenant_id: tenant.id }).delete();
    await trx('credentials').where({ tenant_id: tenant.id, owner_type: 'link', kind: 'graph_client_state' }).delete();
  });
}
