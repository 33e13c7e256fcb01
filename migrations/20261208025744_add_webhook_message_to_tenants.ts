import type { Knex } from 'knex';

// Words for the administrator while SuperOffice does not let the app keep its webhook (the Webhook
// agent is not available in Online until access is requested); null while the webhook is in place.
// Separate from status_message, which every successful task run clears: this one only provisioning
// sets and clears (server/jobs/provision-tenant.ts).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenants', (t) => {
    t.text('webhook_message');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenants', (t) => {
    t.dropColumn('webhook_message');
  });
}
