import type { Knex } from 'knex';

// Per-tenant high-water marks of jobs that scan a whole tenant (the reconciliation's "changed since"
// time). Apart from `cursors`, which belong to one link: a tenant-wide scan has no link to hang on.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tenant_watermarks', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.timestamp('value', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['tenant_id', 'name']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('tenant_watermarks');
}
