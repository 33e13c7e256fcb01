// The crontab's fan-out for reconciliation (see reconcile-tenant.ts): per installed tenant, one
// reconcile-tenant job and one provisioning check, at most one pending of each.
import type { Db } from '../db/knex.ts';
import type { Queue, TaskHandler } from './queue.ts';
import { PROVISION_TENANT_TASK } from './provision-tenant.ts';
import { RECONCILE_INTERVAL_MINUTES } from './reconcile-interval.ts';
import { RECONCILE_TENANT_TASK } from './reconcile-tenant.ts';
import { NOT_INSTALLED } from './tenant-work.ts';

export const RECONCILE_ALL_TASK = 'reconcile-all';
/**
 * graphile-worker crontab line for the fan-out. The job key keeps one pending fan-out at most if
 * workers were down for a while; `max=1`: a failed fan-out simply waits for the next tick.
 */
export const RECONCILE_CRONTAB = `*/${RECONCILE_INTERVAL_MINUTES} * * * * ${RECONCILE_ALL_TASK} ?max=1&jobKey=${RECONCILE_ALL_TASK}`;

export interface ReconcileAllDeps {
  db: Db;
  queue: Pick<Queue, 'enqueue'>;
}

export function createReconcileAllTask(deps: ReconcileAllDeps): TaskHandler {
  return async (_payload, ctx) => {
    const tenants: { id: string }[] = await deps.db('tenants').whereNotIn('installation_state', NOT_INSTALLED).select('id');
    for (const { id } of tenants) {
      // The queue name keeps two runs of one tenant from overlapping (a slow run and the next tick).
      await deps.queue.enqueue(RECONCILE_TENANT_TASK, { tenantId: id }, { jobKey: `reconcile:${id}`, jobKeyMode: 'preserve_run_at', queueName: `reconcile:${id}` });
      // Also checks the panels and re-activates a webhook SuperOffice stopped after too many errors.
      await deps.queue.enqueue(PROVISION_TENANT_TASK, { tenantId: id }, { jobKey: `provision:${id}`, jobKeyMode: 'preserve_run_at' });
    }
    ctx.log.info({ tenants: tenants.length }, 'reconcile-all: enqueued');
  };
}
