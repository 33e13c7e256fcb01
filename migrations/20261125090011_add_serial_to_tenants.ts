import type { Knex } from 'knex';

// The tenant's SuperOffice serial (id_token `serial` claim): system-user JWTs are issued for
// audience `spn:<serial>`, so we can check that a ticket was minted for this tenant.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenants', (t) => {
    t.text('serial');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenants', (t) => {
    t.dropColumn('serial');
  });
}
