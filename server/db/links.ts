import type { Knex } from 'knex';

/** States in which a link takes part in sync; others (unlinked) ignore changes. */
const SYNCING = ['pending', 'active', 'needs_reconnect', 'needs_confirmation', 'paused', 'error'];

/**
 * The link an appointment change belongs to: the diary owner's link, or, when the event does not
 * say who the owner is (a delete), the link that already syncs that appointment.
 */
export async function findLinkForAppointment(
  db: Knex | Knex.Transaction,
  tenantId: string,
  ownerAssociateId: number | undefined,
  appointmentId: number | undefined,
): Promise<string | undefined> {
  if (ownerAssociateId !== undefined) {
    const link = await db('links')
      .where({ tenant_id: tenantId, associate_id: ownerAssociateId })
      .whereIn('state', SYNCING)
      .first('id');
    if (link) return link.id as string;
  }
  if (appointmentId !== undefined) {
    const item = await db('synced_items')
      .join('links', 'links.id', 'synced_items.link_id')
      .where({ 'synced_items.tenant_id': tenantId, 'synced_items.so_id': String(appointmentId) })
      .whereIn('links.state', SYNCING)
      .first('links.id as id');
    if (item) return item.id as string;
  }
  return undefined;
}
