// The sandbox's demo tenant gets a Microsoft 365 profile at start, set up the way an administrator
// does it: the admin-consent page of the (simulated) Entra ID, our callback's checks, the directory
// read, and the users whose demo calendar is Microsoft 365 linked to their mailboxes by e-mail.
// After that the sync runs by itself: webhooks from SuperOffice, notifications from Graph.
import type { Db } from '../server/db/knex.ts';
import type { Queue } from '../server/jobs/queue.ts';
import { GRAPH_SUBSCRIBE_TASK } from '../server/jobs/graph-subscribe.ts';
import { afterAdminConsent, beginAdminConsent, claimAdminConsent, completeAdminProof, type GraphConnection, type MicrosoftApp } from '../server/microsoft/admin-consent.ts';
import type { StartedBy } from '../server/microsoft/consent-claims.ts';
import { microsoftConsent } from '../server/microsoft/consent-deps.ts';
import type { Microsoft } from '../server/microsoft/connector.ts';
import { usersByEmail } from '../server/providers/graph/directory.ts';
import type { Keyring } from '../server/security/secrets.ts';
import { linkUser } from '../server/superoffice/subscription.ts';
import { demoTenant } from './demo.ts';
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
  if (!(profile.connection as GraphConnection).verifiedAt) await consentAsDemoAdministrator(deps, tenant.id, profile.id);
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
 * What the demo administrator's clicks amount to: Accept on Microsoft's admin-consent page, the
 * proving sign-in (the simulator's session skips its page after a consent, as Entra's does), and the
 * claim their administrator panel makes with its session.
 */
async function consentAsDemoAdministrator(deps: DemoMicrosoftDeps, tenantId: string, profileId: string): Promise<void> {
  const admin = demoTenant().users.find((u) => u.isAdministrator)!;
  const by: StartedBy = { tenantId, sessionId: 'sandbox-demo-setup', associateId: admin.associateId };
  const consent = microsoftConsent(deps).admin;
  const redirectOf = async (url: URL): Promise<URLSearchParams> => {
    url.searchParams.set('sim_consent', 'accept');
    url.searchParams.set('sim_user', admin.email);
    const res = await deps.fetch(url, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status !== 302 || !location) throw new Error(`the Entra ID simulator's page ${url.pathname} answered ${res.status}`);
    return new URL(location).searchParams;
  };
  const param = (p: URLSearchParams, k: string) => p.get(k) ?? undefined;
  const back = await redirectOf(new URL(await beginAdminConsent(consent, by, profileId)));
  const signIn = await afterAdminConsent(consent, { state: param(back, 'state'), adminConsent: param(back, 'admin_consent'), tenant: param(back, 'tenant'), error: param(back, 'error') });
  const proof = await redirectOf(new URL(signIn));
  const { code } = await completeAdminProof(consent, { state: param(proof, 'state'), code: param(proof, 'code'), error: param(proof, 'error') });
  // The demo tenant's own organisation; nothing else uses it, so no confirmation is asked.
  const done = await claimAdminConsent(consent, by, code, false);
  if (done.status !== 'connected') throw new Error(done.message);
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
