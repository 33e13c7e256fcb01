import type { Knex } from 'knex';

// Whether a user's appointment passport answers for other users' public appointments. Off by
// default: a user sees only the passports of their own appointments unless an administrator allows
// more (server/panel-api/passport.ts). Private appointments of others are never shown.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenants', (t) => {
    t.boolean('passport_shows_others').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenants', (t) => {
    t.dropColumn('passport_shows_others');
  });
}
