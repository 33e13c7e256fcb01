import type { Knex } from 'knex';

// Why the tenant's background work is not going through, in SuperOffice's own words when it gave
// any (a refused ticket exchange, a revoked installation); null while all is well.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenants', (t) => {
    t.text('status_message');
    t.timestamp('status_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenants', (t) => {
    t.dropColumn('status_message');
    t.dropColumn('status_at');
  });
}
