// The appointment passport against the SuperOffice simulator (appointments read through the SDK as
// the tenant's system user) and the Microsoft 365 simulator (the calendar item's web link): why an
// appointment is not synced (owner not linked, outside the window, a filtered type, private, not
// yet), a synced one with its calendar item, and "sync now" for its owner's link. Only the owner,
// or others for public appointments when an administrator allows it, gets an answer; everyone else
// the 404 of an unknown appointment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { SuperOfficeApp } from '../helpers/superoffice-app.ts';
import { ADA, type GraphHarness } from '../providers/graph/harness.ts';
import { queuedSyncs, servePanelApiWithProviders, type As, type PanelApi, type ProvidersPanelApi } from './harness.ts';

const CTX = 'Cust12345';
const DAY = 86_400_000;
let env: ProvidersPanelApi;
let h: SuperOfficeApp;
let g: GraphHarness;
let api: PanelApi;
let user: As;
/** Ada, the owner of the demo link (associate 5). */
let ada: As;
let profileId: string;

before(async () => {
  env = await servePanelApiWithProviders();
  ({ h, g, api, profileId } = env);
  user = { tenantId: h.tenantId, associateId: 6, admin: false };
  ada = { tenantId: h.tenantId, associateId: 5, admin: false };
});

after(() => env.close());

const at = (offsetMs: number) => new Date(Math.floor((Date.now() + offsetMs) / 3_600_000) * 3_600_000);
function appointment(associateId: number, fields: Record<string, unknown> & { start?: Date }): number {
  const start = fields.start ?? at(2 * DAY);
  const { start: _s, ...rest } = fields;
  const created = h.so.simulator.api.editAsUser(CTX, associateId, {
    op: 'create',
    appointment: { StartDate: start.toISOString(), EndDate: new Date(start.getTime() + 3_600_000).toISOString(), Title: 'Passport test', ...rest },
  });
  return Number(created?.AppointmentId);
}
const settings = (s: object) => h.t.db('profiles').where({ id: profileId }).update({ settings: JSON.stringify(s) });

test('an appointment whose owner is not linked: not synced, and the passport names the owner', async () => {
  const id = appointment(6, { Title: 'Bjørn\'s site visit' });
  const res = await api.call('GET', `/appointments/${id}`, { as: user });
  assert.equal(res.status, 200);
  assert.equal(res.body.synced, false);
  assert.equal(res.body.reason, 'not_linked');
  assert.deepEqual(res.body.owner, { associateId: 6, userName: 'Bjørn Haugen' });
  assert.match(res.body.reasonText, /Bjørn Haugen is not linked/);
  assert.equal(res.body.link, null);
  const sync = await api.call('POST', `/appointments/${id}/sync`, { as: user });
  assert.equal(sync.status, 409);
});

test('outside the window, a filtered type, private: each reason in words; in scope but not synced yet is "not_yet"', async () => {
  await settings({ window: { daysAhead: 30 } });
  const far = await api.call('GET', `/appointments/${appointment(5, { start: at(90 * DAY) })}`, { as: ada });
  assert.equal(far.body.reason, 'outside_window');
  assert.match(far.body.reasonText, /30 days back to 30 days ahead/);
  assert.deepEqual(far.body.link, { state: 'active', stateText: 'Syncing with Microsoft 365.' });

  await settings({ filters: { appointmentTypes: ['Meeting'] } });
  const lunch = await api.call('GET', `/appointments/${appointment(5, { Task: { TaskListItemId: 3 } })}`, { as: ada });
  assert.equal(lunch.body.reason, 'filtered_type');
  assert.match(lunch.body.reasonText, /"Lunch"/);

  await settings({ filters: { private: false } });
  const secret = await api.call('GET', `/appointments/${appointment(5, { Private: 'PrivateUser' })}`, { as: ada });
  assert.equal(secret.body.reason, 'private');
  assert.match(secret.body.reasonText, /Private appointments/);

  await settings({});
  const soon = await api.call('GET', `/appointments/${appointment(5, {})}`, { as: ada });
  assert.equal(soon.body.synced, false);
  assert.equal(soon.body.reason, 'not_yet');
  assert.equal(soon.body.owner.userName, 'Ada Lindqvist');

  await h.t.db('links').where({ id: h.linkId }).update({ direction: 'to_superoffice' });
  assert.equal((await api.call('GET', `/appointments/${appointment(5, {})}`, { as: ada })).body.reason, 'direction');
  await h.t.db('links').where({ id: h.linkId }).update({ direction: 'two_way', state: 'needs_reconnect', last_error: 'The calendar refused access (AADSTS50173).' });
  const stopped = await api.call('GET', `/appointments/${appointment(5, {})}`, { as: ada });
  assert.equal(stopped.body.reason, 'link_stopped');
  assert.match(stopped.body.reasonText, /AADSTS50173/);
  await h.t.db('links').where({ id: h.linkId }).update({ state: 'active', last_error: null });
});

test('a synced appointment shows its calendar item, with the web link the calendar gives', async () => {
  const start = at(3 * DAY);
  const id = appointment(5, { Title: 'Synced review', start });
  const event = await g.side().create({
    title: 'Synced review', description: '', location: '', showAs: 'busy', private: false, attendees: [], crmLinks: {},
    timing: { allDay: false, start: { instant: start.toISOString(), timeZone: 'Europe/Oslo' }, end: { instant: new Date(start.getTime() + 3_600_000).toISOString(), timeZone: 'Europe/Oslo' } },
  });
  const syncedAt = new Date('2026-03-01T12:00:00Z');
  await h.t.db('synced_items').insert({ tenant_id: h.tenantId, link_id: h.linkId, stable_key: 'cs1-passport', so_id: String(id), ext_id: event.id, last_synced_at: syncedAt });
  const res = await api.call('GET', `/appointments/${id}`, { as: ada });
  assert.equal(res.body.synced, true);
  assert.equal(res.body.reason, null);
  assert.equal(res.body.item.calendarSystem, 'graph');
  assert.equal(res.body.item.calendarItemId, event.id);
  assert.equal(res.body.item.direction, 'two_way');
  assert.equal(res.body.item.lastSyncedAt, syncedAt.toISOString());
  assert.equal(res.body.item.lastError, null);
  // The simulator's own mailbox page, so "Open in Outlook" stays in the sandbox.
  assert.equal(res.body.item.webLink, `${new URL(g.sim.graphUrl).origin}/control/mailbox/${encodeURIComponent(ADA)}?event=${encodeURIComponent(event.id)}#event`);
});

test('sync now for an appointment queues its owner\'s link and names the appointment for the run; unknown appointments are 404', async () => {
  const id = appointment(5, {});
  assert.deepEqual((await api.call('POST', `/appointments/${id}/sync`, { as: ada })).body, { queued: true });
  assert.ok((await queuedSyncs(h.t.db)).includes(h.linkId));
  assert.ok(await h.t.db('sync_hints').where({ tenant_id: h.tenantId, link_id: h.linkId, side: 'superoffice', item_id: String(id) }).first());
  for (const bad of ['999999', 'abc']) {
    const res = await api.call('GET', `/appointments/${bad}`, { as: ada });
    assert.equal(res.status, 404, bad);
    assert.equal(res.body.error, 'not_found');
  }
});

test('another user\'s appointment answers the 404 of an unknown one, unless it is public and an administrator allows it', async () => {
  const unknown = await api.call('GET', '/appointments/999998', { as: user });
  const admin: As = { ...user, associateId: 7, admin: true };
  const open = appointment(5, { Title: 'Ada\'s public review' });
  const secret = appointment(5, { Title: 'Ada\'s doctor', Private: 'PrivateUser' });
  const group = appointment(5, { Title: 'Ada\'s group-only planning', Private: 'PrivateGroup' });
  const queuedBefore = (await queuedSyncs(h.t.db)).length;
  const hintsBefore = await h.t.db('sync_hints').where({ tenant_id: h.tenantId }).count<{ count: string }[]>('* as count');

  // Every answer carries its own request id; the rest must be the unknown appointment's, byte for byte.
  const shape = (r: { status: number; body: Record<string, unknown> }) => [r.status, { ...r.body, requestId: typeof r.body.requestId }];
  const refusedAll = async (when: string, ids: number[], as: As) => {
    for (const id of ids) {
      for (const [method, path] of [['GET', `/appointments/${id}`], ['POST', `/appointments/${id}/sync`]] as const) {
        const res = await api.call(method, path, { as });
        assert.deepEqual(shape(res), shape(unknown), `${method} ${path} as ${as.associateId} ${when}`);
      }
    }
  };
  assert.equal(unknown.status, 404);
  // Off by default: nobody but Ada gets an answer, administrators included.
  await refusedAll('by default', [open, secret, group], user);
  await refusedAll('by default', [open, secret, group], admin);
  assert.equal((await api.call('GET', `/appointments/${secret}`, { as: ada })).status, 200, 'the owner sees her own private appointment');

  // A user cannot switch it on; an administrator can, and it is audited.
  assert.equal((await api.call('PUT', '/admin/passport', { as: user, body: { showsOthers: true } })).status, 403);
  assert.deepEqual((await api.call('GET', '/admin/passport', { as: admin })).body, { showsOthers: false });
  assert.equal((await api.call('PUT', '/admin/passport', { as: admin, body: { showsOthers: 'yes' } })).status, 422);
  assert.deepEqual((await api.call('PUT', '/admin/passport', { as: admin, body: { showsOthers: true } })).body, { showsOthers: true });
  try {
    const audit = await h.t.db('audit_log').where({ tenant_id: h.tenantId, action: 'passport_visibility' }).first('actor', 'before', 'after');
    assert.deepEqual(audit, { actor: 'admin:associate:7', before: { showsOthers: false }, after: { showsOthers: true } });

    // Allowed: the public one answers; private and group-private ones stay hidden; only an
    // administrator may queue another user's link.
    const seen = await api.call('GET', `/appointments/${open}`, { as: user });
    assert.equal(seen.status, 200);
    assert.equal(seen.body.owner.associateId, 5);
    await refusedAll('when allowed', [secret, group], user);
    await refusedAll('when allowed', [secret, group], admin);
    const sync = await api.call('POST', `/appointments/${open}/sync`, { as: user });
    assert.deepEqual(shape(sync), shape(unknown));
    assert.equal((await queuedSyncs(h.t.db)).length, queuedBefore, 'nothing queued for a refused sync');
    assert.deepEqual(await h.t.db('sync_hints').where({ tenant_id: h.tenantId }).count<{ count: string }[]>('* as count'), hintsBefore, 'no hint for a refused sync');
    assert.deepEqual((await api.call('POST', `/appointments/${open}/sync`, { as: admin })).body, { queued: true });
  } finally {
    await h.t.db('tenants').where({ id: h.tenantId }).update({ passport_shows_others: false });
  }
});
