import type { Knex } from 'knex';

// A session's administrator flag comes from the sign-in's id_token and SuperOffice can take the
// right away at any time, so it is trusted only for a few minutes after it was last confirmed
// (server/panel/sessions.ts, ADMIN_RECHECK_MS). Null means never confirmed: rechecked at first use.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('panel_sessions', (t) => {
    t.timestamp('admin_checked_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('panel_sessions', (t) => {
    t.dropColumn('admin_checked_at');
  });
}
