// `npm run migrate`: applies pending migrations to DATABASE_URL and exits. The app does the same at
// start; this is for operators who migrate before rolling out, and for the concurrency test.
import { createDb } from './knex.ts';
import { migrateLatest } from './migrate.ts';
import { migrateQueueSchema } from '../jobs/queue.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL: required (a postgres:// connection URL)');
  process.exit(2);
}
const db = createDb(url, 2);
try {
  const { applied } = await migrateLatest(db, url, [() => migrateQueueSchema(url)]);
  console.log(`applied ${applied.length} migration(s)${applied.length ? `: ${applied.join(', ')}` : ''}`);
} catch (err) {
  console.error(`migration failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
