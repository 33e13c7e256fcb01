// Every queue task of an installation with SuperOffice configured, built from the app's services:
// provisioning and reconciliation of tenants, and the per-link sync with its two sides. Calendar
// connectors are passed in (server/app.ts registers those it has).
import type { Db } from '../db/knex.ts';
import { createDirectories } from '../providers/superoffice/directory.ts';
import type { Keyring } from '../security/secrets.ts';
import type { SuperOfficeApi } from '../superoffice/api-client.ts';
import { loadManifest } from '../../manifest/manifest.ts';
import { createLinkSides, superOfficeSideOptions, type CalendarSideFactory } from './link-sides.ts';
import { createProvisionTenantTask, PROVISION_TENANT_TASK } from './provision-tenant.ts';
import type { Queue, TaskHandler } from './queue.ts';
import { createReconcileAllTask, RECONCILE_ALL_TASK } from './reconcile-all.ts';
import { createReconcileTenantTask, RECONCILE_TENANT_TASK } from './reconcile-tenant.ts';
import { createRouteActivityTask, ROUTE_ACTIVITY_TASK } from './route-activity.ts';
import { createSyncLinkTask, SYNC_LINK_TASK } from './sync-link.ts';
import {
  createGraphSubscribeTask, createGraphSubscriptionsTask, GRAPH_SUBSCRIBE_TASK, GRAPH_SUBSCRIPTIONS_TASK, type GraphSubscribeDeps,
} from './graph-subscribe.ts';

export interface AppTaskDeps {
  db: Db;
  keyring: Keyring;
  api: SuperOfficeApi;
  queue: Pick<Queue, 'enqueue' | 'enqueueLinkSync'>;
  publicUrl: string;
  /** Calendar connectors by the profile's calendar system; a system without one says so on its links. */
  calendars: Record<string, CalendarSideFactory>;
}

export function appTasks(deps: AppTaskDeps): Record<string, TaskHandler> {
  const { db, keyring, api, queue } = deps;
  // People (attendees by e-mail) and appointment types, cached per tenant across runs.
  const directories = createDirectories({ api });
  const sides = createLinkSides({ api, calendars: deps.calendars, superofficeOptions: superOfficeSideOptions(directories) });
  return {
    [PROVISION_TENANT_TASK]: createProvisionTenantTask({ db, keyring, api, manifest: loadManifest(), publicUrl: deps.publicUrl }),
    [RECONCILE_TENANT_TASK]: createReconcileTenantTask({ db, keyring, api, queue }),
    [RECONCILE_ALL_TASK]: createReconcileAllTask({ db, queue }),
    [ROUTE_ACTIVITY_TASK]: createRouteActivityTask({ db, keyring, api, queue }),
    [SYNC_LINK_TASK]: createSyncLinkTask({ db: () => db, engine: { keyring, queue, sides } }),
  };
}

/** The Microsoft 365 connector's own tasks: one subscription per linked mailbox, and their renewal. */
export function microsoftTasks(deps: GraphSubscribeDeps): Record<string, TaskHandler> {
  return {
    [GRAPH_SUBSCRIBE_TASK]: createGraphSubscribeTask(deps),
    [GRAPH_SUBSCRIPTIONS_TASK]: createGraphSubscriptionsTask(deps),
  };
}
