// The Microsoft 365 consent flows against the Entra ID simulator, on a real database: tenant-wide
// admin consent (state bound to the profile, verified by reading the directory, refusals in words)
// and the per-user connection (code flow with PKCE; only the link's own account may connect it;
// the refresh token is kept sealed and works for Graph afterwards).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGraphHarness, type GraphHarness, ADA } from '../providers/graph/harness.ts';
import { beginAdminConsent, completeAdminConsent, ConsentError, type MicrosoftApp } from '../../server/microsoft/admin-consent.ts';
import { createMicrosoft, GRAPH_REFRESH_TOKEN, type Microsoft } from '../../server/microsoft/connector.ts';
import { beginUserConsent, completeUserConsent } from '../../server/microsoft/user-consent.ts';
import { createKeyring } from '../../server/security/secrets.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';

const PUBLIC = 'http://127.0.0.1:4999';
const keyring = createKeyring(`k1:${Buffer.alloc(32, 7).toString('base64')}`);
let h: GraphHarness;
let t: MigratedDatabase;
let app: MicrosoftApp;
let microsoft: Microsoft;
let tenantId: string;

before(async () => {
  h = await startGraphHarness();
  h.sim.control.revokeAdminConsent();
  t = await migratedDatabase();
  app = { clientId: h.sim.app.clientId, clientSecret: h.sim.app.clientSecret, loginUrl: h.sim.loginUrl, graphUrl: h.sim.graphUrl };
  microsoft = createMicrosoft({ db: t.db, keyring, app, caPem: h.caPem });
  [{ id: tenantId }] = await t.db('tenants').insert({ context_identifier: 'CustMs', installation_state: 'active' }).returning('id');
});

after(async () => {
  await microsoft.close();
  await t.close();
  await h.close();
});

/** What a person's click on the simulator's page amounts to: follow the page to its redirect back to us. */
async function consentPage(url: string, extra: Record<string, string>): Promise<URLSearchParams> {
  const u = new URL(url);
  for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
  const res = await h.fetch(u, { redirect: 'manual' });
  const location = res.headers.get('location');
  assert.equal(res.status, 302, `the consent page redirected (${res.status})`);
  const back = new URL(location!);
  assert.equal(back.origin, PUBLIC);
  return back.searchParams;
}

const deps = () => ({ db: t.db, keyring, app, publicUrl: PUBLIC, verify: (e: string) => microsoft.verify(e) });
const params = (p: URLSearchParams) => ({
  state: p.get('state') ?? undefined,
  adminConsent: p.get('admin_consent') ?? undefined,
  tenant: p.get('tenant') ?? undefined,
  error: p.get('error') ?? undefined,
  errorDescription: p.get('error_description') ?? undefined,
});

test('admin consent: granted, recorded on the profile, verified by reading the directory; the state works once', async () => {
  const [{ id: profileId }] = await t.db('profiles').insert({ tenant_id: tenantId, name: 'M365', calendar_system: 'graph' }).returning('id');
  const back = await consentPage(await beginAdminConsent(deps(), tenantId, profileId), { sim_consent: 'accept' });
  const done = await completeAdminConsent(deps(), params(back));
  assert.equal(done.profileId, profileId);
  assert.equal(done.entraTenantId, h.sim.tenantId);
  assert.ok(done.users >= 4);
  const profile = await t.db('profiles').where({ id: profileId }).first('connection');
  assert.equal(profile.connection.mode, 'application');
  assert.ok(profile.connection.verifiedAt);
  await assert.rejects(completeAdminConsent(deps(), params(back)), (e: Error) => e instanceof ConsentError && e.code === 'unknown_state');
  // And the connector now reads the directory with it.
  assert.ok((await microsoft.directory(tenantId, profileId)).some((u) => u.userPrincipalName === ADA));
});

test('admin consent refused: the profile stays unconnected and the page says why', async () => {
  const [{ id: profileId }] = await t.db('profiles').insert({ tenant_id: tenantId, name: 'M365 b', calendar_system: 'graph' }).returning('id');
  const back = await consentPage(await beginAdminConsent(deps(), tenantId, profileId), { sim_consent: 'cancel' });
  await assert.rejects(completeAdminConsent(deps(), params(back)), (e: Error) => e instanceof ConsentError && /did not grant consent/.test(e.message) && /declined/i.test(e.message));
  const profile = await t.db('profiles').where({ id: profileId }).first('connection');
  assert.equal(profile.connection.entraTenantId, undefined);
});

test('a consent state cannot complete another flow (purpose-bound)', async () => {
  const [{ id: profileId }] = await t.db('profiles').insert({ tenant_id: tenantId, name: 'M365 c', calendar_system: 'graph' }).returning('id');
  const state = new URL(await beginAdminConsent(deps(), tenantId, profileId)).searchParams.get('state')!;
  await assert.rejects(
    completeUserConsent({ db: t.db, keyring, app, publicUrl: PUBLIC, fetch: h.fetch }, { state, code: 'x' }),
    (e: Error) => e instanceof ConsentError && e.code === 'unknown_state',
  );
});

test('per-user consent: only the link\'s own account connects it; the refresh token is sealed and works for Graph', async () => {
  const [{ id: profileId }] = await t.db('profiles')
    .insert({ tenant_id: tenantId, name: 'M365 per user', calendar_system: 'graph', connection: JSON.stringify({ mode: 'delegated' }) })
    .returning('id');
  const [{ id: linkId }] = await t.db('links').insert({ tenant_id: tenantId, profile_id: profileId, associate_id: 5, mailbox: ADA, state: 'pending' }).returning('id');
  const connected: string[] = [];
  const userDeps = { db: t.db, keyring, app, publicUrl: PUBLIC, fetch: h.fetch, connected: async (_t: string, l: string) => void connected.push(l) };

  // Someone else signs in on Ada's link: refused, nothing kept.
  const wrong = await consentPage(await beginUserConsent(userDeps, tenantId, linkId), { sim_consent: 'accept', sim_user: 'daniel.okafor@demo-company.example' });
  await assert.rejects(completeUserConsent(userDeps, { state: wrong.get('state')!, code: wrong.get('code')! }), (e: Error) => e instanceof ConsentError && e.code === 'wrong_account');
  assert.equal(await t.db('credentials').where({ owner_id: linkId, kind: GRAPH_REFRESH_TOKEN }).first(), undefined);

  const back = await consentPage(await beginUserConsent(userDeps, tenantId, linkId), { sim_consent: 'accept', sim_user: ADA });
  const done = await completeUserConsent(userDeps, { state: back.get('state')!, code: back.get('code')! });
  assert.equal(done.username.toLowerCase(), ADA);
  assert.deepEqual(connected, [linkId]);
  const link = await t.db('links').where({ id: linkId }).first('state', 'last_error');
  assert.equal(link.state, 'active');
  const cred = await t.db('credentials').where({ owner_id: linkId, kind: GRAPH_REFRESH_TOKEN }).first('ciphertext');
  assert.match(cred.ciphertext, /^v1\./, 'sealed');
  const profile = await t.db('profiles').where({ id: profileId }).first('connection');
  assert.equal(profile.connection.entraTenantId, h.sim.tenantId, 'the profile learnt the organisation');
  const side = await microsoft.calendars(
    { id: linkId, tenantId, associateId: 5, mailbox: ADA, direction: 'two_way', profileId, calendarSystem: 'graph' },
    { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') },
    undefined as never,
  );
  const page = await side.listChanges(null);
  assert.equal(page.complete, true);
});
