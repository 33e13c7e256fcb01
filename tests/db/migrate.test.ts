import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/db.ts';
import { runScript } from '../helpers/run-script.ts';
import { createDb } from '../../server/db/knex.ts';

function runMigrateProcess(url: string) {
  return runScript('server/db/migrate-cli.ts', [], { ...process.env, DATABASE_URL: url });
}

test('two processes migrating one empty database at once apply every migration exactly once', async () => {
  const tdb = await createTestDatabase();
  try {
    const [a, b] = await Promise.all([runMigrateProcess(tdb.url), runMigrateProcess(tdb.url)]);
    assert.equal(a.code, 0, a.out);
    assert.equal(b.code, 0, b.out);
    const db = createDb(tdb.url, 2);
    try {
      const rows = await db('knex_migrations').select('name');
      const names = rows.map((r) => r.name as string);
      assert.ok(names.length >= 8, `expected the first schema, got ${names.join(', ')}`);
      assert.equal(new Set(names).size, names.length, 'a migration was applied twice');
      // One process applied them all, the other found nothing left to do.
      const counts = [a.out, b.out].map((o) => Number(/applied (\d+)/.exec(o)?.[1]));
      assert.deepEqual(counts.sort(), [0, names.length]);
      const tables = await db('information_schema.tables').where({ table_schema: 'public' }).pluck('table_name');
      for (const t of ['tenants', 'profiles', 'links', 'credentials', 'synced_items', 'cursors', 'inbound_events', 'audit_log']) {
        assert.ok(tables.includes(t), `table ${t} missing`);
      }
    } finally {
      await db.destroy();
    }
  } finally {
    await tdb.drop();
  }
});

test('every tenant-owned table carries a non-null tenant_id', async () => {
  const tdb = await createTestDatabase();
  const db = createDb(tdb.url, 2);
  try {
    const r = await runMigrateProcess(tdb.url);
    assert.equal(r.code, 0, r.out);
    const cols = await db('information_schema.columns')
      .where({ table_schema: 'public', column_name: 'tenant_id' })
      .select('table_name', 'is_nullable');
    const owned = ['profiles', 'links', 'credentials', 'synced_items', 'cursors', 'inbound_events', 'audit_log'];
    for (const t of owned) {
      const c = cols.find((x) => x.table_name === t);
      assert.ok(c, `${t} has no tenant_id`);
      assert.equal(c.is_nullable, 'NO', `${t}.tenant_id is nullable`);
    }
  } finally {
    await db.destroy();
    await tdb.drop();
  }
});
