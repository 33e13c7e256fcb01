import type { Knex } from 'knex';

// An OpenID Connect sign-in under way (install consent, later panel sign-in): the state we sent,
// with its nonce and PKCE verifier (sealed), until the callback comes back or it expires. Not
// tenant-owned: the tenant may not exist before the install completes.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('pending_logins', (t) => {
    t.text('state').primary();
    t.text('purpose').notNullable();
    t.text('context_identifier');
    t.text('nonce').notNullable();
    t.text('sealed_verifier').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('pending_logins');
}
