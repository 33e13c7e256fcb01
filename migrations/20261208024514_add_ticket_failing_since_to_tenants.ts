import type { Knex } from 'knex';

// When the system-user ticket exchange started failing, counting only failures in a row (null while
// it goes through). SuperOffice documents no refusal reasons, so the only sign that an installation
// needs an administrator is how long the refusals last (server/jobs/tenant-work.ts).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenants', (t) => {
    t.timestamp('ticket_failing_since', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenants', (t) => {
    t.dropColumn('ticket_failing_since');
  });
}
