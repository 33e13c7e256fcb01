// The whole SuperOffice simulator on one HTTPS origin: the identity host (OIDC, system user,
// tenant state), the control API (identity half, plus the tenant API's appointments, faults and
// webhook deliveries), and each tenant's web API under its numbered host
// (`/sod2/Cust12345/api/v1/...`). Seeded with the demo tenant and the app's registration.
import express from 'express';
import type { Ca } from '../ca.ts';
import { startSimulator } from '../listen.ts';
import { apiControlRouter } from './api-control-routes.ts';
import { tenantAuth } from './auth.ts';
import { superOfficeControl } from './control.ts';
import { seedDemoAppointments } from './demo-appointments.ts';
import { createSuperOfficeIdentity } from './identity/router.ts';
import { superOfficeInfo } from './identity/sandbox-info.ts';
import { seedSuperOffice, type SuperOfficeSeed } from './seed.ts';
import { createSuperOfficeStore, type SoSettings, type SuperOfficeStore } from './store.ts';
import { createTenantApi, type TenantApiControl } from './api/tenant-api.ts';

export interface SuperOfficeSimulator {
  /** The environment root (what https://sod.superoffice.com is in production). */
  url: string;
  store: SuperOfficeStore;
  seed: SuperOfficeSeed;
  api: TenantApiControl;
  info(): ReturnType<typeof superOfficeInfo>;
  close(): Promise<void>;
}

export interface SuperOfficeSimulatorOptions {
  ca: Ca;
  /** The app's public URL: its sign-in callbacks and state-change endpoint hang off it. */
  appUrl: string;
  /** Keeps the app registration and consents across restarts; omit for a fresh one. */
  dataDir?: string;
  /** The app listens on plain http on loopback in the sandbox; real SuperOffice demands https. */
  allowHttpWebhooks?: boolean;
  /** Ticket lifetimes, clock skew and the like; tests shorten them. */
  settings?: Partial<SoSettings>;
  /** Webhook retry delays; tests shorten them. */
  webhookRetryDelaysMs?: number[];
  /** The tenant API's clock (appointments' Registered/Updated stamps); tests set the time of day. */
  appointmentClock?: () => Date;
  /** Fills the demo tenant's diary with sandbox/demo.ts's appointments (this week) when it is empty. */
  seedDemoAppointments?: boolean;
}

export async function startSuperOfficeSimulator(opts: SuperOfficeSimulatorOptions): Promise<SuperOfficeSimulator> {
  const store = createSuperOfficeStore({ environment: 'sod', settings: opts.settings });
  const seed = seedSuperOffice(store, {
    // The install consent and the panels' sign-in: two allowed redirect URLs, as in the developer portal.
    redirectUris: [`${opts.appUrl}/superoffice/callback`, `${opts.appUrl}/panel-auth/callback`],
    stateChangeUrl: `${opts.appUrl}/superoffice/state-change`,
    dataDir: opts.dataDir,
  });
  const tenantApi = createTenantApi({
    authenticate: tenantAuth(store),
    associates: (ctx) =>
      [...(store.tenant(ctx)?.associates.values() ?? [])].map((a) => ({
        associateId: a.associateId, personId: a.personId, name: `${a.firstName} ${a.lastName}`, email: a.email, isAdministrator: a.isAdministrator, type: a.userType,
      })),
    persons: (ctx) =>
      [...(store.tenant(ctx)?.persons.values() ?? [])].map((p) => ({ personId: p.personId, contactId: p.contactId, name: `${p.firstName} ${p.lastName}`, email: p.emails[0] ?? '' })),
    archiveDates: () => store.settings.archiveDates,
    now: opts.appointmentClock,
    webhookDelivery: { allowHttp: opts.allowHttpWebhooks ?? false, ca: opts.ca.certPem, retryDelaysMs: opts.webhookRetryDelaysMs },
  });
  if (opts.seedDemoAppointments) seedDemoAppointments(tenantApi.control, seed.tenant);
  const app = express();
  app.use(createSuperOfficeIdentity(store));
  app.use(superOfficeControl(store));
  app.use(apiControlRouter(tenantApi.control, { tenantExists: (ctx) => store.tenant(ctx) !== undefined }));
  app.use('/:host/:ctx/api/v1', tenantApi.router);
  const sim = await startSimulator(app, { https: true, ca: opts.ca });
  store.setBaseUrl(sim.url);
  return {
    url: sim.url,
    store,
    seed,
    api: tenantApi.control,
    info: () => superOfficeInfo(store, seed.app),
    async close() {
      await tenantApi.control.close();
      await sim.close();
    },
  };
}
