import type { Knex } from 'knex';

// A signed-in panel user: the cookie holds a random token, the row only its SHA-256, so a copy of
// the database signs nobody in. The CSRF token is random too and sealed (server/panel/sessions.ts).
// Panel sign-ins in progress reuse pending_logins (purpose 'panel'), whose purpose is free text.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('panel_sessions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.integer('associate_id').notNullable();
    t.boolean('is_administrator').notNullable();
    t.text('token_hash').notNullable().unique();
    t.text('sealed_csrf').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['tenant_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('panel_sessions');
}
