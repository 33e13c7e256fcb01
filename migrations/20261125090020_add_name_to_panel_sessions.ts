import type { Knex } from 'knex';

// The signed-in user's name as the id_token gave it (firstname and lastname claims), so the panels
// can greet the user and the "ask your administrator" page can say who is signed in. Null when
// SuperOffice sent neither claim, and for sessions made before this column.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('panel_sessions', (t) => {
    t.text('user_name').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('panel_sessions', (t) => {
    t.dropColumn('user_name');
  });
}
