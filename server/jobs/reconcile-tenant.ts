// Reconciliation: the safety net under SuperOffice webhooks. Every RECONCILE_INTERVAL_MINUTES,
// `reconcile-all` fans out one `reconcile-tenant` per installed tenant, which reads what changed in
// FindAppointment since the tenant's watermark and asks for a sync of each affected link, so a lost
// webhook delivery costs at most one interval. The link's sync job finds the actual differences;
// here we only decide which links to wake.
//
// Watermark order matters: the next watermark is taken (now minus an overlap for clock skew
// between us and SuperOffice and for rows committed while we read) before reading, and stored only
// after every enqueue succeeded, so a crash or a deferral re-reads rather than loses changes.
import { z } from 'zod';
import type { Db } from '../db/knex.ts';
import { findLinkForAppointment } from '../db/links.ts';
import { addSyncHint } from '../db/sync-hints.ts';
import type { Keyring } from '../security/secrets.ts';
import type { SuperOfficeApi } from '../superoffice/api-client.ts';
import { changedAppointments, type ChangedAppointment, type TenantCall } from '../superoffice/reconcile.ts';
import { loadTenantForWork, withTenantErrors } from './tenant-work.ts';
import type { Queue, TaskHandler } from './queue.ts';

export const RECONCILE_TENANT_TASK = 'reconcile-tenant';

/** Default overlap between runs; re-reading a few minutes costs a few redundant (debounced) syncs. */
export const RECONCILE_OVERLAP_MS = 2 * 60_000;
const WATERMARK = 'superoffice:appointments';


const payloadSchema = z.object({ tenantId: z.uuid() });

export interface ReconcileTenantDeps {
  db: Db;
  keyring: Keyring;
  api: SuperOfficeApi;
  queue: Pick<Queue, 'enqueueLinkSync'>;
  /** Default RECONCILE_OVERLAP_MS. */
  overlapMs?: number;
  now?: () => Date;
}

/**
 * Whether the link already holds this appointment as last changed at this stamp: its webhook
 * arrived and was synced, so the overlap of two rounds need not wake the link. The stored
 * version begins with the appointment's last-change time (server/providers/superoffice/items.ts);
 * the archive gives whole seconds. A series row other than the item's own id is always woken.
 */
async function syncedAtStamp(db: Db, tenantId: string, linkId: string, c: ChangedAppointment): Promise<boolean> {
  if (!c.updated) return false;
  const row = await db('synced_items')
    .where({ tenant_id: tenantId, link_id: linkId, so_id: String(c.appointmentId), state: 'active', dirty: false })
    .first('so_version');
  const version = typeof row?.so_version === 'string' ? row.so_version : '';
  return version.slice(0, 19) === c.updated.toISOString().slice(0, 19);
}

export function createReconcileTenantTask(deps: ReconcileTenantDeps): TaskHandler {
  const overlapMs = deps.overlapMs ?? RECONCILE_OVERLAP_MS;
  const now = deps.now ?? (() => new Date());
  return async (payload, ctx) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      ctx.log.error('reconcile-tenant: malformed payload dropped');
      return;
    }
    const { tenantId } = parsed.data;
    const t = await loadTenantForWork(deps.db, deps.keyring, tenantId, ctx, RECONCILE_TENANT_TASK);
    if (!t) return;
    const tenant = t.row;
    const stored = await deps.db('tenant_watermarks').where({ tenant_id: tenantId, name: WATERMARK }).first('value');
    // First run: nothing before the install needs catching up (links start with a full sync).
    const since: Date = stored ? new Date(stored.value) : new Date(new Date(tenant.installed_at ?? tenant.created_at).getTime() - overlapMs);
    const candidate = new Date(now().getTime() - overlapMs);
    // Never backwards: a clock step back must not re-read days, nor may runs closer than the overlap.
    const next = candidate > since ? candidate : since;

    const call: TenantCall = (fn) => deps.api.call(t.who, fn);
    const woken = new Set<string>();
    let changes = 0;
    const completed = await withTenantErrors(deps.db, t, ctx, RECONCILE_TENANT_TASK, async () => {
      for await (const page of changedAppointments(call, since, { timeZone: tenant.time_zone })) {
        // Handed back or taken over: stop before storing a watermark for work not done.
        ctx.signal.throwIfAborted();
        changes += page.length;
        for (const c of page) {
          const linkId = await findLinkForAppointment(deps.db, tenantId, c.associateId, c.appointmentId);
          if (!linkId || (await syncedAtStamp(deps.db, tenantId, linkId, c))) continue;
          // Named as a webhook would have: the run re-reads it even if it does not list the feed.
          await addSyncHint(deps.db, { tenantId, linkId, side: 'superoffice', itemId: String(c.appointmentId) });
          if (woken.has(linkId)) continue;
          await deps.queue.enqueueLinkSync(tenantId, linkId, { reason: 'reconcile' });
          woken.add(linkId);
        }
      }
    });
    if (!completed) return;
    await deps.db('tenant_watermarks')
      .insert({ tenant_id: tenantId, name: WATERMARK, value: next, updated_at: deps.db.fn.now() })
      .onConflict(['tenant_id', 'name'])
      .merge(['value', 'updated_at']);
    ctx.log.info({ tenant: tenant.context_identifier, changes, links: woken.size }, 'reconcile-tenant: done');
  };
}
