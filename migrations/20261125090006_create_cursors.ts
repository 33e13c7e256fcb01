import type { Knex } from 'knex';

// Where each side's change feed was read up to (delta link, SyncState, syncToken, updated-since
// watermark). Saved only after the changes it covers are applied or recorded as failed.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cursors', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.uuid('link_id').notNullable().references('links.id').onDelete('CASCADE');
    // superoffice or calendar
    t.text('side').notNullable();
    t.text('value').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['link_id', 'side']);
    t.index(['tenant_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('cursors');
}
