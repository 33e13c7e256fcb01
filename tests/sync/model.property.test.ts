// The engine's promises as a model-based property (fast-check): two sides, random user creates,
// edits, moves, version-only rewrites and deletes on both, interleaved with sync runs under
// faults (failing calls, writes whose response is lost, cut-short reads, expired cursors, lost and
// duplicated webhooks). When the faults stop and the engine has caught up, it must hold that:
//   - both sides hold the same items (on the synced fields), each exactly once;
//   - nothing is deleted that no one deleted, and nothing deleted comes back;
//   - the link table covers exactly the synced items.
// Real PostgreSQL (one link per run), in-memory sides honouring the CalendarSide contract.
//
// What is alive at the end follows the rule the README promises: an item a user deleted stays
// deleted unless its other copy was edited after the two sides last agreed (an edit beats a
// delete). "Agreed" is read off the link table: both stored versions equal the copies' versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addSyncHint } from '../../server/db/sync-hints.ts';
import { PreconditionFailed, RateLimited, Transient } from '../../server/sync/errors.ts';
import type { CalendarEvent } from '../../server/sync/event.ts';
import { contentHash } from '../../server/sync/hash.ts';
import { LinkStore } from '../../server/sync/link-store.ts';
import { hashFieldsFor } from '../../server/sync/transform.ts';
import { runSync } from '../../server/sync/run.ts';
import { resolveSettings } from '../../server/sync/settings.ts';
import { migratedDatabase } from '../helpers/db.ts';
import { makeEvent } from '../support/events.ts';
import { MemorySide } from '../support/memory-side.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 2000);
const NOW = '2026-03-01T12:00:00.000Z';
// The guard would (rightly) hold back big random deletions; it has its own tests.
const SETTINGS = resolveSettings({ massDeletion: { minItems: 10_000, minFraction: 1 } }, {});

type Side = 'so' | 'cal';
type Op =
  | { kind: 'create'; side: Side; title: string }
  | { kind: 'edit'; side: Side; pick: number; title: string }
  | { kind: 'move'; side: Side; pick: number; hours: number }
  | { kind: 'touch'; side: Side; pick: number }
  | { kind: 'delete'; side: Side; pick: number; hint: 'delivered' | 'lost' | 'duplicated' }
  | { kind: 'sync'; fault: Fault };
type Fault =
  | { kind: 'none' }
  | { kind: 'failNext'; side: Side; method: 'listChanges' | 'get' | 'create' | 'update' | 'delete' | 'findByStableKey'; error: 'transient' | 'rate' | 'precondition' }
  | { kind: 'failAfterWrite'; side: Side; method: 'create' | 'update' | 'delete' }
  | { kind: 'incomplete'; side: Side }
  | { kind: 'expire'; side: Side };

const side = fc.constantFrom<Side>('so', 'cal');
const title = fc.constantFrom('Alpha', 'Beta', 'Gamma', 'Delta', 'Review', 'Lunch');
const fault: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.record({
    kind: fc.constant('failNext' as const),
    side,
    method: fc.constantFrom('listChanges' as const, 'get' as const, 'create' as const, 'update' as const, 'delete' as const, 'findByStableKey' as const),
    error: fc.constantFrom('transient' as const, 'rate' as const, 'precondition' as const),
  }),
  fc.record({ kind: fc.constant('failAfterWrite' as const), side, method: fc.constantFrom('create' as const, 'update' as const, 'delete' as const) }),
  fc.record({ kind: fc.constant('incomplete' as const), side }),
  fc.record({ kind: fc.constant('expire' as const), side }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('create' as const), side, title }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('edit' as const), side, pick: fc.nat(), title }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('move' as const), side, pick: fc.nat(), hours: fc.integer({ min: -48, max: 48 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('touch' as const), side, pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), side, pick: fc.nat(), hint: fc.constantFrom('delivered' as const, 'lost' as const, 'duplicated' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('sync' as const), fault }) },
);

/** What users did to one logical item (tagged in its description, which users never edit). */
interface Logical {
  deleted: boolean;
  /** Copies a user edited since the two sides last agreed on this item. */
  editedSinceAgreement: Set<Side>;
  /** A user edit of the surviving copy after a delete: the edit wins, the item lives. */
  revived: boolean;
}

function errorOf(kind: 'transient' | 'rate' | 'precondition'): Error {
  if (kind === 'rate') return new RateLimited(1000);
  if (kind === 'precondition') return new PreconditionFailed('x');
  return new Transient('injected 503');
}

const moved = (e: CalendarEvent, hours: number): CalendarEvent['timing'] => {
  if (e.timing.allDay) return e.timing;
  const shift = (iso: string) => new Date(Date.parse(iso) + hours * 3_600_000).toISOString();
  return { allDay: false, start: { ...e.timing.start, instant: shift(e.timing.start.instant) }, end: { ...e.timing.end, instant: shift(e.timing.end.instant) } };
};

test(`model: ${RUNS} random histories on both sides with faults converge without loss, resurrection or duplicates`, async () => {
  const tdb = await migratedDatabase('prop');
  const { db } = tdb;
  try {
    const [tenant] = await db('tenants').insert({ context_identifier: 'CustProp', installation_state: 'active' }).returning('id');
    const [profile] = await db('profiles').insert({ tenant_id: tenant.id, name: 'P', calendar_system: 'graph' }).returning('id');
    let associate = 1;

    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const [link] = await db('links').insert({ tenant_id: tenant.id, profile_id: profile.id, associate_id: associate++, mailbox: 'a@x.test', state: 'active' }).returning('id');
        const store = new LinkStore(db, tenant.id, link.id);
        let ticks = 0;
        const clock = () => new Date(Date.UTC(2026, 0, 1) + 1000 * ++ticks).toISOString();
        // SuperOffice's feed does not list deletions (webhooks and full reads do); the calendar's does.
        const sides = { so: new MemorySide({ name: 'so', now: clock, deletionsInDelta: false }), cal: new MemorySide({ name: 'cal', now: clock }) };
        let keys = 0;
        const run = (fullRead = false) =>
          runSync({
            store, sides: { superoffice: sides.so, calendar: sides.cal }, settings: SETTINGS, direction: 'two_way',
            mailbox: 'a@x.test', actor: 'property', now: () => new Date(NOW), newKey: () => `k${link.id.slice(0, 8)}-${++keys}`, fullRead,
          });
        const logical = new Map<string, Logical>();
        let nextTag = 0;
        let edits = 0;
        const tagOf = (e: CalendarEvent) => e.description;
        const newItem = (s: Side, t: string) => {
          const tag = `L${nextTag++}`;
          logical.set(tag, { deleted: false, editedSinceAgreement: new Set(), revived: false });
          sides[s].userCreate(makeEvent({ title: t, description: tag }));
        };
        // Anchors no one touches keep every full read non-empty; an empty read never deletes (tested on its own).
        newItem('so', 'Anchor');
        newItem('cal', 'Anchor');

        const agree = async () => {
          const rows = await db('synced_items').where({ link_id: link.id, state: 'active' }).select('so_id', 'so_version', 'so_hash', 'ext_id', 'ext_version', 'ext_hash');
          // Observed through snapshots, not `get`, so the test's looking never uses up a scripted fault.
          const so = new Map(sides.so.snapshot().map((i) => [i.id, i]));
          const cal = new Map(sides.cal.snapshot().map((i) => [i.id, i]));
          for (const r of rows) {
            const a = r.so_id ? so.get(r.so_id) : undefined;
            const b = r.ext_id ? cal.get(r.ext_id) : undefined;
            // Recorded: the version the engine stored, or at least the content (a version-only
            // change, e.g. our stamp whose answer was lost, is no edit to the engine either).
            const recorded = (item: typeof a, version: string, hash: string, side: 'superoffice' | 'calendar') =>
              item !== undefined && (item.version === version || contentHash(item.event, hashFieldsFor(side, SETTINGS)) === hash);
            if (a && b && recorded(a, r.so_version, r.so_hash, 'superoffice') && recorded(b, r.ext_version, r.ext_hash, 'calendar') && tagOf(a.event) === tagOf(b.event)) {
              logical.get(tagOf(a.event))?.editedSinceAgreement.clear();
            }
          }
        };
        const pickFrom = (s: Side, n: number) => {
          const live = sides[s].snapshot().filter((i) => i.event.title !== 'Anchor');
          return live.length === 0 ? undefined : live[n % live.length];
        };
        const userEdited = (s: Side, e: CalendarEvent) => {
          const l = logical.get(tagOf(e));
          if (!l) return;
          l.editedSinceAgreement.add(s);
          if (l.deleted) l.revived = true;
        };

        for (const o of ops) {
          if (o.kind === 'create') newItem(o.side, o.title);
          else if (o.kind === 'sync') {
            injectFault(sides, o.fault);
            try {
              await run();
            } catch (err) {
              if (!(err instanceof RateLimited || err instanceof Transient)) throw err;
            }
            await agree();
          } else {
            const item = pickFrom(o.side, o.pick);
            if (!item) continue;
            if (o.kind === 'edit') {
              sides[o.side].userUpdate(item.id, { title: `${o.title} ${++edits}` }); // always a real content change
              userEdited(o.side, item.event);
            } else if (o.kind === 'move') {
              sides[o.side].userUpdate(item.id, { timing: moved(item.event, o.hours || 1) });
              userEdited(o.side, item.event);
            } else if (o.kind === 'touch') {
              sides[o.side].touch(item.id);
            } else {
              const otherSide: Side = o.side === 'so' ? 'cal' : 'so';
              const row = await db('synced_items').where({ link_id: link.id, [o.side === 'so' ? 'so_id' : 'ext_id']: item.id }).first('so_id', 'so_version', 'so_hash', 'ext_id', 'ext_version', 'ext_hash');
              const tracked = row !== undefined;
              // The other copy changed since the link table last recorded it (a user's edit, or our
              // own write whose answer was lost twice over): the engine cannot tell, so it counts as an edit.
              const otherHalf = row && (otherSide === 'so' ? { id: row.so_id, version: row.so_version, hash: row.so_hash } : { id: row.ext_id, version: row.ext_version, hash: row.ext_hash });
              const otherNow = otherHalf?.id ? sides[otherSide].snapshot().find((i) => i.id === otherHalf.id) : undefined;
              const nowHash = otherNow && contentHash(otherNow.event, hashFieldsFor(otherSide === 'so' ? 'superoffice' : 'calendar', SETTINGS));
              const unrecorded = otherNow !== undefined && otherNow.version !== otherHalf?.version && nowHash !== otherHalf?.hash;
              const copyElsewhere = sides[otherSide].snapshot().some((i) => tagOf(i.event) === tagOf(item.event));
              sides[o.side].userDelete(item.id);
              const l = logical.get(tagOf(item.event));
              if (l) {
                // The other copy's edits since the last agreement beat this delete. So does the
                // other copy itself when the deleted one was never recorded (its create's answer
                // was lost and its recovery failed too): the engine cannot know it ever existed.
                // The deleted copy's own edits go with it.
                l.editedSinceAgreement.delete(o.side);
                l.revived = copyElsewhere && (l.editedSinceAgreement.has(otherSide) || !tracked || unrecorded);
                l.deleted = true;
              }
              if (o.side === 'so' && o.hint !== 'lost') {
                for (let i = 0; i < (o.hint === 'duplicated' ? 2 : 1); i++) {
                  await addSyncHint(db, { tenantId: tenant.id, linkId: link.id, side: 'superoffice', itemId: item.id });
                }
              }
            }
          }
        }

        // The faults stop; the periodic full read runs, then notifications as usual.
        sides.so.clearFaults();
        sides.cal.clearFaults();
        await run(true);
        await run();
        const last = await run();
        assert.equal(last.writes, 0, 'the engine has settled: one more run writes nothing');
        assert.equal(last.failed.length, 0, `nothing left failing: ${JSON.stringify(last.failed)}`);

        const so = sides.so.snapshot();
        const cal = sides.cal.snapshot();
        const expectAlive = [...logical].filter(([, l]) => !l.deleted || l.revived).map(([tag]) => tag).sort();
        const tags = (items: typeof so) => items.map((i) => tagOf(i.event)).sort();
        assert.deepEqual(tags(so), expectAlive, 'SuperOffice holds exactly the items no one deleted (or whose edit beat a delete), once each');
        assert.deepEqual(tags(cal), expectAlive, 'the calendar holds exactly the same items, once each');
        for (const a of so) {
          const b = cal.find((c) => tagOf(c.event) === tagOf(a.event));
          assert.ok(b);
          assert.equal(b.event.title, a.event.title, `title of ${tagOf(a.event)}`);
          assert.deepEqual(b.event.timing, a.event.timing, `timing of ${tagOf(a.event)}`);
          assert.equal(b.event.stableKey, a.event.stableKey, `both copies of ${tagOf(a.event)} carry one key`);
        }
        const rows = await db('synced_items').where({ link_id: link.id, state: 'active' }).select('so_id', 'ext_id');
        assert.deepEqual(rows.map((r) => r.so_id).sort(), so.map((i) => i.id).sort(), 'link table covers exactly the SuperOffice items');
        assert.deepEqual(rows.map((r) => r.ext_id).sort(), cal.map((i) => i.id).sort(), 'link table covers exactly the calendar items');
      }),
      { numRuns: RUNS },
    );
  } finally {
    await tdb.close();
  }
});

function injectFault(sides: Record<Side, MemorySide>, f: Fault): void {
  // Only writes with a version precondition can fail one; for other calls the fault is a 503.
  if (f.kind === 'failNext') sides[f.side].failNext(f.method, errorOf(f.error === 'precondition' && f.method !== 'update' && f.method !== 'delete' ? 'transient' : f.error));
  else if (f.kind === 'failAfterWrite') sides[f.side].failAfterWrite(f.method, new Transient('response lost after the write'));
  else if (f.kind === 'incomplete') sides[f.side].incompleteNextRead();
  else if (f.kind === 'expire') sides[f.side].expireCursors();
}
