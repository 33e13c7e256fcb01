// Each test file gets its own database on the test server, so files can run in parallel and a
// failed run leaves nothing that changes the next one.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type Db } from '../../server/db/knex.ts';
import { migrateLatest } from '../../server/db/migrate.ts';
import { migrateQueueSchema } from '../../server/jobs/queue.ts';

export function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run tests through `npm test`');
  return url;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: serverUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, ending any connection still open on it. */
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: withDatabase(serverUrl(), name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

export interface MigratedDatabase extends TestDatabase {
  db: Db;
  /** Closes the knex pool and drops the database. */
  close(): Promise<void>;
}

/** A fresh database migrated as the app migrates it (its tables and the queue's), with knex on it. */
export async function migratedDatabase(prefix = 't'): Promise<MigratedDatabase> {
  const tdb = await createTestDatabase(prefix);
  const db = createDb(tdb.url, 5);
  await migrateLatest(db, tdb.url, [() => migrateQueueSchema(tdb.url)]);
  return {
    ...tdb,
    db,
    async close() {
      await db.destroy();
      await tdb.drop();
    },
  };
}
