// End to end against the whole SuperOffice simulator: provisioning from manifest/ (idempotent),
// the webhook's signed test event reaching our receiver, and a user's edit in SuperOffice arriving
// as a verified, recorded, enqueued event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ListAgent, WebhookAgent, WebhookState, type Webhook } from '@superoffice/webapi';
import { loadManifest } from '../../manifest/manifest.ts';
import { createProvisionTenantTask } from '../../server/jobs/provision-tenant.ts';
import { TicketExchangeFailed } from '../../server/superoffice/errors.ts';
import { createSuperOfficeServices } from '../../server/superoffice/services.ts';
import { startSuperOfficeApp, type SuperOfficeApp } from '../helpers/superoffice-app.ts';

const manifest = loadManifest();
let h: SuperOfficeApp;
let t: SuperOfficeApp['t'];
let so: SuperOfficeApp['so'];
let services: SuperOfficeApp['services'];
let keyring: SuperOfficeApp['keyring'];
let appUrl: string;
let tenantId: string;
let linkId: string;
const ctx = () => h.ctx();
const who = () => h.who();

before(async () => {
  h = await startSuperOfficeApp();
  ({ t, so, services, keyring, appUrl, tenantId, linkId } = h);
});
after(() => h.close());

const provision = () => createProvisionTenantTask({ db: t.db, keyring, api: services.api, manifest, publicUrl: appUrl })({ tenantId }, ctx());
const panels = () => services.api.call(who(), (agent) => agent(ListAgent).getAppWebPanelsAsync());
const webhooks = () => services.api.call(who(), (agent) => agent(WebhookAgent).getAllWebhooksAsync('', '', WebhookState.Unknown));

test('provisioning creates the manifest\'s panels and one signed webhook, whose test event our receiver accepts', async () => {
  await provision();
  const ps = await panels();
  assert.deepEqual(ps.map((p) => p.progId).sort(), manifest.webPanels.map((p) => p.progId).sort());
  for (const p of ps) {
    assert.ok(p.url?.startsWith(`${appUrl}/panel/`), p.url);
    assert.ok(p.url?.includes('<uctx>') && p.url.includes('<usid>'), p.url);
    assert.ok(!p.url?.includes('<usec>'));
  }
  assert.equal(ps.find((p) => p.progId === 'CalendarSync.AppointmentPanel')?.visibleIn, 'ActivityDialog');
  const hs = await webhooks();
  assert.equal(hs.length, 1);
  assert.equal(hs[0]!.targetUrl, `${appUrl}/webhooks/superoffice`);
  assert.equal(hs[0]!.state, WebhookState.Active);
  assert.deepEqual([...(hs[0]!.events ?? [])].sort(), ['activity.changed', 'activity.created', 'activity.deleted']);
  const audit = await t.db('audit_log').where({ tenant_id: tenantId, action: 'provision' });
  assert.equal(audit.length, 1);
});

test('provisioning again duplicates nothing', async () => {
  await provision();
  await provision();
  assert.equal((await panels()).length, manifest.webPanels.length);
  assert.equal((await webhooks()).length, 1);
});

test('a user\'s edit in SuperOffice arrives as a verified, recorded, enqueued event', async () => {
  const before = await t.db('inbound_events').count<{ c: number }[]>('* as c');
  const created = so.simulator.api.editAsUser('Cust12345', 5, { op: 'create', appointment: { StartDate: '2026-12-01T09:00:00Z', EndDate: '2026-12-01T10:00:00Z', Description: 'Pilot review' } });
  assert.ok(created);
  await so.simulator.api.idle();
  const rows = await t.db('inbound_events').where({ tenant_id: tenantId, event_type: 'activity.created' });
  assert.equal(rows.length, 1);
  assert.ok(Number(before[0]!.c) < Number((await t.db('inbound_events').count<{ c: number }[]>('* as c'))[0]!.c));
  const jobs = await t.db('graphile_worker.jobs').where({ queue_name: `link:${linkId}` });
  assert.equal(jobs.length, 1);
});

test('a webhook SuperOffice stopped (TooManyErrors) is set Active again by provisioning', async () => {
  const [hook] = await webhooks();
  await services.api.call(who(), (agent) => agent(WebhookAgent).saveWebhookAsync({ ...hook, state: WebhookState.TooManyErrors } as Webhook));
  assert.equal((await webhooks())[0]!.state, WebhookState.TooManyErrors);
  await provision();
  const [again] = await webhooks();
  assert.equal(again!.state, WebhookState.Active);
  assert.equal(again!.webhookId, hook!.webhookId);
});

test('an unchanged tenant is checked, not rewritten: no second test event, no save', async () => {
  await provision();
  const [last] = await t.db('audit_log').where({ tenant_id: tenantId, action: 'provision' }).orderBy('id', 'desc').limit(1);
  const result = typeof last.after === 'string' ? JSON.parse(last.after) : last.after;
  assert.equal(result.webhook.action, 'unchanged');
  assert.ok(result.panels.every((p: { action: string }) => p.action === 'unchanged'));
});

test('a moved tenant (421 from its old host) keeps working: the host is re-resolved', async () => {
  await panels(); // the API host is now cached
  const oldUrl = so.store.webApiUrl(so.tenant);
  so.store.moveTenant(so.tenant);
  assert.notEqual(so.store.webApiUrl(so.tenant), oldUrl);
  assert.equal((await panels()).length, manifest.webPanels.length);
});

test('a ticket SuperOffice no longer accepts (401) is replaced once, and the call goes through', async () => {
  await panels();
  so.store.tickets.clear();
  assert.equal((await panels()).length, manifest.webPanels.length);
});

test('a refused ticket exchange leaves SuperOffice\'s message on the tenant; the next good run clears it', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  const wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const broken = createSuperOfficeServices(
    { identityBaseUrl: so.sim.url, clientId: so.seed.app.clientId, clientSecret: so.seed.app.clientSecret, privateKey: wrongKey },
    { publicUrl: appUrl, extraCaPem: so.caPem },
  );
  const task = createProvisionTenantTask({ db: t.db, keyring, api: broken.api, manifest, publicUrl: appUrl });
  let said = '';
  await assert.rejects(task({ tenantId }, ctx()), (e: Error) => {
    assert.ok(e instanceof TicketExchangeFailed, `${e.name}: ${e.message}`);
    said = e.superOfficeMessage;
    return true;
  });
  const row = await t.db('tenants').where({ id: tenantId }).first('status_message', 'installation_state');
  assert.equal(row.status_message, `SuperOffice refused the system user: ${said}`);
  assert.equal(row.installation_state, 'active', 'a refused exchange is not a revocation');
  await provision();
  assert.equal((await t.db('tenants').where({ id: tenantId }).first('status_message')).status_message, null);
});

test('withdrawn consent: each refusal is retried with its words kept verbatim; past 24 h the tenant needs attention; a later success clears it', async () => {
  const consent = so.store.consent(so.seed.app.clientId, 'Cust12345')!;
  const tenantRow = () => t.db('tenants').where({ id: tenantId }).first('status_message', 'installation_state', 'ticket_failing_since');
  const refused = async (): Promise<string> => {
    let said = '';
    await assert.rejects(provision(), (e: Error) => {
      // Thrown, not swallowed or deferred: the queue retries it with its backoff.
      assert.ok(e instanceof TicketExchangeFailed, `${e.name}: ${e.message}`);
      said = e.superOfficeMessage;
      return true;
    });
    return said;
  };
  so.store.revokeConsent(so.seed.app.clientId, 'Cust12345');
  try {
    const first = await refused();
    let row = await tenantRow();
    assert.equal(row.installation_state, 'active', 'no refusal text marks the tenant revoked');
    assert.equal(row.status_message, `SuperOffice refused the system user: ${first}`);
    assert.ok(row.ticket_failing_since instanceof Date);
    const since = row.ticket_failing_since as Date;

    const second = await refused();
    row = await tenantRow();
    assert.equal(row.installation_state, 'active', 'still within the period');
    assert.equal(row.status_message, `SuperOffice refused the system user: ${second}`);
    assert.equal((row.ticket_failing_since as Date).getTime(), since.getTime(), 'the clock counts from the first refusal in a row');

    // The refusals began 25 hours ago.
    await t.db('tenants').where({ id: tenantId }).update({ ticket_failing_since: new Date(Date.now() - 25 * 3600_000) });
    const third = await refused();
    row = await tenantRow();
    assert.equal(row.installation_state, 'needs_attention');
    assert.ok(row.status_message.includes(`"${third}"`), row.status_message);
    assert.match(row.status_message, /needs attention/);
    assert.match(row.status_message, /install Calendar Sync again/);
  } finally {
    so.store.grantConsent(so.seed.app, so.tenant, consent.grantedBy, consent.systemToken);
  }
  await provision();
  const row = await tenantRow();
  assert.equal(row.installation_state, 'active');
  assert.equal(row.status_message, null);
  assert.equal(row.ticket_failing_since, null);
});

test('a tenant SuperOffice reported suspended has its work deferred, not failed', async () => {
  await t.db('tenants').where({ id: tenantId }).update({ tenant_state: 'Suspended' });
  try {
    await assert.rejects(provision(), (e: Error) => e.name === 'RetryLaterError' && /suspended/.test(e.message));
  } finally {
    await t.db('tenants').where({ id: tenantId }).update({ tenant_state: 'Running' });
  }
  await provision();
});

test('a suspension whose Resume push was lost ends at the recheck: SuperOffice is asked again and the work runs', async () => {
  await t.db('tenants').where({ id: tenantId }).update({ tenant_state: 'Suspended', updated_at: new Date(Date.now() - 16 * 60_000) });
  await provision();
  assert.equal((await t.db('tenants').where({ id: tenantId }).first('tenant_state')).tenant_state, 'Unknown');
});

// Online: "The Webhook agent is not available in Online by default. Access must be requested"
// (v1WebhookAgent_GetAllWebhooks.md). How a refusal answers is not documented; the simulator
// answers in each plausible way.
const tenantWords = async () => (await t.db('tenants').where({ id: tenantId }).first('webhook_message', 'installation_state', 'status_message')) as {
  webhook_message: string | null;
  installation_state: string;
  status_message: string | null;
};
const lastProvision = async () => {
  const [last] = await t.db('audit_log').where({ tenant_id: tenantId, action: 'provision' }).orderBy('id', 'desc').limit(1);
  return (typeof last.after === 'string' ? JSON.parse(last.after) : last.after) as { panels: Array<{ action: string }>; webhook: { action: string; webhookId?: number } };
};

test('with the Webhook agent refused (403, as in Online without access), provisioning sets up the panels, succeeds, and tells the administrator what to request; granting access lets the next round create the webhook and clear the words', async () => {
  for (const h of await webhooks()) await services.api.call(who(), (agent) => agent(WebhookAgent).deleteWebhookAsync(h.webhookId!));
  await services.api.call(who(), (agent) => agent(ListAgent).deleteAppWebPanelsAsync());
  assert.equal((await panels()).length, 0);
  so.simulator.api.setWebhookAccess('Cust12345', { granted: false });
  try {
    await provision();
    assert.deepEqual((await panels()).map((p) => p.progId).sort(), manifest.webPanels.map((p) => p.progId).sort());
    const row = await tenantWords();
    assert.equal(row.installation_state, 'active');
    assert.equal(row.status_message, null);
    assert.match(row.webhook_message ?? '', /^SuperOffice has not given Calendar Sync access to webhooks for this customer \(the Webhook agent is not available in Online by default\)\./);
    assert.match(row.webhook_message ?? '', /Ask SuperOffice to enable the Webhook agent for the Calendar Sync app/);
    assert.match(row.webhook_message ?? '', /changes made in SuperOffice reach calendars at the next reconciliation, within 5 minutes/);
    assert.match(row.webhook_message ?? '', /SuperOffice said: ".+"$/);
    const result = await lastProvision();
    assert.equal(result.webhook.action, 'refused');
    assert.ok(result.panels.every((p) => p.action === 'created'));
    // The next round is refused again: the words stay, nothing fails.
    await provision();
    assert.equal((await tenantWords()).webhook_message, row.webhook_message);
  } finally {
    so.simulator.api.setWebhookAccess('Cust12345', { granted: true });
  }
  await provision();
  const hs = await webhooks();
  assert.equal(hs.length, 1);
  assert.equal(hs[0]!.targetUrl, `${appUrl}/webhooks/superoffice`);
  assert.equal(hs[0]!.state, WebhookState.Active);
  assert.equal((await lastProvision()).webhook.action, 'created');
  assert.equal((await tenantWords()).webhook_message, null);
});

test('every other plausible refusal of the Webhook agent alone (401 that a fresh ticket does not cure, 404, a fault saying not allowed) is handled alike: words kept, tenant not revoked, panels in place', async () => {
  for (const refusal of ['unauthorized', 'not_found', 'fault'] as const) {
    so.simulator.api.setWebhookAccess('Cust12345', { granted: false, refusal });
    try {
      await provision();
      const state = await t.db('tenants').where({ id: tenantId }).first('installation_state');
      assert.equal(state.installation_state, 'active', `${refusal}: a refused agent is not a revoked installation`);
      assert.match((await tenantWords()).webhook_message ?? '', /^SuperOffice has not given Calendar Sync access to webhooks/, refusal);
      assert.equal((await lastProvision()).webhook.action, 'refused', refusal);
      assert.equal((await panels()).length, manifest.webPanels.length, refusal);
    } finally {
      so.simulator.api.setWebhookAccess('Cust12345', { granted: true });
    }
    await provision();
    assert.equal((await tenantWords()).webhook_message, null, `${refusal}: cleared once access works`);
    assert.equal((await webhooks()).length, 1);
  }
});

test('a failure of the webhook step that is no refusal still fails the run, and leaves no words about access', async () => {
  const [hook] = await webhooks();
  // Saving the webhook again (a new secret) makes SuperOffice post a test event to a target that is gone.
  await services.api.call(who(), (agent) => agent(WebhookAgent).deleteWebhookAsync(hook!.webhookId!));
  const elsewhere = createProvisionTenantTask({ db: t.db, keyring, api: services.api, manifest, publicUrl: 'http://127.0.0.1:9' });
  await assert.rejects(elsewhere({ tenantId }, ctx()), (e: Error) => e.name === 'SuperOfficeRequestFailed' && /test POST/.test(e.message));
  assert.equal((await tenantWords()).webhook_message, null);
  await provision();
  assert.equal((await webhooks()).length, 1);
});
