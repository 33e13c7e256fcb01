// An engine under test: a real PostgreSQL database with one tenant, profile and link, and two
// in-memory sides honouring the CalendarSide contract. `run()` is one sync run, as the job makes it.
import { LinkStore } from '../../server/sync/link-store.ts';
import type { Direction, SideName } from '../../server/sync/plan-types.ts';
import { runSync, type RunReport } from '../../server/sync/run.ts';
import { resolveSettings } from '../../server/sync/settings.ts';
import { windowOf } from '../../server/sync/scope.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';
import { MemorySide } from './memory-side.ts';

export const ENGINE_NOW = '2026-03-01T12:00:00.000Z';

export interface Engine {
  tdb: MigratedDatabase;
  tenantId: string;
  linkId: string;
  store: LinkStore;
  so: MemorySide;
  cal: MemorySide;
  run(opts?: { settings?: object; direction?: Direction; now?: string; actor?: string; hintsOnly?: readonly SideName[] }): Promise<RunReport>;
  /** A fresh pair of sides bound to a new window (the job builds sides per run, bound to the window). */
  rebind(window: { from: string; to: string }): void;
  close(): Promise<void>;
}

export async function startEngine(opts: { settings?: object; keyCounter?: boolean } = {}): Promise<Engine> {
  const tdb = await migratedDatabase('eng');
  const { db } = tdb;
  const [tenant] = await db('tenants').insert({ context_identifier: 'Cust1', installation_state: 'active' }).returning('id');
  const [profile] = await db('profiles').insert({ tenant_id: tenant.id, name: 'M365', calendar_system: 'graph', settings: JSON.stringify(opts.settings ?? {}) }).returning('id');
  const [link] = await db('links')
    .insert({ tenant_id: tenant.id, profile_id: profile.id, associate_id: 5, mailbox: 'ada@example.test', state: 'active' })
    .returning('id');
  const window = windowOf(resolveSettings(opts.settings ?? {}, {}), ENGINE_NOW);
  let keys = 0;
  // One clock for both sides, so "newest wins" compares edits in the order the test makes them.
  let ticks = 0;
  const clock = () => new Date(Date.UTC(2026, 0, 1) + 1000 * ++ticks).toISOString();
  const engine: Engine = {
    tdb,
    tenantId: tenant.id,
    linkId: link.id,
    store: new LinkStore(db, tenant.id, link.id),
    so: new MemorySide({ name: 'so', window, now: clock }),
    cal: new MemorySide({ name: 'cal', window, now: clock }),
    async run(o = {}) {
      const settings = resolveSettings(o.settings ?? opts.settings ?? {}, {});
      return runSync({
        store: engine.store,
        sides: { superoffice: engine.so, calendar: engine.cal },
        settings,
        direction: o.direction ?? settings.direction,
        mailbox: 'ada@example.test',
        actor: o.actor ?? 'test',
        now: () => new Date(o.now ?? ENGINE_NOW),
        newKey: () => `key-${++keys}`,
        ...(o.hintsOnly ? { hintsOnly: o.hintsOnly } : {}),
      });
    },
    rebind(w) {
      engine.so.rebindWindow(w);
      engine.cal.rebindWindow(w);
    },
    close: () => tdb.close(),
  };
  return engine;
}
