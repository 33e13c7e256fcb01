import type { Knex } from 'knex';

// Every webhook or change notification we accepted, recorded before we answer 2xx. The unique
// (source, event_id) pair is what makes a redelivered event a no-op.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('inbound_events', (t) => {
    t.bigIncrements('id');
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    // superoffice, graph, ews, google, tenant_state
    t.text('source').notNullable();
    t.text('event_id').notNullable();
    t.text('event_type').notNullable();
    t.jsonb('payload').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.unique(['source', 'event_id']);
    t.index(['tenant_id', 'received_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('inbound_events');
}
