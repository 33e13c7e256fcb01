import type { Knex } from 'knex';

// A sign-in ends in the popup, but the session cookie must be set by a response to the framed
// panel's own request (a partitioned cookie, the one kind browsers that block third-party cookies
// keep in a frame). So the callback makes the session unclaimed: no token yet (token_hash null),
// only the SHA-256 of a one-time hand-off code the popup passes to the panel, valid two minutes.
// The panel's claim burns the code and gives the session its token (server/panel/sessions.ts).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('panel_sessions', (t) => {
    t.text('token_hash').nullable().alter();
    t.text('handoff_hash').nullable().unique();
    t.timestamp('handoff_expires_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex('panel_sessions').whereNull('token_hash').delete();
  await knex.schema.alterTable('panel_sessions', (t) => {
    t.dropColumn('handoff_expires_at');
    t.dropColumn('handoff_hash');
    t.text('token_hash').notNullable().alter();
  });
}
