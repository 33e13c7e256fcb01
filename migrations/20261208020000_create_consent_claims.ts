import type { Knex } from 'knex';

// A Microsoft sign-in that was verified in the consent popup and now waits for the panel session that
// started it to claim it (server/microsoft/consent-claims.ts). Only the SHA-256 of the one-time code
// is kept; a per-user connection's refresh token waits here sealed until the claim.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('consent_claims', (t) => {
    t.text('code_hash').primary();
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.text('kind').notNullable();
    t.uuid('subject_id').notNullable();
    t.text('session_id').notNullable();
    t.integer('associate_id').notNullable();
    t.text('entra_tenant_id').notNullable();
    t.text('account').notNullable();
    t.text('sealed_refresh_token');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('consent_claims');
}
