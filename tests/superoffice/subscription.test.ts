import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { linkUser, SeatLimitReached, TRIAL_SEATS, seatsFor } from '../../server/superoffice/subscription.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';

let t: MigratedDatabase;
before(async () => {
  t = await migratedDatabase();
});
after(() => t.close());

async function tenantWith(ctx: string, subscription_state: string, seat_count: number) {
  const [{ id }] = await t.db('tenants').insert({ context_identifier: ctx, installation_state: 'active', subscription_state, seat_count }).returning('id');
  const [{ id: profileId }] = await t.db('profiles').insert({ tenant_id: id, name: 'M365', calendar_system: 'graph' }).returning('id');
  return { tenantId: id as string, profileId: profileId as string };
}

test('seats: a trial gets the trial seats, an active subscription its seat count, an expired one none', () => {
  assert.equal(seatsFor('trial', 0), TRIAL_SEATS);
  assert.equal(seatsFor('trial', 2), 2);
  assert.equal(seatsFor('active', 12), 12);
  assert.equal(seatsFor('expired', 12), 0);
});

test('linking beyond the seats is refused with a message that says so; relinking a seated user is not', async () => {
  const { tenantId, profileId } = await tenantWith('CustSeats', 'active', 2);
  await linkUser(t.db, { tenantId, profileId, associateId: 1, mailbox: 'a@x.example' });
  await linkUser(t.db, { tenantId, profileId, associateId: 2, mailbox: 'b@x.example' });
  await assert.rejects(linkUser(t.db, { tenantId, profileId, associateId: 3, mailbox: 'c@x.example' }), (e: Error) => e instanceof SeatLimitReached && /All 2 seats/.test(e.message));
  // Changing the mailbox of a linked user takes no new seat.
  await linkUser(t.db, { tenantId, profileId, associateId: 2, mailbox: 'b2@x.example' });
  // Unlinking gives a seat back.
  await t.db('links').where({ tenant_id: tenantId, associate_id: 1 }).update({ state: 'unlinked' });
  await linkUser(t.db, { tenantId, profileId, associateId: 3, mailbox: 'c@x.example' });
  assert.equal((await t.db('links').where({ tenant_id: tenantId }).whereNot({ state: 'unlinked' })).length, 2);
});

test('two links racing for the last seat: exactly one wins', async () => {
  const { tenantId, profileId } = await tenantWith('CustRace', 'active', 1);
  const results = await Promise.allSettled([
    linkUser(t.db, { tenantId, profileId, associateId: 10, mailbox: 'p@x.example' }),
    linkUser(t.db, { tenantId, profileId, associateId: 11, mailbox: 'q@x.example' }),
  ]);
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
});

test('an expired subscription links no one', async () => {
  const { tenantId, profileId } = await tenantWith('CustExpired', 'expired', 10);
  await assert.rejects(linkUser(t.db, { tenantId, profileId, associateId: 1, mailbox: 'a@x.example' }), /expired/);
});

test('relinking to the same calendar keeps the link table; to another calendar starts it afresh', async () => {
  const { tenantId, profileId } = await tenantWith('CustRelink', 'active', 5);
  const linkId = await linkUser(t.db, { tenantId, profileId, associateId: 1, mailbox: 'a@x.example' });
  const item = { tenant_id: tenantId, link_id: linkId, so_id: '11', so_version: 'v', so_hash: 'h', ext_id: 'E1', ext_version: 'v', ext_hash: 'h' };
  await t.db('synced_items').insert({ ...item, stable_key: 'k-relink-1' });
  await t.db('cursors').insert({ tenant_id: tenantId, link_id: linkId, side: 'calendar', value: 'delta-1' });
  await t.db('links').where({ id: linkId }).update({ state: 'unlinked' });
  assert.equal(await linkUser(t.db, { tenantId, profileId, associateId: 1, mailbox: 'A@x.example' }), linkId);
  assert.equal((await t.db('synced_items').where({ link_id: linkId })).length, 1, 'same mailbox (any case): kept');
  await linkUser(t.db, { tenantId, profileId, associateId: 1, mailbox: 'a.new@x.example' });
  assert.equal((await t.db('synced_items').where({ link_id: linkId })).length, 0, 'another mailbox: its rows would read as deletions');
  assert.equal((await t.db('cursors').where({ link_id: linkId })).length, 0);
});
