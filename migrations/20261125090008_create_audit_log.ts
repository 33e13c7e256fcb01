import type { Knex } from 'knex';

// Every write the app makes, and every admin action: who or what caused it, on which side and
// item, and the state before and after.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // e.g. "webhook:activity.changed", "admin:associate:5", "poll", "system"
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.uuid('link_id');
    t.text('side');
    t.text('item_id');
    t.jsonb('before');
    t.jsonb('after');
    t.text('reason');
    t.index(['tenant_id', 'at']);
    t.index(['tenant_id', 'link_id', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
}
