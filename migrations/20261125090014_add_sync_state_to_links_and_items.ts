import type { Knex } from 'knex';

// What the sync engine keeps between runs beyond the link table's halves:
// - links.settings: a user's own overrides of the profile settings (validated by server/sync/settings.ts);
// - links.pending_deletions: what a refused mass deletion would have deleted, for the admin to judge;
// - links.confirm_deletions: set when the admin confirmed; the next run deletes, then clears it;
// - synced_items.dirty: the last action on the row failed, so the next run re-reads both items;
// - sync_hints: item ids a webhook or notification named, re-read by the next run of that link
//   (SuperOffice's change feed does not list deletions; a hint does).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('links', (t) => {
    t.jsonb('settings').notNullable().defaultTo('{}');
    t.jsonb('pending_deletions');
    t.boolean('confirm_deletions').notNullable().defaultTo(false);
  });
  await knex.schema.alterTable('synced_items', (t) => {
    t.boolean('dirty').notNullable().defaultTo(false);
  });
  await knex.schema.createTable('sync_hints', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.uuid('link_id').notNullable().references('links.id').onDelete('CASCADE');
    // superoffice or calendar
    t.text('side').notNullable();
    t.text('item_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['link_id', 'side', 'item_id']);
    t.index(['tenant_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sync_hints');
  await knex.schema.alterTable('synced_items', (t) => {
    t.dropColumn('dirty');
  });
  await knex.schema.alterTable('links', (t) => {
    t.dropColumn('settings');
    t.dropColumn('pending_deletions');
    t.dropColumn('confirm_deletions');
  });
}
