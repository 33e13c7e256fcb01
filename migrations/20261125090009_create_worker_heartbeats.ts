import type { Knex } from 'knex';

// One row per running job-queue worker pool, refreshed every few seconds. A pool whose row goes
// stale is presumed dead, and any node unlocks its jobs (graphile-worker alone would wait 4 hours).
// Not tenant-owned: a worker serves every tenant.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('worker_heartbeats', (t) => {
    // graphile-worker's pool id, the value it writes into jobs.locked_by.
    t.text('worker_id').primary();
    t.text('hostname').notNullable();
    t.integer('pid').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['last_seen_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('worker_heartbeats');
}
