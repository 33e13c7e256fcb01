// The sync engine's own cost per item, with both sides in memory so only the engine is measured:
// planning, the per-action transactions on PostgreSQL (link row halves and the audit entry) and
// the reads of the link table. Provider round trips come on top (see the propagation benchmark).
//   1. first sync of a diary of N appointments (N creates, each with its lookup and stamp);
//   2. a run with nothing changed (delta reads: the steady state behind every webhook);
//   3. a full re-read of the window with nothing changed (cursor expired, or the daily safety net);
//   4. a run with 1% of the items edited on each side.
// Prints each figure next to the limit it is held to, and exits 1 when one is over.
import { createDb } from '../server/db/knex.ts';
import { migrateLatest } from '../server/db/migrate.ts';
import { LinkStore } from '../server/sync/link-store.ts';
import { runSync } from '../server/sync/run.ts';
import { resolveSettings } from '../server/sync/settings.ts';
import { makeEvent } from '../tests/support/events.ts';
import { MemorySide } from '../tests/support/memory-side.ts';
import { benchDatabase } from './bench-database.ts';
import { limits } from './limits.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 2000);
const LIMITS = { firstSyncMsPerItem: 10, idleRunMs: 150, fullReadMsPerItem: 0.5, editMsPerChange: 15, heapMbPer1000: 40 };

const bdb = await benchDatabase();
const db = createDb(bdb.url, 5);
const out = limits();
try {
  await migrateLatest(db, bdb.url);
  const [tenant] = await db('tenants').insert({ context_identifier: 'CustBench', installation_state: 'active' }).returning('id');
  const [profile] = await db('profiles').insert({ tenant_id: tenant.id, name: 'P', calendar_system: 'graph' }).returning('id');
  const [link] = await db('links').insert({ tenant_id: tenant.id, profile_id: profile.id, associate_id: 1, mailbox: 'a@x.test', state: 'active' }).returning('id');
  const so = new MemorySide({ name: 'so' });
  const cal = new MemorySide({ name: 'cal' });
  const day = 86_400_000;
  for (let i = 0; i < ITEMS; i++) {
    const start = Date.parse('2026-03-02T08:00:00Z') + (i % 150) * day + (i % 8) * 3_600_000;
    so.userCreate(makeEvent({ title: `Appointment ${i}`, description: `Notes ${i}`, timing: { allDay: false, start: { instant: new Date(start).toISOString(), timeZone: 'Europe/Oslo' }, end: { instant: new Date(start + 1_800_000).toISOString(), timeZone: 'Europe/Oslo' } } }));
  }
  const settings = resolveSettings({ massDeletion: { minItems: 1_000_000, minFraction: 1 } }, {});
  const store = new LinkStore(db, tenant.id, link.id);
  const run = (fullRead = false) =>
    runSync({ store, sides: { superoffice: so, calendar: cal }, settings, direction: 'two_way', mailbox: 'a@x.test', actor: 'bench', now: () => new Date('2026-03-01T12:00:00Z'), fullRead });
  const timed = async <T>(fn: () => Promise<T>) => {
    const t0 = performance.now();
    const r = await fn();
    return { r, ms: performance.now() - t0 };
  };

  const heap0 = process.memoryUsage().heapUsed;
  const first = await timed(() => run());
  if (cal.size !== ITEMS || first.r.failed.length) out.fail();
  out.report(`first sync of ${ITEMS} items, per item`, first.ms / ITEMS, 'ms', LIMITS.firstSyncMsPerItem);
  out.report(`  heap growth per 1000 items`, ((process.memoryUsage().heapUsed - heap0) / 1e6 / ITEMS) * 1000, 'MB', LIMITS.heapMbPer1000);

  const idle = await timed(() => run());
  if (idle.r.writes !== 0) out.fail();
  out.report(`run with nothing changed (${ITEMS} tracked)`, idle.ms, 'ms', LIMITS.idleRunMs);

  const full = await timed(() => run(true));
  if (full.r.writes !== 0) out.fail();
  out.report(`full re-read, nothing changed, per item`, full.ms / ITEMS, 'ms', LIMITS.fullReadMsPerItem);

  const edits = Math.max(1, Math.floor(ITEMS / 100));
  const soItems = so.snapshot();
  const calItems = cal.snapshot();
  for (let i = 0; i < edits; i++) {
    so.userUpdate(soItems[i * 2]!.id, { title: `Edited in SuperOffice ${i}` });
    cal.userUpdate(calItems[i * 2 + 1]!.id, { location: `Room ${i}` });
  }
  const edit = await timed(() => run());
  if (edit.r.writes !== edits * 2) {
    console.log(`expected ${edits * 2} writes, got ${edit.r.writes}`);
    out.fail();
  }
  out.report(`${edits * 2} edits (1% per side), per change`, edit.ms / (edits * 2), 'ms', LIMITS.editMsPerChange);
} finally {
  await db.destroy();
  await bdb.drop();
}
process.exit(out.failed ? 1 : 0);
