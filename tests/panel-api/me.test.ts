// The signed-in user's routes on a real database: their own link (or none), its state in words and
// what to do, recent changes both ways, sync now, and their own preferences only when allowed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createQueue, type Queue } from '../../server/jobs/queue.ts';
import { createLogger } from '../../server/log.ts';
import { createKeyring } from '../../server/security/secrets.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';
import { addItem, addLink, addProfile, addTenant, queuedSyncs, servePanelApi, type As, type PanelApi } from './harness.ts';

let t: MigratedDatabase;
let queue: Queue;
let api: PanelApi;
let tenantId: string;
let otherTenant: string;

before(async () => {
  t = await migratedDatabase();
  queue = createQueue({ databaseUrl: t.url, db: t.db, log: createLogger('silent'), concurrency: 1, runWorker: false });
  await queue.start();
  api = await servePanelApi({ db: t.db, keyring: createKeyring(`k1:${Buffer.alloc(32, 3).toString('base64')}`), queue, publicUrl: 'http://app.test' });
  tenantId = await addTenant(t.db);
  otherTenant = await addTenant(t.db);
});

after(async () => {
  await api.close();
  await queue.stop(1000);
  await t.close();
});

const as = (associateId: number, tenant = tenantId): As => ({ tenantId: tenant, associateId, admin: false });

test('signed out is 401; a user without a link sees none and cannot sync', async () => {
  assert.equal((await api.call('GET', '/me')).status, 401);
  const res = await api.call('GET', '/me', { as: as(100) });
  assert.deepEqual(res.body, { link: null, recent: [], settings: null });
  const sync = await api.call('POST', '/me/sync', { as: as(100) });
  assert.equal(sync.status, 409);
  assert.match(sync.body.message, /not linked/);
});

test('a linked user sees their link, recent changes both ways and their settings; an unlinked one sees none; another tenant\'s same associate id does not count', async () => {
  const profileId = await addProfile(t.db, tenantId, { name: 'Microsoft 365', settings: { window: { daysAhead: 60 } } });
  const linkId = await addLink(t.db, tenantId, profileId, { associateId: 5, mailbox: 'ada@example.test', lastSyncAt: new Date('2026-02-01T08:00:00Z') });
  await addItem(t.db, tenantId, linkId);
  await addItem(t.db, tenantId, linkId);
  await t.db('audit_log').insert([
    { tenant_id: tenantId, link_id: linkId, actor: 'sync:webhook', action: 'create', side: 'calendar', item_id: 'e1', after: JSON.stringify({ title: 'Pilot review' }) },
    { tenant_id: tenantId, link_id: linkId, actor: 'sync:graph', action: 'delete', side: 'superoffice', item_id: '12', before: JSON.stringify({ title: 'Old lunch' }) },
    { tenant_id: tenantId, link_id: linkId, actor: 'admin:associate:1', action: 'link', after: JSON.stringify({ mailbox: 'ada@example.test' }) },
  ]);
  const otherProfile = await addProfile(t.db, otherTenant);
  await addLink(t.db, otherTenant, otherProfile, { associateId: 6, mailbox: 'not-mine@example.test' });

  const res = await api.call('GET', '/me', { as: as(5) });
  assert.equal(res.status, 200);
  const { link, recent, settings } = res.body;
  assert.equal(link.id, linkId);
  assert.equal(link.profileName, 'Microsoft 365');
  assert.equal(link.calendarSystem, 'graph');
  assert.equal(link.mailbox, 'ada@example.test');
  assert.equal(link.state, 'active');
  assert.equal(link.stateText, 'Syncing with Microsoft 365.');
  assert.equal(link.whatToDo, null);
  assert.equal(link.itemsSynced, 2);
  assert.equal(link.lastSyncAt, '2026-02-01T08:00:00.000Z');
  assert.equal(link.canReconnect, false);
  assert.deepEqual(recent.map((r: { direction: string; action: string; title: string }) => [r.direction, r.action, r.title]), [
    ['to_superoffice', 'deleted', 'Old lunch'],
    ['to_calendar', 'created', 'Pilot review'],
  ]);
  assert.equal(settings.mayEdit, false);
  assert.equal(settings.effective.window.daysAhead, 60);
  assert.equal(settings.defaults.window.daysAhead, 60);
  assert.deepEqual(settings.overrides, {});

  assert.deepEqual((await api.call('GET', '/me', { as: as(6) })).body.link, null);
  await t.db('links').where({ id: linkId }).update({ state: 'unlinked' });
  assert.deepEqual((await api.call('GET', '/me', { as: as(5) })).body, { link: null, recent: [], settings: null });
  await t.db('links').where({ id: linkId }).update({ state: 'active' });
});

test('a stopped link says why and who must act: the user on a per-user profile, the administrator for the organisation\'s consent', async () => {
  const perUser = await addProfile(t.db, tenantId, { name: 'Per user', connection: { mode: 'delegated' } });
  await addLink(t.db, tenantId, perUser, { associateId: 7, state: 'needs_reconnect', lastError: 'The calendar refused access (invalid_grant: the refresh token expired). The user needs to reconnect.' });
  const mine = (await api.call('GET', '/me', { as: as(7) })).body.link;
  assert.match(mine.stateText, /invalid_grant/);
  assert.match(mine.whatToDo, /Reconnect/);
  // No Microsoft 365 on this server: the button would lead nowhere.
  assert.equal(mine.canReconnect, false);
  const connect = await api.call('POST', '/me/connect', { as: as(7) });
  assert.equal(connect.status, 409);
  assert.match(connect.body.message, /Microsoft 365 is not configured/);

  const tenantWide = await addProfile(t.db, tenantId, { name: 'Tenant wide' });
  await addLink(t.db, tenantId, tenantWide, { associateId: 8, state: 'needs_reconnect', lastError: 'The calendar refused access (AADSTS65001).' });
  const theirs = (await api.call('GET', '/me', { as: as(8) })).body.link;
  assert.match(theirs.whatToDo, /administrator must grant/);
  assert.equal((await api.call('POST', '/me/connect', { as: as(8) })).status, 409);
});

test('sync now queues the user\'s own link', async () => {
  const link = await t.db('links').where({ tenant_id: tenantId, associate_id: 5 }).first('id');
  assert.deepEqual((await api.call('POST', '/me/sync', { as: as(5) })).body, { queued: true });
  assert.ok((await queuedSyncs(t.db)).includes(link.id));
});

test('own preferences: refused unless the profile lets users edit; checked by the overrides schema; administrator-only keys refused', async () => {
  const link = await t.db('links').where({ tenant_id: tenantId, associate_id: 5 }).first('id', 'profile_id');
  const refused = await api.call('PATCH', '/me/settings', { as: as(5), body: { overrides: { window: { daysBack: 7 } } } });
  assert.equal(refused.status, 403);
  assert.match(refused.body.message, /not allowed users to change/);
  assert.deepEqual((await t.db('links').where({ id: link.id }).first('settings')).settings, {});

  await t.db('profiles').where({ id: link.profile_id }).update({ settings: JSON.stringify({ window: { daysAhead: 60 }, usersMayEdit: true }) });
  const invalid = await api.call('PATCH', '/me/settings', { as: as(5), body: { overrides: { window: { daysAhead: 0 }, colour: 'red' } } });
  assert.equal(invalid.status, 422);
  assert.deepEqual(invalid.body.issues.map((i: { path: string }) => i.path).sort(), ['overrides.colour', 'overrides.window.daysAhead']);
  const adminOnly = await api.call('PATCH', '/me/settings', { as: as(5), body: { overrides: { usersMayEdit: false } } });
  assert.equal(adminOnly.status, 422);
  assert.equal(adminOnly.body.issues[0].path, 'overrides.usersMayEdit');

  const ok = await api.call('PATCH', '/me/settings', { as: as(5), body: { overrides: { window: { daysBack: 7 }, reminders: { toCalendar: false } } } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.settings.mayEdit, true);
  assert.deepEqual(ok.body.settings.overrides, { window: { daysBack: 7 }, reminders: { toCalendar: false } });
  assert.deepEqual(ok.body.settings.effective.window, { daysBack: 7, daysAhead: 60 });
  assert.equal(ok.body.settings.defaults.window.daysBack, 30);
  assert.ok(await t.db('audit_log').where({ link_id: link.id, action: 'user_settings', actor: 'user:associate:5' }).first());
  assert.ok((await queuedSyncs(t.db)).includes(link.id));
});
