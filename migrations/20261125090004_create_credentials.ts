import type { Knex } from 'knex';

// Secrets (system user token, refresh tokens, client secrets, passwords, webhook secrets), stored
// only as AES-256-GCM ciphertext with the id of the key that sealed them (server/security/secrets.ts).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('credentials', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    // tenant, profile or link: whose credential this is.
    t.text('owner_type').notNullable();
    t.uuid('owner_id').notNullable();
    t.text('kind').notNullable();
    t.text('key_id').notNullable();
    t.text('ciphertext').notNullable();
    t.timestamp('expires_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['tenant_id', 'owner_type', 'owner_id', 'kind']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('credentials');
}
