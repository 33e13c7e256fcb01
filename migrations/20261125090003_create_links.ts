import type { Knex } from 'knex';

// A link: one SuperOffice associate synced with one mailbox through one profile.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('links', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.uuid('profile_id').notNullable().references('profiles.id').onDelete('CASCADE');
    t.integer('associate_id').notNullable();
    t.text('associate_email');
    t.text('mailbox').notNullable();
    // pending, active, needs_reconnect, needs_confirmation, paused, error, unlinked
    t.text('state').notNullable().defaultTo('pending');
    // two_way, to_calendar, to_superoffice, off
    t.text('direction').notNullable().defaultTo('two_way');
    t.timestamp('last_sync_at', { useTz: true });
    t.timestamp('next_sync_at', { useTz: true });
    t.text('last_error');
    t.timestamps(true, true);
    t.unique(['tenant_id', 'associate_id']);
    t.index(['tenant_id', 'profile_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('links');
}
