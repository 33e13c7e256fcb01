import type { Knex } from 'knex';

export interface InboundEvent {
  tenantId: string;
  source: 'superoffice' | 'graph' | 'ews' | 'google' | 'tenant_state';
  eventId: string;
  eventType: string;
  payload: unknown;
}

/**
 * Records an event unless one with the same (source, event id) is already there.
 * Returns false for a redelivery, which must then cause no new work.
 */
export async function recordInboundEvent(trx: Knex | Knex.Transaction, e: InboundEvent): Promise<boolean> {
  const rows = await trx('inbound_events')
    .insert({ tenant_id: e.tenantId, source: e.source, event_id: e.eventId, event_type: e.eventType, payload: JSON.stringify(e.payload) })
    .onConflict(['source', 'event_id'])
    .ignore()
    .returning('id');
  return rows.length > 0;
}
