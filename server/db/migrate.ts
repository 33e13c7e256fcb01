// Runs knex migrations under a PostgreSQL advisory lock, so that any number of nodes starting at
// once against one database apply each migration exactly once. (knex's own lock table makes the
// losers fail with "Migration table is already locked"; the advisory lock makes them wait instead.)
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Db } from './knex.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

// An arbitrary constant shared by every node of this app: "calsync" in ASCII.
const MIGRATION_LOCK_KEY = 0x63616c73796e63n;

export interface MigrateResult {
  applied: string[];
}

export async function migrateLatest(
  db: Db,
  url: string,
  extra: Array<() => Promise<void>> = [],
): Promise<MigrateResult> {
  // The lock is held on a connection of its own, outside knex's pool, for the whole run.
  const lockClient = new pg.Client({ connectionString: url, application_name: 'calendar-sync-migrate' });
  await lockClient.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    const [, applied] = (await db.migrate.latest({
      directory: MIGRATIONS_DIR,
      loadExtensions: ['.ts'],
    })) as [number, string[]];
    for (const step of extra) await step();
    return { applied };
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => {});
    await lockClient.end().catch(() => {});
  }
}
