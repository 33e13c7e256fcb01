// The administrator's routes of the panel API on a real database, without SuperOffice or Microsoft
// configured: refusal for non-administrators, tenant isolation, profiles and their settings,
// linking within the seats, unlink and relink, pause and resume, the status grid and its CSV, sync
// now, deletions, the audit log and the deleted items.
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
let tenantA: string;
let tenantB: string;
let admin: As;
let user: As;
let foreignProfile: string;
let foreignLink: string;

before(async () => {
  t = await migratedDatabase();
  queue = createQueue({ databaseUrl: t.url, db: t.db, log: createLogger('silent'), concurrency: 1, runWorker: false });
  await queue.start();
  api = await servePanelApi({ db: t.db, keyring: createKeyring(`k1:${Buffer.alloc(32, 9).toString('base64')}`), queue, publicUrl: 'http://app.test' });
  tenantA = await addTenant(t.db, { ctx: 'CustA', name: 'Alpha AS', subscription: 'active', seats: 3 });
  tenantB = await addTenant(t.db, { ctx: 'CustB', name: 'Beta AS' });
  admin = { tenantId: tenantA, associateId: 1, admin: true };
  user = { tenantId: tenantA, associateId: 2, admin: false };
  foreignProfile = await addProfile(t.db, tenantB, { name: 'Beta 365' });
  foreignLink = await addLink(t.db, tenantB, foreignProfile, { associateId: 50, email: 'secret@beta.test', mailbox: 'secret@beta.test' });
});

after(async () => {
  await api.close();
  await queue.stop(1000);
  await t.close();
});

test('signed out answers 401; a non-administrator is refused every administrator route with 403 not_administrator', async () => {
  const out = await api.call('GET', '/admin/overview');
  assert.equal(out.status, 401);
  assert.equal(out.body.error, 'signed_out');
  const routes: Array<[string, string, unknown?]> = [
    ['GET', '/admin/overview'],
    ['POST', '/admin/profiles', { calendarSystem: 'graph', name: 'x' }],
    ['GET', `/admin/profiles/${foreignProfile}`],
    ['PATCH', `/admin/profiles/${foreignProfile}`, { name: 'y' }],
    ['POST', `/admin/profiles/${foreignProfile}/links`, { links: [{ associateId: 3, mailbox: 'a@b.test' }] }],
    ['DELETE', `/admin/links/${foreignLink}`],
    ['POST', '/admin/links/sync', { linkIds: [foreignLink] }],
    ['POST', `/admin/links/${foreignLink}/pause`],
    ['POST', `/admin/links/${foreignLink}/resume`],
    ['GET', '/admin/status'],
    ['GET', '/admin/status.csv'],
    ['GET', '/admin/audit'],
    ['GET', '/admin/deleted'],
  ];
  for (const [method, path, body] of routes) {
    const res = await api.call(method, path, { as: user, body });
    assert.equal(res.status, 403, `${method} ${path}`);
    assert.equal(res.body.error, 'not_administrator');
    assert.match(res.body.message, /Only a SuperOffice administrator/);
  }
  assert.equal((await t.db('profiles').where({ name: 'x' })).length, 0);
  assert.equal((await t.db('links').where({ id: foreignLink }).first('state')).state, 'active');
});

test('overview: the tenant, its seats and only its own profiles; the calendar systems with their availability', async () => {
  const profileId = await addProfile(t.db, tenantA, { name: 'Overview 365' });
  await addLink(t.db, tenantA, profileId, { associateId: 90 });
  await addLink(t.db, tenantA, profileId, { associateId: 91, state: 'unlinked' });
  const res = await api.call('GET', '/admin/overview', { as: admin });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.tenant, { contextIdentifier: 'CustA', name: 'Alpha AS', subscriptionState: 'active', seats: { used: 1, total: 3 }, webhookMessage: null });
  assert.deepEqual(res.body.profiles.map((p: { name: string }) => p.name), ['Overview 365']);
  assert.equal(res.body.profiles[0].linkedUsers, 1);
  assert.deepEqual(res.body.profiles[0].connection, { state: 'not_connected', mode: 'tenant', verifiedAt: null, message: res.body.profiles[0].connection.message });
  assert.deepEqual(res.body.calendarSystems.map((s: { id: string; available: boolean }) => [s.id, s.available]), [['graph', true], ['ews', false], ['google', false]]);
  await t.db('links').where({ tenant_id: tenantA }).delete();
  await t.db('profiles').where({ id: profileId }).delete();
});

test('overview: while SuperOffice refuses the webhook, the words provisioning stored are shown to this tenant\'s administrator only', async () => {
  const words = 'SuperOffice has not given Calendar Sync access to webhooks for this customer.';
  await t.db('tenants').where({ id: tenantB }).update({ webhook_message: words });
  try {
    assert.equal((await api.call('GET', '/admin/overview', { as: admin })).body.tenant.webhookMessage, null);
    await t.db('tenants').where({ id: tenantA }).update({ webhook_message: words });
    assert.equal((await api.call('GET', '/admin/overview', { as: admin })).body.tenant.webhookMessage, words);
  } finally {
    await t.db('tenants').whereIn('id', [tenantA, tenantB]).update({ webhook_message: null });
  }
});

test('profiles: create, read with defaults, change; invalid settings answer 422 naming the field; another tenant\'s profile is 404', async () => {
  const bad = await api.call('POST', '/admin/profiles', { as: admin, body: { calendarSystem: 'outlook', name: '' } });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.issues.map((i: { path: string }) => i.path).sort(), ['calendarSystem', 'name']);
  const ews = await api.call('POST', '/admin/profiles', { as: admin, body: { calendarSystem: 'ews', name: 'Exchange' } });
  assert.equal(ews.status, 409);
  assert.match(ews.body.message, /Exchange Server is not available/);

  const made = await api.call('POST', '/admin/profiles', { as: admin, body: { calendarSystem: 'graph', name: 'Microsoft 365', mode: 'per_user' } });
  assert.equal(made.status, 201);
  assert.equal(made.body.calendarSystem, 'graph');
  assert.equal(made.body.connection.mode, 'per_user');
  const id = made.body.id as string;
  assert.equal((await api.call('POST', '/admin/profiles', { as: admin, body: { calendarSystem: 'graph', name: 'Microsoft 365' } })).status, 409);

  const read = await api.call('GET', `/admin/profiles/${id}`, { as: admin });
  assert.deepEqual(read.body.settings, {});
  assert.equal(read.body.defaults.window.daysAhead, 180);

  const invalid = await api.call('PATCH', `/admin/profiles/${id}`, { as: admin, body: { settings: { window: { daysAhead: 0 }, windw: 3, subjectTemplate: 'no title' } } });
  assert.equal(invalid.status, 422);
  assert.equal(invalid.body.error, 'invalid');
  assert.deepEqual(invalid.body.issues.map((i: { path: string }) => i.path).sort(), ['settings.subjectTemplate', 'settings.window.daysAhead', 'settings.windw']);
  assert.deepEqual((await t.db('profiles').where({ id }).first('settings')).settings, {});

  const changed = await api.call('PATCH', `/admin/profiles/${id}`, { as: admin, body: { name: 'M365 (users)', enabled: false, settings: { window: { daysAhead: 30 } } } });
  assert.equal(changed.status, 200);
  assert.equal(changed.body.name, 'M365 (users)');
  assert.equal(changed.body.enabled, false);
  assert.deepEqual(changed.body.settings, { window: { daysAhead: 30 } });
  const audit = await t.db('audit_log').where({ tenant_id: tenantA, action: 'profile_update' }).first('actor');
  assert.equal(audit.actor, 'admin:associate:1');

  for (const [method, path] of [['GET', `/admin/profiles/${foreignProfile}`], ['PATCH', `/admin/profiles/${foreignProfile}`], ['POST', `/admin/profiles/${foreignProfile}/test`], ['GET', '/admin/profiles/not-a-uuid']]) {
    const res = await api.call(method!, path!, { as: admin, body: method === 'PATCH' ? { name: 'stolen' } : undefined });
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.equal(res.body.error, 'not_found');
  }
  assert.equal((await t.db('profiles').where({ id: foreignProfile }).first('name')).name, 'Beta 365');
  // Without Microsoft configured, the consent says so instead of failing obscurely.
  const consent = await api.call('POST', `/admin/profiles/${made.body.id}/consent`, { as: admin });
  assert.equal(consent.status, 409);
  await t.db('profiles').where({ id }).delete();
});

test('a profile change overwrites users\' own choices of the changed settings when the profile says so', async () => {
  const profileId = await addProfile(t.db, tenantA, { name: 'Overrides', settings: { window: { daysAhead: 60 } } });
  const linkId = await addLink(t.db, tenantA, profileId, { associateId: 80, settings: { window: { daysBack: 3 }, reminders: { toCalendar: false } } });
  const res = await api.call('PATCH', `/admin/profiles/${profileId}`, { as: admin, body: { settings: { window: { daysAhead: 90 }, profileOverridesUsers: true } } });
  assert.equal(res.status, 200);
  assert.deepEqual((await t.db('links').where({ id: linkId }).first('settings')).settings, { reminders: { toCalendar: false } });
  await t.db('links').where({ id: linkId }).delete();
  await t.db('profiles').where({ id: profileId }).delete();
});

test('linking: within the seats, the others still link; bad addresses and a mailbox taken by another user are refused', async () => {
  const profileId = await addProfile(t.db, tenantA, { name: 'Seats' });
  await addLink(t.db, tenantA, profileId, { associateId: 10, mailbox: 'taken@alpha.test' });
  const res = await api.call('POST', `/admin/profiles/${profileId}/links`, {
    as: admin,
    body: {
      links: [
        { associateId: 11, mailbox: 'eleven@alpha.test' },
        { associateId: 12, mailbox: 'not an address' },
        { associateId: 13, mailbox: 'TAKEN@alpha.test' },
        { associateId: 14, mailbox: 'fourteen@alpha.test' },
        { associateId: 15, mailbox: 'fifteen@alpha.test' },
      ],
    },
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.linked, 2);
  const errors = new Map(res.body.errors.map((e: { associateId: number; message: string }) => [e.associateId, e.message]));
  assert.match(errors.get(12) as string, /not an e-mail address/);
  assert.match(errors.get(13) as string, /already linked to SuperOffice user 10/);
  assert.match(errors.get(15) as string, /All 3 seats .* are in use/);
  assert.equal(errors.size, 3);
  const links = await t.db('links').where({ tenant_id: tenantA, profile_id: profileId }).orderBy('associate_id').select('associate_id', 'state', 'id');
  assert.deepEqual(links.map((l) => [l.associate_id, l.state]), [[10, 'active'], [11, 'pending'], [14, 'pending']]);
  const queued = await queuedSyncs(t.db);
  assert.ok(queued.includes(links[1]!.id) && queued.includes(links[2]!.id));
  assert.equal((await t.db('audit_log').where({ tenant_id: tenantA, action: 'link', actor: 'admin:associate:1' })).length, 2);
  await t.db('links').where({ tenant_id: tenantA }).delete();
  await t.db('profiles').where({ id: profileId }).delete();
});

test('unlink stops the link and keeps its items; relinking the same mailbox keeps them (no duplicates); another tenant\'s link is 404', async () => {
  const profileId = await addProfile(t.db, tenantA, { name: 'Relink' });
  const linkId = await addLink(t.db, tenantA, profileId, { associateId: 20, mailbox: 'twenty@alpha.test' });
  const items = [await addItem(t.db, tenantA, linkId), await addItem(t.db, tenantA, linkId)];
  assert.equal((await api.call('DELETE', `/admin/links/${foreignLink}`, { as: admin })).status, 404);
  assert.equal((await t.db('links').where({ id: foreignLink }).first('state')).state, 'active');

  assert.equal((await api.call('DELETE', `/admin/links/${linkId}`, { as: admin })).status, 204);
  assert.equal((await t.db('links').where({ id: linkId }).first('state')).state, 'unlinked');
  assert.equal((await t.db('synced_items').where({ link_id: linkId })).length, 2);
  assert.equal((await api.call('GET', '/admin/overview', { as: admin })).body.tenant.seats.used, 0);
  assert.deepEqual((await api.call('GET', '/admin/status', { as: admin })).body.rows, []);
  assert.equal((await api.call('GET', '/admin/status?state=unlinked', { as: admin })).body.rows[0].linkId, linkId);

  const again = await api.call('POST', `/admin/profiles/${profileId}/links`, { as: admin, body: { links: [{ associateId: 20, mailbox: 'Twenty@alpha.test' }] } });
  assert.deepEqual(again.body, { linked: 1, errors: [] });
  const link = await t.db('links').where({ tenant_id: tenantA, associate_id: 20 }).select('id', 'state');
  assert.deepEqual(link, [{ id: linkId, state: 'pending' }]);
  assert.deepEqual((await t.db('synced_items').where({ link_id: linkId }).pluck('id')).sort(), items.sort());
  assert.ok(await t.db('audit_log').where({ link_id: linkId, action: 'unlink', actor: 'admin:associate:1' }).first());
  await t.db('links').where({ tenant_id: tenantA }).delete();
  await t.db('profiles').where({ id: profileId }).delete();
});

test('pause stops a link until resume sets it active again and queues a sync; both audited; unlinked is 409; another tenant\'s link is 404', async () => {
  const profileId = await addProfile(t.db, tenantA, { name: 'Pause' });
  const linkId = await addLink(t.db, tenantA, profileId, { associateId: 25, state: 'error', lastError: 'Graph said 500' });
  const gone = await addLink(t.db, tenantA, profileId, { associateId: 26, state: 'unlinked' });

  for (const verb of ['pause', 'resume']) {
    const foreign = await api.call('POST', `/admin/links/${foreignLink}/${verb}`, { as: admin });
    assert.equal(foreign.status, 404, verb);
    assert.equal(foreign.body.error, 'not_found');
  }
  assert.equal((await t.db('links').where({ id: foreignLink }).first('state')).state, 'active');
  assert.ok(!(await queuedSyncs(t.db)).includes(foreignLink));

  const paused = await api.call('POST', `/admin/links/${linkId}/pause`, { as: admin });
  assert.equal(paused.status, 200);
  assert.equal(paused.body.linkId, linkId);
  assert.equal(paused.body.state, 'paused');
  assert.equal(paused.body.stateText, 'Paused by an administrator.');
  assert.equal((await t.db('links').where({ id: linkId }).first('state')).state, 'paused');
  const pauseAudit = await t.db('audit_log').where({ link_id: linkId, action: 'pause' }).select('actor', 'before');
  assert.deepEqual(pauseAudit, [{ actor: 'admin:associate:1', before: { state: 'error' } }]);
  // Pausing again changes nothing and writes no second entry.
  assert.equal((await api.call('POST', `/admin/links/${linkId}/pause`, { as: admin })).body.state, 'paused');
  assert.equal((await t.db('audit_log').where({ link_id: linkId, action: 'pause' })).length, 1);
  assert.equal((await api.call('GET', '/admin/status?state=paused', { as: admin })).body.rows[0].linkId, linkId);

  assert.ok(!(await queuedSyncs(t.db)).includes(linkId));
  const resumed = await api.call('POST', `/admin/links/${linkId}/resume`, { as: admin });
  assert.equal(resumed.status, 200);
  assert.equal(resumed.body.state, 'active');
  assert.equal(resumed.body.lastError, null);
  assert.deepEqual(await t.db('links').where({ id: linkId }).first('state', 'last_error'), { state: 'active', last_error: null });
  assert.ok((await queuedSyncs(t.db)).includes(linkId), 'resume queues a sync');
  assert.ok(await t.db('audit_log').where({ link_id: linkId, action: 'resume', actor: 'admin:associate:1' }).first());

  const notPaused = await api.call('POST', `/admin/links/${linkId}/resume`, { as: admin });
  assert.equal(notPaused.status, 409);
  assert.equal(notPaused.body.error, 'conflict');
  assert.match(notPaused.body.message, /not paused/);
  const unlinked = await api.call('POST', `/admin/links/${gone}/pause`, { as: admin });
  assert.equal(unlinked.status, 409);
  assert.equal(unlinked.body.error, 'conflict');
  assert.match(unlinked.body.message, /not linked/);
  assert.equal((await t.db('links').where({ id: gone }).first('state')).state, 'unlinked');
  await t.db('links').where({ tenant_id: tenantA }).delete();
  await t.db('profiles').where({ id: profileId }).delete();
});

test('status: counts, sorting, filtering and search on the server; never another tenant\'s links; CSV with quoting and formula cells defused', async () => {
  const p1 = await addProfile(t.db, tenantA, { name: 'Grid one' });
  const p2 = await addProfile(t.db, tenantA, { name: 'Grid two' });
  const a = await addLink(t.db, tenantA, p1, { associateId: 31, email: 'anna@alpha.test', mailbox: 'anna@alpha.test', lastSyncAt: new Date('2026-01-01T10:00:00Z') });
  const b = await addLink(t.db, tenantA, p1, { associateId: 32, email: 'bo@alpha.test', mailbox: 'bo@alpha.test', state: 'error', lastError: '=HYPERLINK("http://evil.test","click"), then more' });
  const cId = await addLink(t.db, tenantA, p2, { associateId: 33, email: 'cy@alpha.test', mailbox: 'cy@alpha.test', state: 'needs_reconnect', lastError: 'The calendar refused access (AADSTS65001).' });
  for (let i = 0; i < 3; i++) await addItem(t.db, tenantA, a);
  await addItem(t.db, tenantA, a, { lastError: 'Graph said 503' });
  await addItem(t.db, tenantA, a, { dirty: true });
  await addItem(t.db, tenantA, b);
  await addItem(t.db, tenantA, b, { state: 'tombstone', tombstone: { side: 'calendar', event: null } });

  const all = await api.call('GET', '/admin/status?sort=itemsSynced&order=desc', { as: admin });
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.rows.map((r: { linkId: string }) => r.linkId), [a, b, cId]);
  assert.ok(!all.text.includes('secret@beta.test'));
  const rowA = all.body.rows[0];
  assert.equal(rowA.itemsSynced, 5);
  assert.equal(rowA.pending, 2);
  assert.equal(rowA.userName, 'anna@alpha.test');
  assert.equal(rowA.profileName, 'Grid one');
  assert.equal(rowA.lastSyncAt, '2026-01-01T10:00:00.000Z');
  assert.equal(rowA.stateText, 'Syncing with Microsoft 365.');
  // A Microsoft 365 link that syncs is polled on the half hour once it has not synced for 25 minutes.
  assert.ok(rowA.nextSyncAt && Date.parse(rowA.nextSyncAt) % 1_800_000 === 0);
  const rowC = all.body.rows[2];
  assert.match(rowC.stateText, /AADSTS65001/);

  const byMailbox = await api.call('GET', '/admin/status?sort=mailbox&order=desc', { as: admin });
  assert.deepEqual(byMailbox.body.rows.map((r: { mailbox: string }) => r.mailbox), ['cy@alpha.test', 'bo@alpha.test', 'anna@alpha.test']);
  assert.deepEqual((await api.call('GET', '/admin/status?state=error,needs_reconnect', { as: admin })).body.rows.map((r: { linkId: string }) => r.linkId).sort(), [b, cId].sort());
  assert.deepEqual((await api.call('GET', `/admin/status?profileId=${p2}`, { as: admin })).body.rows.map((r: { linkId: string }) => r.linkId), [cId]);
  assert.deepEqual((await api.call('GET', '/admin/status?q=AADSTS', { as: admin })).body.rows.map((r: { linkId: string }) => r.linkId), [cId]);
  assert.deepEqual((await api.call('GET', `/admin/status?profileId=${foreignProfile}`, { as: admin })).body.rows, []);
  const badSort = await api.call('GET', '/admin/status?sort=password', { as: admin });
  assert.equal(badSort.status, 422);
  assert.equal(badSort.body.issues[0].path, 'sort');

  const csv = await api.call('GET', '/admin/status.csv?sort=userName', { as: admin });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
  assert.match(csv.headers.get('content-disposition') ?? '', /^attachment; filename="?calendar-sync-status\.csv"?$/);
  const lines = csv.text.split('\r\n');
  assert.equal(lines[0], 'SuperOffice user,E-mail,Mailbox,Profile,State,State in words,Last sync,Next sync,Items synced,Pending,Last error');
  assert.equal(lines.length, 5);
  assert.equal(lines[4], '');
  const bo = lines.find((l) => l.startsWith('bo@alpha.test'))!;
  assert.ok(bo.endsWith(`,1,0,"'=HYPERLINK(""http://evil.test"",""click""), then more"`), bo);
  assert.ok(!csv.text.includes('secret@beta.test'));
  await t.db('links').where({ tenant_id: tenantA }).delete();
  await t.db('profiles').whereIn('id', [p1, p2]).delete();
});

test('sync now queues the links\' syncs; a link of another tenant in the selection is 404 and queues nothing; a link\'s own settings are checked', async () => {
  const profileId = await addProfile(t.db, tenantA, { name: 'Sync now' });
  const one = await addLink(t.db, tenantA, profileId, { associateId: 41 });
  const two = await addLink(t.db, tenantA, profileId, { associateId: 42 });
  const foreign = await api.call('POST', '/admin/links/sync', { as: admin, body: { linkIds: [one, foreignLink] } });
  assert.equal(foreign.status, 404);
  assert.ok(!(await queuedSyncs(t.db)).includes(one));
  assert.equal((await api.call('POST', '/admin/links/sync', { as: admin, body: { linkIds: ['nope'] } })).status, 422);
  const res = await api.call('POST', '/admin/links/sync', { as: admin, body: { linkIds: [one, two] } });
  assert.deepEqual(res.body, { queued: 2 });
  const queued = await queuedSyncs(t.db);
  assert.ok(queued.includes(one) && queued.includes(two) && !queued.includes(foreignLink));

  const invalid = await api.call('PATCH', `/admin/links/${one}`, { as: admin, body: { direction: 'sideways', overrides: { window: { daysBack: -1 } } } });
  assert.equal(invalid.status, 422);
  assert.deepEqual(invalid.body.issues.map((i: { path: string }) => i.path).sort(), ['direction', 'overrides.window.daysBack']);
  const changed = await api.call('PATCH', `/admin/links/${one}`, { as: admin, body: { direction: 'to_calendar', overrides: { filters: { private: false } } } });
  assert.equal(changed.status, 200);
  assert.equal(changed.body.linkId, one);
  assert.equal(changed.body.direction, 'to_calendar');
  assert.deepEqual(changed.body.overrides, { filters: { private: false } });
  assert.equal((await api.call('PATCH', `/admin/links/${foreignLink}`, { as: admin, body: { direction: 'off' } })).status, 404);
  assert.equal((await t.db('links').where({ id: foreignLink }).first('direction')).direction, null, 'untouched: still as the settings say');
  await t.db('links').where({ tenant_id: tenantA }).delete();
  await t.db('profiles').where({ id: profileId }).delete();
});

test('deletions held back: listed, confirmed or rejected by the administrator; nothing to confirm is 409', async () => {
  const profileId = await addProfile(t.db, tenantA, { name: 'Deletions' });
  const pending = [
    { kind: 'delete', side: 'calendar', reason: 'deleted_on_other_side', stableKey: 'k1', targetId: 'ext-1', ifVersion: 'v1', title: 'Board meeting', start: '2026-03-01T09:00:00.000Z' },
    { kind: 'delete', side: 'calendar', reason: 'deleted_on_other_side', stableKey: 'k2', targetId: 'ext-2', ifVersion: 'v2' },
  ];
  const held = async (associateId: number) => {
    const id = await addLink(t.db, tenantA, profileId, { associateId, state: 'needs_confirmation' });
    await t.db('links').where({ id }).update({ pending_deletions: JSON.stringify(pending) });
    return id;
  };
  const one = await held(51);
  const two = await held(52);
  const list = await api.call('GET', `/admin/links/${one}/deletions`, { as: admin });
  assert.deepEqual(list.body.items, [
    { side: 'calendar', itemId: 'ext-1', title: 'Board meeting', start: '2026-03-01T09:00:00.000Z' },
    { side: 'calendar', itemId: 'ext-2', title: '(no title)', start: null },
  ]);
  assert.deepEqual((await api.call('POST', `/admin/links/${one}/deletions/confirm`, { as: admin })).body, { count: 2 });
  const confirmed = await t.db('links').where({ id: one }).first('state', 'confirm_deletions');
  assert.deepEqual(confirmed, { state: 'active', confirm_deletions: true });
  assert.deepEqual((await api.call('POST', `/admin/links/${two}/deletions/reject`, { as: admin })).body, { count: 2 });
  assert.deepEqual(await t.db('links').where({ id: two }).first('state', 'pending_deletions'), { state: 'active', pending_deletions: null });
  const again = await api.call('POST', `/admin/links/${two}/deletions/confirm`, { as: admin });
  assert.equal(again.status, 409);
  assert.equal(again.body.error, 'conflict');
  assert.ok(await t.db('audit_log').where({ link_id: one, action: 'confirm_deletions', actor: 'admin:associate:1' }).first());
  assert.ok((await queuedSyncs(t.db)).includes(one));
  assert.equal((await api.call('GET', `/admin/links/${foreignLink}/deletions`, { as: admin })).status, 404);
  await t.db('links').where({ tenant_id: tenantA }).delete();
  await t.db('profiles').where({ id: profileId }).delete();
});

test('audit: newest first by id, paged, filtered by link and by appointment (its own rows and its calendar copy\'s); titles from the snapshots', async () => {
  const profileId = await addProfile(t.db, tenantA, { name: 'Audit' });
  const one = await addLink(t.db, tenantA, profileId, { associateId: 61, email: 'sixty-one@alpha.test' });
  const two = await addLink(t.db, tenantA, profileId, { associateId: 62 });
  await addItem(t.db, tenantA, one, { soId: '777', extId: 'ext-777' });
  const row = (link: string, side: string, item: string, action: string, title: string | null) => ({
    tenant_id: tenantA, link_id: link, actor: 'sync:webhook', action, side, item_id: item,
    after: action === 'delete' ? null : JSON.stringify({ title }), before: action === 'delete' ? JSON.stringify({ title }) : null,
  });
  const ids: number[] = (
    await t.db('audit_log')
      .insert([
        row(one, 'calendar', 'ext-777', 'create', 'Pilot review'),
        row(one, 'superoffice', '777', 'update', 'Pilot review (moved)'),
        row(one, 'superoffice', '778', 'update', 'Another'),
        row(two, 'calendar', 'ext-9', 'delete', 'Gone'),
        { tenant_id: tenantB, link_id: foreignLink, actor: 'sync:poll', action: 'update', side: 'superoffice', item_id: '777', after: JSON.stringify({ title: 'Beta secret' }) },
      ])
      .returning('id')
  ).map((r: { id: number }) => r.id);

  const all = await api.call('GET', '/admin/audit?limit=200', { as: admin });
  assert.ok(!all.text.includes('Beta secret'));
  const mine = all.body.entries.filter((e: { id: number }) => ids.includes(e.id));
  assert.deepEqual(mine.map((e: { id: number }) => e.id), ids.slice(0, 4).reverse());
  assert.deepEqual(mine[0], { id: ids[3], at: mine[0].at, actor: 'sync:webhook', action: 'delete', linkId: two, userName: 'user62@example.test', side: 'calendar', itemId: 'ext-9', title: 'Gone', reason: null });

  const byAppointment = await api.call('GET', '/admin/audit?appointmentId=777', { as: admin });
  assert.deepEqual(byAppointment.body.entries.map((e: { title: string }) => e.title), ['Pilot review (moved)', 'Pilot review']);
  const byLink = await api.call('GET', `/admin/audit?linkId=${two}`, { as: admin });
  assert.deepEqual(byLink.body.entries.map((e: { id: number }) => e.id), [ids[3]]);
  assert.equal((await api.call('GET', `/admin/audit?linkId=${foreignLink}`, { as: admin })).status, 404);

  const page1 = await api.call('GET', `/admin/audit?linkId=${one}&limit=2`, { as: admin });
  assert.deepEqual(page1.body.entries.map((e: { id: number }) => e.id), [ids[2], ids[1]]);
  assert.equal(page1.body.nextBefore, ids[1]);
  const page2 = await api.call('GET', `/admin/audit?linkId=${one}&limit=2&before=${page1.body.nextBefore}`, { as: admin });
  assert.deepEqual(page2.body.entries.map((e: { id: number }) => e.id), [ids[0]]);
  assert.equal(page2.body.nextBefore, null);
  await t.db('links').where({ tenant_id: tenantA }).delete();
  await t.db('profiles').where({ id: profileId }).delete();
});

test('deleted items: only the tenant\'s restorable ones are listed; restoring another tenant\'s is 404; without SuperOffice restore says so', async () => {
  const profileId = await addProfile(t.db, tenantA, { name: 'Deleted' });
  const linkId = await addLink(t.db, tenantA, profileId, { associateId: 71, email: 'seventy-one@alpha.test' });
  const event = { title: 'Kick-off', description: '', location: '', timing: { allDay: true, startDate: '2026-05-04', endDate: '2026-05-05' }, showAs: 'busy', private: false, attendees: [], crmLinks: {} };
  const restorable = await addItem(t.db, tenantA, linkId, { state: 'tombstone', tombstone: { side: 'superoffice', event } });
  await addItem(t.db, tenantA, linkId, { state: 'tombstone', tombstone: { side: 'superoffice', event }, restorableUntil: new Date(Date.now() - 1000) });
  await addItem(t.db, tenantA, linkId, { state: 'tombstone', tombstone: { side: 'calendar', event: null } });
  const foreignItem = await addItem(t.db, tenantB, foreignLink, { state: 'tombstone', tombstone: { side: 'superoffice', event: { ...event, title: 'Beta secret' } } });

  const res = await api.call('GET', '/admin/deleted', { as: admin });
  assert.equal(res.body.items.length, 1);
  assert.deepEqual({ ...res.body.items[0], deletedAt: 'x', restorableUntil: 'x' }, {
    id: restorable, linkId, userName: 'seventy-one@alpha.test', title: 'Kick-off', start: '2026-05-04', deletedAt: 'x', restorableUntil: 'x', deletedOn: 'calendar',
  });
  assert.equal((await api.call('GET', `/admin/deleted?linkId=${foreignLink}`, { as: admin })).status, 404);
  assert.equal((await api.call('POST', `/admin/deleted/${foreignItem}/restore`, { as: admin })).status, 404);
  const noSuperOffice = await api.call('POST', `/admin/deleted/${restorable}/restore`, { as: admin });
  assert.equal(noSuperOffice.status, 409);
  assert.match(noSuperOffice.body.message, /SuperOffice is not configured/);
  await t.db('links').where({ tenant_id: tenantA }).delete();
  await t.db('profiles').where({ id: profileId }).delete();
});
