// What every push that names an item does, in the caller's transaction: note the item for the
// link's next run (so it is re-read by id whatever the change feed says) and ask for that run.
// Used by the SuperOffice webhook, Graph notifications, the owner lookup of route-activity and the
// passport's "Sync now".
import type { Knex } from 'knex';
import { addSyncHint } from '../db/sync-hints.ts';
import type { Queue } from './queue.ts';

export async function wakeLink(
  trx: Knex.Transaction,
  queue: Pick<Queue, 'enqueueLinkSync'>,
  w: { tenantId: string; linkId: string; side: 'superoffice' | 'calendar'; itemId?: string; reason: string },
): Promise<void> {
  if (w.itemId !== undefined) await addSyncHint(trx, { tenantId: w.tenantId, linkId: w.linkId, side: w.side, itemId: w.itemId });
  await queue.enqueueLinkSync(w.tenantId, w.linkId, { reason: w.reason, trx });
}
