import type { Knex } from 'knex';

/**
 * Notes that a webhook or notification named this item, so the link's next run re-reads it by id.
 * SuperOffice's change feed cannot show a deletion; the hint plus a read that finds nothing can.
 */
export async function addSyncHint(
  trx: Knex | Knex.Transaction,
  h: { tenantId: string; linkId: string; side: 'superoffice' | 'calendar'; itemId: string },
): Promise<void> {
  await trx('sync_hints')
    // clock_timestamp, not now(): the statement's time rather than its transaction's start, so a
    // run that read hints meanwhile compares against the latest possible stamp.
    .insert({ tenant_id: h.tenantId, link_id: h.linkId, side: h.side, item_id: h.itemId, created_at: trx.raw('clock_timestamp()') })
    .onConflict(['link_id', 'side', 'item_id'])
    // A newer hint for the same item moves its time on, so a run that started earlier keeps it.
    .merge({ created_at: trx.raw('clock_timestamp()') });
}
