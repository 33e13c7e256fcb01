import type { Knex } from 'knex';

// The tenant's base time zone (IANA): SuperOffice keeps appointments as wall time in it, so the
// SuperOffice side reads and writes in that zone. Null until known; the side then assumes Europe/Oslo.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenants', (t) => {
    t.text('time_zone');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenants', (t) => {
    t.dropColumn('time_zone');
  });
}
