// The administrator's routes that reach SuperOffice and Microsoft 365, against both simulators:
// the match preview (users beside mailboxes, nothing saved), linking against the directory, the
// connection test and consent URL, user names in the grid, and restoring a deleted item.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { SuperOfficeApp } from '../helpers/superoffice-app.ts';
import { ADA, type GraphHarness } from '../providers/graph/harness.ts';
import { addItem, addProfile, servePanelApiWithProviders, type As, type PanelApi, type ProvidersPanelApi } from './harness.ts';

const CTX = 'Cust12345';
let env: ProvidersPanelApi;
let h: SuperOfficeApp;
let g: GraphHarness;
let api: PanelApi;
let admin: As;
let profileId: string;

before(async () => {
  env = await servePanelApiWithProviders();
  ({ h, g, api, profileId } = env);
  admin = { tenantId: h.tenantId, associateId: 5, admin: true };
});

after(() => env.close());

const snapshot = async () => ({
  links: await h.t.db('links').orderBy('id').select('id', 'state', 'mailbox', 'updated_at'),
  audit: Number((await h.t.db('audit_log').count<{ n: number }[]>('* as n'))[0]!.n),
  jobs: Number((await h.t.db('graphile_worker.jobs').count<{ n: number }[]>('* as n'))[0]!.n),
});

test('match preview: SuperOffice users beside the directory\'s mailboxes, matched by e-mail; nothing is saved', async () => {
  const before = await snapshot();
  const res = await api.call('GET', `/admin/profiles/${profileId}/match`, { as: admin });
  assert.equal(res.status, 200);
  const rows = new Map(res.body.rows.map((r: { associateId: number }) => [r.associateId, r]));
  assert.deepEqual(rows.get(5), { associateId: 5, userName: 'Ada Lindqvist', email: ADA, proposedMailbox: ADA, matchedBy: 'email', linkId: h.linkId, linkedMailbox: ADA, state: 'active' });
  assert.deepEqual(rows.get(8), { associateId: 8, userName: 'Daniel Okafor', email: 'daniel.okafor@demo-company.example', proposedMailbox: 'daniel.okafor@demo-company.example', matchedBy: 'email', linkId: null, linkedMailbox: null, state: null });
  assert.ok(res.body.mailboxes.some((m: { email: string; name: string }) => m.email === ADA && m.name.length > 0));
  assert.deepEqual(await snapshot(), before);
});

test('linking checks the mailbox against the directory; a known one links under its directory name', async () => {
  const res = await api.call('POST', `/admin/profiles/${profileId}/links`, {
    as: admin,
    body: { links: [{ associateId: 8, mailbox: 'DANIEL.OKAFOR@demo-company.example' }, { associateId: 7, mailbox: 'carla@elsewhere.example' }, { associateId: 4242, mailbox: ADA }] },
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.linked, 1);
  const errors = new Map(res.body.errors.map((e: { associateId: number; message: string }) => [e.associateId, e.message]));
  assert.match(errors.get(7) as string, /not a mailbox in your organisation's Microsoft 365 directory/);
  assert.match(errors.get(4242) as string, /SuperOffice user 4242 was not found/);
  const daniel = await h.t.db('links').where({ tenant_id: h.tenantId, associate_id: 8 }).first('mailbox', 'associate_email', 'state');
  assert.deepEqual(daniel, { mailbox: 'daniel.okafor@demo-company.example', associate_email: 'daniel.okafor@demo-company.example', state: 'pending' });
  const subscribe = await h.t.db('graphile_worker.jobs').where({ task_identifier: 'graph-subscribe' }).count<{ n: number }[]>('* as n');
  assert.ok(Number(subscribe[0]!.n) >= 1);
});

test('the status grid names users as SuperOffice does', async () => {
  const rows = (await api.call('GET', '/admin/status?sort=userName', { as: admin })).body.rows;
  assert.deepEqual(rows.map((r: { userName: string }) => r.userName), ['Ada Lindqvist', 'Daniel Okafor']);
});

test('connection test reads the directory and says how many users it found; a failure names the problem; consent gives Microsoft\'s URL', async () => {
  const ok = await api.call('POST', `/admin/profiles/${profileId}/test`, { as: admin });
  assert.equal(ok.body.ok, true);
  assert.ok(ok.body.users >= 4);
  assert.match(ok.body.message, new RegExp(`read ${ok.body.users} users`));

  g.sim.control.revokeAdminConsent({ expireTokens: true });
  const failed = await api.call('POST', `/admin/profiles/${profileId}/test`, { as: admin });
  g.sim.control.grantAdminConsent();
  assert.equal(failed.body.ok, false);
  assert.match(failed.body.message, /Reading the Microsoft 365 directory failed: .+/);
  const overview = await api.call('GET', '/admin/overview', { as: admin });
  assert.equal(overview.body.profiles[0].connection.state, 'failed');
  assert.equal((await api.call('POST', `/admin/profiles/${profileId}/test`, { as: admin })).body.ok, true);
  assert.equal((await api.call('GET', '/admin/overview', { as: admin })).body.profiles[0].connection.state, 'connected');

  const consent = await api.call('POST', `/admin/profiles/${profileId}/consent`, { as: admin });
  assert.equal(consent.status, 200);
  const url = new URL(consent.body.url);
  assert.match(url.pathname, /adminconsent/);
  assert.equal(url.searchParams.get('redirect_uri'), `${h.appUrl}/microsoft/admin-consent/callback`);
  const perUser = await addProfile(h.t.db, h.tenantId, { name: 'Per user', connection: { mode: 'delegated' } });
  assert.equal((await api.call('POST', `/admin/profiles/${perUser}/consent`, { as: admin })).status, 409);
  const perUserTest = await api.call('POST', `/admin/profiles/${perUser}/test`, { as: admin });
  assert.deepEqual(perUserTest.body, { ok: true, message: 'Each user connects their own calendar: 0 of 0 linked users have connected theirs.' });
});

test('restore writes a deleted appointment back to SuperOffice with its stable key; a passed window is refused', async () => {
  const start = new Date(Math.floor((Date.now() + 4 * 86_400_000) / 3_600_000) * 3_600_000);
  const event = {
    title: 'Restored review', description: 'Back again', location: 'Oslo', showAs: 'busy', private: false, attendees: [], crmLinks: {},
    timing: { allDay: false, start: { instant: start.toISOString(), timeZone: 'Europe/Oslo' }, end: { instant: new Date(start.getTime() + 3_600_000).toISOString(), timeZone: 'Europe/Oslo' } },
  };
  const id = await addItem(h.t.db, h.tenantId, h.linkId, { state: 'tombstone', tombstone: { side: 'superoffice', event } });
  const res = await api.call('POST', `/admin/deleted/${id}/restore`, { as: admin });
  assert.equal(res.status, 204, res.text);
  const restored = h.so.simulator.api.appointments(CTX).filter((a) => a.Title === 'Restored review');
  assert.equal(restored.length, 1);
  const row = await h.t.db('synced_items').where({ id }).first('state', 'so_id', 'ext_id', 'dirty');
  assert.deepEqual(row, { state: 'active', so_id: String(restored[0]!.AppointmentId), ext_id: null, dirty: true });
  assert.ok(await h.t.db('audit_log').where({ link_id: h.linkId, action: 'restore', actor: 'admin:associate:5' }).first());

  const expired = await addItem(h.t.db, h.tenantId, h.linkId, { state: 'tombstone', tombstone: { side: 'superoffice', event: { ...event, title: 'Too late' } }, restorableUntil: new Date(Date.now() - 1000) });
  const late = await api.call('POST', `/admin/deleted/${expired}/restore`, { as: admin });
  assert.equal(late.status, 409);
  assert.match(late.body.message, /30-day restore window/);
  assert.equal(h.so.simulator.api.appointments(CTX).filter((a) => a.Title === 'Too late').length, 0);
});
