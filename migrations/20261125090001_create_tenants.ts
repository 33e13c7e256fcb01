import type { Knex } from 'knex';

// One row per SuperOffice customer (context identifier) that installed the app.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tenants', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('context_identifier').notNullable().unique();
    t.text('name');
    // installing -> active -> suspended/uninstalled; the app never deletes a tenant's data by itself.
    t.text('installation_state').notNullable().defaultTo('installing');
    t.integer('installed_by_associate_id');
    t.timestamp('installed_at', { useTz: true });
    // Mirrors SuperOffice's tenant state (Running, Suspended, ...) and the app subscription.
    t.text('tenant_state').notNullable().defaultTo('Unknown');
    t.text('subscription_state').notNullable().defaultTo('trial');
    t.integer('seat_count').notNullable().defaultTo(0);
    t.text('api_base_url');
    t.timestamps(true, true);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('tenants');
}
