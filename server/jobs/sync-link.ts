// The per-link sync task. The sync engine arrives in a later issue; until then the task does the
// part that will stay: it reads the link within its tenant and decides whether a sync is due, and
// says in the log that the engine is not there yet rather than pretending to have synced.
import { z } from 'zod';
import type { Db } from '../db/knex.ts';
import type { TaskHandler } from './queue.ts';

export const SYNC_LINK_TASK = 'sync-link';

const payloadSchema = z.object({
  tenantId: z.uuid(),
  linkId: z.uuid(),
  reason: z.string().optional(),
});

/** Link states in which nothing may be synced until a person acts. */
const IDLE_STATES = new Set(['paused', 'unlinked', 'needs_reconnect', 'needs_confirmation']);

export interface SyncLinkDeps {
  db: () => Db;
}

export function createSyncLinkTask(deps: SyncLinkDeps): TaskHandler {
  return async (payload, ctx) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      // Retrying cannot fix a malformed payload; dropping it (loudly) beats 12 doomed attempts.
      ctx.log.error({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'sync-link: malformed payload dropped');
      return;
    }
    const { tenantId, linkId, reason } = parsed.data;
    // Scoped by tenant: a job can only ever reach the link of the tenant that asked for it.
    const link = await deps
      .db()('links')
      .where({ tenant_id: tenantId, id: linkId })
      .first<{ id: string; state: string; direction: string } | undefined>('id', 'state', 'direction');
    if (!link) {
      ctx.log.info({ tenantId, linkId }, 'sync-link: no such link for this tenant (removed since?); nothing to do');
      return;
    }
    if (IDLE_STATES.has(link.state) || link.direction === 'off') {
      ctx.log.info({ tenantId, linkId, state: link.state, direction: link.direction }, 'sync-link: link is idle; skipped');
      return;
    }
    ctx.log.info(
      { tenantId, linkId, reason, state: link.state, direction: link.direction, attempt: ctx.attempt },
      'sync-link: sync due; the sync engine is not wired in yet',
    );
  };
}
