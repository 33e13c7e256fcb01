import type { Knex } from 'knex';

// A sync profile: one calendar system (graph, ews, google) with its settings, per tenant.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('profiles', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('calendar_system').notNullable();
    t.jsonb('settings').notNullable().defaultTo('{}');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamps(true, true);
    t.unique(['tenant_id', 'name']);
    t.index(['tenant_id']);
  });
  await knex.raw(
    `ALTER TABLE profiles ADD CONSTRAINT profiles_calendar_system_check CHECK (calendar_system IN ('graph', 'ews', 'google'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('profiles');
}
