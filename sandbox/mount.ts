// The one door from the composition root into sandbox/: makes (or loads) the sandbox CA, starts
// the simulators, and returns the sandbox's routes with what the app needs to talk to the
// simulators as if they were the vendors. server/app.ts imports this only in sandbox mode.
import type { Router } from 'express';
import type { Logger } from '../server/log.ts';
import { loadManifest } from '../manifest/manifest.ts';
import { loadOrCreateCa } from './ca.ts';
import { sandboxRouter } from './router.ts';
import { startSuperOfficeSimulator, type SuperOfficeSimulator } from './superoffice/simulator.ts';
import { startMicrosoftSimulator, type MicrosoftSimulator } from './microsoft/simulator.ts';
import type { MicrosoftApp } from '../server/microsoft/admin-consent.ts';
import { installDemoTenant } from './demo-install.ts';
import { forgetDemoSyncState, installDemoMicrosoft, type DemoMicrosoftDeps } from './demo-microsoft.ts';
import { DEMO_CTX } from './superoffice/seed.ts';
import { shellData } from './superoffice/shell-data.ts';
import type { Db } from '../server/db/knex.ts';
import type { InstallDeps, Installed } from '../server/superoffice/install.ts';
import type { SuperOfficeSettings } from '../server/superoffice/services.ts';

export interface StartSandboxOptions {
  dataDir: string;
  publicUrl: string;
  log: Logger;
}

export interface Sandbox {
  router: Router;
  /** PEM of the CA the https simulators' certificates chain to. */
  caPem: string;
  /** What production reads from SUPEROFFICE_* variables, pointing at the simulator. */
  superoffice: SuperOfficeSettings;
  superofficeSimulator: SuperOfficeSimulator;
  /** What production reads from MICROSOFT_* variables, pointing at the Entra ID + Graph simulator. */
  microsoft: MicrosoftApp;
  microsoftSimulator: MicrosoftSimulator;
  /** Installs the app for the demo tenant through the consent flow, unless it is installed. */
  installDemoTenant(db: Db, deps: InstallDeps, fetchFn: typeof fetch): Promise<Installed | undefined>;
  /** Drops what the database remembers of the simulators' items from an earlier run (they keep none). */
  forgetDemoSyncState(db: Db): Promise<void>;
  /** Gives the demo tenant its Microsoft 365 profile (admin consent) and links its Microsoft 365 users, unless done. */
  installDemoMicrosoft(deps: DemoMicrosoftDeps): ReturnType<typeof installDemoMicrosoft>;
  close(): Promise<void>;
}

export async function startSandbox(opts: StartSandboxOptions): Promise<Sandbox> {
  const ca = await loadOrCreateCa(opts.dataDir);
  const so = await startSuperOfficeSimulator({ ca, appUrl: opts.publicUrl, dataDir: opts.dataDir, allowHttpWebhooks: true, seedDemoAppointments: true });
  // The demo diary is laid out in the server's local time (sandbox/demo.ts); the simulated tenant
  // keeps its wall times in that zone too.
  const demoZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  so.api.setBaseTimeZone(DEMO_CTX, demoZone);
  const ms = await startMicrosoftSimulator({ ca, dataDir: opts.dataDir, allowHttpNotifications: true });
  opts.log.info({ superoffice: so.url, microsoft: ms.loginUrl, caDir: `${opts.dataDir}/sandbox-ca` }, 'sandbox simulators started');
  const router = sandboxRouter({
    ca,
    publicUrl: opts.publicUrl,
    manifest: loadManifest(),
    // The shell shows, and edits as the selected user, the simulator's demo tenant.
    data: shellData(so.store, so.api, DEMO_CTX),
    edits: { control: so.api, ctx: DEMO_CTX, userIds: () => so.store.users(so.seed.tenant).map((u) => u.associateId) },
    info: { superoffice: () => so.info(), graph: () => ms.info() },
    // Microsoft 365 mailboxes open on the Graph simulator's page, where a person edits them as in Outlook.
    mailboxPage: (system, mailbox) => (system === 'graph' ? `${ms.loginUrl}/control/mailbox/${encodeURIComponent(mailbox)}` : null),
    signedIn: (associateId) => so.store.setWebClientUser(DEMO_CTX, associateId),
  });
  return {
    router,
    caPem: ca.certPem,
    superoffice: {
      identityBaseUrl: so.url,
      clientId: so.seed.app.clientId,
      clientSecret: so.seed.app.clientSecret,
      privateKey: so.seed.privateKeyPem,
    },
    superofficeSimulator: so,
    microsoft: { clientId: ms.app.clientId, clientSecret: ms.app.clientSecret, loginUrl: ms.loginUrl, graphUrl: ms.graphUrl },
    microsoftSimulator: ms,
    installDemoTenant: async (db, deps, fetchFn) => {
      const installed = await installDemoTenant(db, deps, so, fetchFn);
      // What SuperOffice knows as the tenant's base zone, the app keeps on the tenant.
      await db('tenants').where({ context_identifier: DEMO_CTX }).update({ time_zone: demoZone });
      return installed;
    },
    installDemoMicrosoft: (deps) => installDemoMicrosoft(deps, so),
    forgetDemoSyncState,
    close: async () => {
      await ms.close();
      await so.close();
    },
  };
}
