import type { Knex } from 'knex';

// Hit counters of the public routes' rate limits (express-rate-limit's store), shared by every node.
// Keyed by limit and client address, not tenant-owned: the requests they count are anonymous. A row
// lives one window; expired rows are swept by the store as it goes.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limits', (t) => {
    t.text('key').primary();
    t.integer('hits').notNullable();
    t.timestamp('reset_at', { useTz: true }).notNullable();
    t.index(['reset_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limits');
}
