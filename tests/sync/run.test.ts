// The engine end to end on real PostgreSQL with two in-memory sides: every promise the README makes
// about sync (no duplicates, no lost edits, deletes that keep tombstones, safety rails) as a scenario.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthorizationRevoked, PreconditionFailed, RateLimited, Transient } from '../../server/sync/errors.ts';
import { confirmDeletions, rejectDeletions, restoreItem } from '../../server/sync/deletions.ts';
import { addSyncHint } from '../../server/db/sync-hints.ts';
import { makeEvent } from '../support/events.ts';
import { startEngine, type Engine } from '../support/engine.ts';

async function withEngine(fn: (e: Engine) => Promise<void>, settings?: object): Promise<void> {
  const e = await startEngine(settings ? { settings } : {});
  try {
    await fn(e);
  } finally {
    await e.close();
  }
}

const titles = (items: Array<{ event: { title: string } }>) => items.map((i) => i.event.title).sort();

test('a new appointment is created once in the calendar, stamped, and its echo writes nothing', () =>
  withEngine(async (e) => {
    e.so.userCreate(makeEvent({ title: 'Kick-off' }));
    const first = await e.run();
    assert.equal(first.writes, 1);
    const [copy] = e.cal.snapshot();
    assert.equal(copy?.event.title, 'Kick-off');
    assert.ok(copy?.event.stableKey, 'the calendar copy carries the stable key');
    assert.equal(e.so.snapshot()[0]?.event.stableKey, copy?.event.stableKey, 'the source is stamped with the same key');
    const second = await e.run();
    assert.equal(second.writes, 0);
    assert.equal(e.cal.size, 1);
    const audit = await e.tdb.db('audit_log').where({ link_id: e.linkId }).select('action', 'side', 'reason');
    assert.deepEqual(audit, [{ action: 'create', side: 'calendar', reason: 'new_in_superoffice' }]);
  }));

test('an edit in the calendar reaches SuperOffice, and only once', () =>
  withEngine(async (e) => {
    const a = e.so.userCreate(makeEvent({ title: 'Review' }));
    await e.run();
    const copy = e.cal.snapshot()[0];
    assert.ok(copy);
    e.cal.userUpdate(copy.id, { location: 'Room 4' });
    const r = await e.run();
    assert.equal(r.writes, 1);
    assert.equal(e.so.snapshot().find((i) => i.id === a.id)?.event.location, 'Room 4');
    assert.equal((await e.run()).writes, 0);
  }));

test('a version that changes without content is not an edit', () =>
  withEngine(async (e) => {
    e.so.userCreate(makeEvent());
    await e.run();
    const copy = e.cal.snapshot()[0];
    assert.ok(copy);
    e.cal.touch(copy.id);
    assert.equal((await e.run()).writes, 0);
    assert.equal((await e.run()).writes, 0);
  }));

test('a delete travels, keeps a tombstone, and the item can be restored within 30 days', () =>
  withEngine(async (e) => {
    const a = e.so.userCreate(makeEvent({ title: 'Dentist' }));
    await e.run();
    e.so.userDelete(a.id);
    await e.run();
    assert.equal(e.cal.size, 0);
    const [row] = await e.tdb.db('synced_items').where({ link_id: e.linkId }).select('state', 'tombstone', 'restorable_until');
    assert.equal(row.state, 'tombstone');
    assert.equal(row.tombstone.event.title, 'Dentist');
    assert.equal(new Date(row.restorable_until).toISOString(), '2026-03-31T12:00:00.000Z');
    // A late notification for the deleted item brings nothing back.
    assert.equal((await e.run()).writes, 0);

    const key = (await e.tdb.db('synced_items').where({ link_id: e.linkId }).first('stable_key')).stable_key as string;
    await restoreItem({ store: e.store, sides: { superoffice: e.so, calendar: e.cal }, stableKey: key, actor: 'admin:5', now: new Date('2026-03-02T00:00:00Z') });
    await e.run();
    assert.deepEqual(titles(e.cal.snapshot()), ['Dentist']);
    assert.deepEqual(titles(e.so.snapshot()), ['Dentist']);
    assert.equal((await e.run()).writes, 0);
    await assert.rejects(
      restoreItem({ store: e.store, sides: { superoffice: e.so, calendar: e.cal }, stableKey: key, actor: 'admin:5', now: new Date('2026-03-02T00:00:00Z') }),
      /No deleted item/,
    );
  }));

test('an edit beats a delete on the other side', () =>
  withEngine(async (e) => {
    const a = e.so.userCreate(makeEvent({ title: 'Board' }));
    await e.run();
    const copy = e.cal.snapshot()[0];
    assert.ok(copy);
    e.cal.userDelete(copy.id);
    e.so.userUpdate(a.id, { title: 'Board (moved)' });
    await e.run();
    assert.deepEqual(titles(e.cal.snapshot()), ['Board (moved)']);
    assert.equal(e.so.size, 1);
  }));

test('a create whose reply is lost is found again by its key at once', () =>
  withEngine(async (e) => {
    e.so.userCreate(makeEvent({ title: 'Offsite' }));
    e.cal.failAfterWrite('create', new Transient('connection reset after the write'));
    const r = await e.run();
    assert.equal(r.failed.length, 0);
    assert.equal(e.cal.size, 1);
    const rows = await e.tdb.db('synced_items').where({ link_id: e.linkId }).select('so_id', 'ext_id');
    assert.equal(rows.length, 1);
    assert.ok(rows[0].so_id && rows[0].ext_id, 'both halves recorded in the same run');
    assert.equal((await e.run()).writes, 0);
  }));

test('a crash between a create and its bookkeeping (lookup failing too) adopts the item on the next run instead of duplicating it', () =>
  withEngine(async (e) => {
    e.so.userCreate(makeEvent({ title: 'Offsite' }));
    e.cal.failAfterWrite('create', new Transient('connection reset after the write'));
    // The look-up before the create answers; the one after the lost reply fails too.
    const find = e.cal.findByStableKey.bind(e.cal);
    let lookups = 0;
    e.cal.findByStableKey = async (key) => {
      if (++lookups === 2) throw new Transient('still down');
      return find(key);
    };
    const r = await e.run();
    assert.equal(r.failed.length, 1);
    assert.equal(r.retrySoon, true);
    assert.equal(e.cal.size, 1);
    await e.run();
    assert.equal(e.cal.size, 1, 'no duplicate after the retry');
    assert.equal(e.so.size, 1);
    const rows = await e.tdb.db('synced_items').where({ link_id: e.linkId }).select('so_id', 'ext_id', 'dirty', 'last_error');
    assert.equal(rows.length, 1);
    assert.ok(rows[0].so_id && rows[0].ext_id);
    assert.equal(rows[0].dirty, false);
    assert.equal(rows[0].last_error, null);
  }));

test('unlinking and relinking (link table and cursors lost) adopts every pair and duplicates nothing', () =>
  withEngine(async (e) => {
    for (let i = 0; i < 5; i++) e.so.userCreate(makeEvent({ title: `S${i}` }));
    for (let i = 0; i < 3; i++) e.cal.userCreate(makeEvent({ title: `C${i}` }));
    await e.run();
    assert.equal(e.so.size, 8);
    assert.equal(e.cal.size, 8);
    await e.tdb.db('synced_items').where({ link_id: e.linkId }).delete();
    await e.tdb.db('cursors').where({ link_id: e.linkId }).delete();
    const r = await e.run();
    assert.equal(r.writes, 0, 'identical pairs are adopted without a write');
    assert.equal(e.so.size, 8);
    assert.equal(e.cal.size, 8);
    assert.equal(await e.tdb.db('synced_items').where({ link_id: e.linkId, state: 'active' }).count().first().then((x) => Number(x?.count)), 8);
  }));

test('a mass deletion is held for an administrator, then confirmed', () =>
  withEngine(async (e) => {
    const items = Array.from({ length: 30 }, (_, i) => e.so.userCreate(makeEvent({ title: `M${i}` })));
    await e.run();
    for (const it of items.slice(0, 25)) e.so.userDelete(it.id);
    const r = await e.run();
    assert.equal(r.heldDeletions, 25);
    assert.equal(e.cal.size, 30, 'nothing deleted before confirmation');
    const link = await e.tdb.db('links').where({ id: e.linkId }).first('state', 'pending_deletions', 'last_error');
    assert.equal(link.state, 'needs_confirmation');
    assert.equal(link.pending_deletions.length, 25);
    assert.match(link.pending_deletions[0].title, /^M\d+$/);
    assert.match(link.last_error, /Would delete 25 items/);
    assert.equal(await confirmDeletions(e.tdb.db, e.tenantId, e.linkId, 'admin:5'), 25);
    await e.run();
    assert.equal(e.cal.size, 5);
    assert.equal((await e.tdb.db('links').where({ id: e.linkId }).first('state')).state, 'active');
    assert.equal((await e.run()).writes, 0);
  }));

test('a rejected mass deletion writes the deleted items back', () =>
  withEngine(async (e) => {
    const items = Array.from({ length: 30 }, (_, i) => e.so.userCreate(makeEvent({ title: `R${i}` })));
    await e.run();
    for (const it of items.slice(0, 22)) e.so.userDelete(it.id);
    await e.run();
    assert.equal(await rejectDeletions(e.tdb.db, e.tenantId, e.linkId, 'admin:5'), 22);
    await e.run();
    assert.equal(e.so.size, 30, 'the 22 come back in SuperOffice');
    assert.equal(e.cal.size, 30);
    assert.equal((await e.run()).writes, 0);
  }));

test('an empty or incomplete read never deletes', () =>
  withEngine(async (e) => {
    for (let i = 0; i < 4; i++) e.cal.userCreate(makeEvent({ title: `E${i}` }));
    await e.run();
    assert.equal(e.so.size, 4);
    // Cursors lost and the calendar answers a full read with only half of it, flagged incomplete.
    await e.tdb.db('cursors').where({ link_id: e.linkId }).delete();
    e.cal.incompleteNextRead();
    await e.run();
    assert.equal(e.so.size, 4);
    assert.equal(e.cal.size, 4);
  }));

test('rate limiting stops the run without moving the cursor; the retry finishes without duplicates', () =>
  withEngine(async (e) => {
    for (let i = 0; i < 3; i++) e.so.userCreate(makeEvent({ title: `T${i}` }));
    e.cal.failNext('create', new RateLimited(2000), 1);
    await assert.rejects(e.run(), RateLimited);
    assert.equal(await e.tdb.db('cursors').where({ link_id: e.linkId }).count().first().then((x) => Number(x?.count)), 0);
    await e.run();
    assert.equal(e.cal.size, 3);
    assert.equal((await e.run()).writes, 0);
  }));

test('withdrawn authorisation stops the link with a reason and nothing else moves', () =>
  withEngine(async (e) => {
    e.so.userCreate(makeEvent());
    e.cal.failNext('listChanges', new AuthorizationRevoked('invalid_grant: consent withdrawn'));
    const r = await e.run();
    assert.equal(r.stopped?.side, 'calendar');
    const link = await e.tdb.db('links').where({ id: e.linkId }).first('state', 'last_error');
    assert.equal(link.state, 'needs_reconnect');
    assert.match(link.last_error, /consent withdrawn.*reconnect/);
    assert.equal(e.cal.size, 0);
  }));

test('one failing item does not block the others, keeps its error, and is retried', () =>
  withEngine(async (e) => {
    const a = e.so.userCreate(makeEvent({ title: 'A' }));
    e.so.userCreate(makeEvent({ title: 'B' }));
    await e.run();
    e.so.userUpdate(a.id, { title: 'A2' });
    const copyA = e.cal.snapshot().find((i) => i.event.title === 'A');
    assert.ok(copyA);
    // Someone edits the calendar copy between our read and our write.
    e.cal.failNext('update', new PreconditionFailed(copyA.id));
    const r = await e.run();
    assert.equal(r.failed.length, 1);
    const row = await e.tdb.db('synced_items').where({ link_id: e.linkId, ext_id: copyA.id }).first('dirty', 'last_error');
    assert.equal(row.dirty, true);
    assert.match(row.last_error, /PreconditionFailed/);
    await e.run();
    assert.deepEqual(titles(e.cal.snapshot()), ['A2', 'B']);
  }));

test('an expired cursor leads to a full re-read that rewrites nothing', () =>
  withEngine(async (e) => {
    for (let i = 0; i < 3; i++) e.so.userCreate(makeEvent({ title: `X${i}` }));
    await e.run();
    e.so.expireCursors();
    e.cal.expireCursors();
    const r = await e.run();
    assert.equal(r.reads.superoffice.mode, 'full');
    assert.equal(r.writes, 0);
  }));

test('narrowing the window stops tracking without deleting; widening it again duplicates nothing', () =>
  withEngine(async (e) => {
    e.so.userCreate(makeEvent({ title: 'Far', timing: { allDay: false, start: { instant: '2026-08-01T08:00:00Z', timeZone: 'Europe/Oslo' }, end: { instant: '2026-08-01T09:00:00Z', timeZone: 'Europe/Oslo' } } }));
    e.so.userCreate(makeEvent({ title: 'Near' }));
    await e.run();
    assert.equal(e.cal.size, 2);
    const narrow = { window: { daysBack: 30, daysAhead: 60 } };
    e.rebind({ from: '2026-01-30T12:00:00.000Z', to: '2026-04-30T12:00:00.000Z' });
    await e.tdb.db('cursors').where({ link_id: e.linkId }).delete();
    await e.run({ settings: narrow });
    assert.equal(e.cal.size, 2, 'nothing deleted');
    assert.equal(await e.tdb.db('synced_items').where({ link_id: e.linkId }).count().first().then((x) => Number(x?.count)), 1);
    e.rebind({ from: '2026-01-30T12:00:00.000Z', to: '2026-08-28T12:00:00.000Z' });
    await e.tdb.db('cursors').where({ link_id: e.linkId }).delete();
    const r = await e.run();
    assert.equal(r.writes, 0);
    assert.equal(e.cal.size, 2);
    assert.equal(await e.tdb.db('synced_items').where({ link_id: e.linkId }).count().first().then((x) => Number(x?.count)), 2);
  }));

test('filters and direction: private items stay put, and a one-way link never writes back', () =>
  withEngine(async (e) => {
    e.so.userCreate(makeEvent({ title: 'Secret', private: true }));
    e.so.userCreate(makeEvent({ title: 'Open' }));
    await e.run({ settings: { filters: { private: false } } });
    assert.deepEqual(titles(e.cal.snapshot()), ['Open']);
    const copy = e.cal.snapshot()[0];
    assert.ok(copy);
    e.cal.userUpdate(copy.id, { title: 'Open (edited in Outlook)' });
    e.cal.userCreate(makeEvent({ title: 'Outlook only' }));
    await e.run({ settings: { filters: { private: false } }, direction: 'to_calendar' });
    assert.deepEqual(titles(e.so.snapshot()), ['Open', 'Secret']);
  }));

test('newest wins a conflict by default', () =>
  withEngine(async (e) => {
    const a = e.so.userCreate(makeEvent({ title: 'Plan' }));
    await e.run();
    const copy = e.cal.snapshot()[0];
    assert.ok(copy);
    e.so.userUpdate(a.id, { title: 'Plan (SO)' });
    e.cal.userUpdate(copy.id, { title: 'Plan (Outlook, later)' });
    await e.run();
    assert.deepEqual(titles(e.so.snapshot()), ['Plan (Outlook, later)']);
    assert.deepEqual(titles(e.cal.snapshot()), ['Plan (Outlook, later)']);
  }));

test('a refusal no reconnect can fix (no mailbox on the user\'s plan) leaves the link in error with the cause, not "reconnect"', () =>
  withEngine(async (e) => {
    class NoMailbox extends AuthorizationRevoked {
      override readonly reconnectHelps = false;
    }
    e.cal.failNext('listChanges', new NoMailbox('this user\'s plan has no Exchange Online mailbox'));
    await e.run();
    const link = await e.tdb.db('links').where({ id: e.linkId }).first('state', 'last_error');
    assert.equal(link.state, 'error');
    assert.equal(link.last_error, 'this user\'s plan has no Exchange Online mailbox');
  }));

test('a run that lists only the calendar reads SuperOffice items by hint alone and leaves its cursor for the next run', () =>
  withEngine(async (e) => {
    e.so.userCreate(makeEvent({ title: 'First' }));
    await e.run();
    const quiet = e.so.userCreate(makeEvent({ title: 'Not hinted' }));
    const hinted = e.so.userCreate(makeEvent({ title: 'Hinted' }));
    await addSyncHint(e.tdb.db, { tenantId: e.tenantId, linkId: e.linkId, side: 'superoffice', itemId: hinted.id });
    const polled = await e.run({ hintsOnly: ['superoffice'] });
    assert.equal(polled.writes, 1);
    assert.deepEqual(titles(e.cal.snapshot()), ['First', 'Hinted']);
    // The feed was not read, so its cursor did not move past the unhinted change.
    const next = await e.run();
    assert.equal(next.writes, 1);
    assert.ok(e.cal.snapshot().some((i) => i.event.title === quiet.event.title));
    assert.equal(e.cal.size, 3);
  }));

test('a link an administrator paused or unlinked while a run was under way stays so when the run ends', () =>
  withEngine(async (e) => {
    e.so.userCreate(makeEvent({ title: 'Before the pause' }));
    for (const held of ['paused', 'unlinked']) {
      // The administrator acts after the run has read its state: the run's end must not undo it.
      const realRows = e.store.rows.bind(e.store);
      e.store.rows = async () => {
        await e.tdb.db('links').where({ id: e.linkId }).update({ state: held });
        return realRows();
      };
      await e.run();
      e.store.rows = realRows;
      const link = await e.tdb.db('links').where({ id: e.linkId }).first('state', 'last_sync_at');
      assert.equal(link.state, held);
      assert.ok(link.last_sync_at, 'the run is still recorded');
      await e.store.stopLink('error', 'a later failure', new Date());
      assert.equal((await e.tdb.db('links').where({ id: e.linkId }).first('state')).state, held);
      await e.tdb.db('links').where({ id: e.linkId }).update({ state: 'active' });
    }
  }));
