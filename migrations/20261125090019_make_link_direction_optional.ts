import type { Knex } from 'knex';

// links.direction was NOT NULL with 'two_way' as default, so it always overrode the profile's and
// the user's direction setting. Now null means "as the settings say"; a value is an administrator's
// choice for this one link. Rows holding the old default had made no choice.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('links', (t) => {
    t.text('direction').nullable().defaultTo(null).alter();
  });
  await knex('links').where({ direction: 'two_way' }).update({ direction: null });
}

export async function down(knex: Knex): Promise<void> {
  await knex('links').whereNull('direction').update({ direction: 'two_way' });
  await knex.schema.alterTable('links', (t) => {
    t.text('direction').notNullable().defaultTo('two_way').alter();
  });
}
