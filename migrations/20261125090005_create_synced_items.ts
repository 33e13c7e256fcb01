import type { Knex } from 'knex';

// The link table of the sync engine: one row per item kept in step, with each side's id, version
// marker and content hash. `stable_key` is stamped on both copies so a create is never repeated.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('synced_items', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.uuid('link_id').notNullable().references('links.id').onDelete('CASCADE');
    t.text('stable_key').notNullable();
    t.text('so_id');
    t.text('so_version');
    t.text('so_hash');
    t.text('ext_id');
    t.text('ext_version');
    t.text('ext_hash');
    // active or tombstone (deleted, restorable until restorable_until)
    t.text('state').notNullable().defaultTo('active');
    t.timestamp('deleted_at', { useTz: true });
    t.timestamp('restorable_until', { useTz: true });
    t.jsonb('tombstone');
    t.text('last_error');
    t.timestamp('last_synced_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['tenant_id', 'stable_key']);
    t.unique(['link_id', 'so_id']);
    t.unique(['link_id', 'ext_id']);
    t.index(['tenant_id', 'link_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('synced_items');
}
