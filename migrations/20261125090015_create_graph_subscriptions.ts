import type { Knex } from 'knex';

// Microsoft 365 push: one Graph subscription per linked mailbox (its clientState is a credential of
// the link, sealed), renewed before it expires; and, per profile, the non-secret facts of its
// connection (the customer's Entra tenant id, the auth mode, when consent was verified).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('profiles', (t) => {
    t.jsonb('connection').notNullable().defaultTo('{}');
  });
  await knex.schema.createTable('graph_subscriptions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.uuid('link_id').notNullable().references('links.id').onDelete('CASCADE');
    // Graph's own id; notifications name it.
    t.text('subscription_id').notNullable().unique();
    t.text('resource').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('last_notification_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['link_id']);
    t.index(['tenant_id']);
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('graph_subscriptions');
  await knex.schema.alterTable('profiles', (t) => {
    t.dropColumn('connection');
  });
}
