// An activity webhook whose owner the receiver could not tell: SuperOffice's documented
// `activity.changed` carries no FieldValues (no `associate_id`, no `type`), and the appointment is
// not yet one we sync. The receiver never calls SuperOffice, so this job does: it reads the
// appointment as the tenant's system user, drops documents, and wakes the owner's link with the
// appointment named, so the change travels within seconds rather than at the next reconciliation.
// An appointment that is gone by now is looked up in the link tables again: its deletion webhook
// may have come before the pair of its first sync was committed.
import { AppointmentAgent, AppointmentType } from '@superoffice/webapi';
import { z } from 'zod';
import type { Db } from '../db/knex.ts';
import { findLinkForAppointment } from '../db/links.ts';
import type { Keyring } from '../security/secrets.ts';
import type { SuperOfficeApi } from '../superoffice/api-client.ts';
import type { Queue, TaskHandler } from './queue.ts';
import { loadTenantForWork, withTenantErrors } from './tenant-work.ts';
import { wakeLink } from './wake-link.ts';

export const ROUTE_ACTIVITY_TASK = 'route-activity';

const payloadSchema = z.object({ tenantId: z.uuid(), appointmentId: z.number().int().positive(), event: z.string().max(200) });

export interface RouteActivityDeps {
  db: Db;
  keyring: Keyring;
  api: SuperOfficeApi;
  queue: Pick<Queue, 'enqueueLinkSync'>;
}

/** Asks for the owner of an appointment; one pending job per appointment collapses a burst. */
export function routeActivityJob(tenantId: string, appointmentId: number, event: string) {
  return { task: ROUTE_ACTIVITY_TASK, payload: { tenantId, appointmentId, event }, opts: { jobKey: `${ROUTE_ACTIVITY_TASK}:${tenantId}:${appointmentId}` } };
}

export function createRouteActivityTask(deps: RouteActivityDeps): TaskHandler {
  return async (payload, ctx) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      ctx.log.error(`${ROUTE_ACTIVITY_TASK}: malformed payload dropped`);
      return;
    }
    const { tenantId, appointmentId, event } = parsed.data;
    const t = await loadTenantForWork(deps.db, deps.keyring, tenantId, ctx, ROUTE_ACTIVITY_TASK);
    if (!t) return;
    await withTenantErrors(deps.db, t, ctx, ROUTE_ACTIVITY_TASK, async () => {
      const entity = await deps.api.call(t.who, (agent) => agent(AppointmentAgent).getAppointmentEntityAsync(appointmentId));
      const gone = !entity || !entity.appointmentId;
      if (!gone && entity.type === AppointmentType.Document) return;
      // Gone: only the link table can say whose it was (its pair may have been committed since the webhook).
      const linkId = await findLinkForAppointment(deps.db, tenantId, gone ? undefined : entity.associate?.associateId, appointmentId);
      if (!linkId) return;
      await deps.db.transaction((trx) => wakeLink(trx, deps.queue, { tenantId, linkId, side: 'superoffice', itemId: String(appointmentId), reason: `webhook:${event}` }));
    });
  };
}
