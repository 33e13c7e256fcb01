// The SuperOffice simulator as the app's tests meet it: the whole simulator (identity host and
// tenant APIs) over HTTPS with a fresh sandbox CA, the demo tenant seeded, and the app's consent
// already given.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { loadOrCreateCa } from '../../sandbox/ca.ts';
import { DEMO_CTX, type SuperOfficeSeed } from '../../sandbox/superoffice/seed.ts';
import { startSuperOfficeSimulator, type SuperOfficeSimulator } from '../../sandbox/superoffice/simulator.ts';
import type { SoSettings, SuperOfficeStore, Tenant } from '../../sandbox/superoffice/store.ts';
import { egressFetch } from '../../server/net/egress.ts';

export interface SuperOfficeSim {
  sim: { url: string };
  simulator: SuperOfficeSimulator;
  store: SuperOfficeStore;
  seed: SuperOfficeSeed;
  tenant: Tenant;
  caPem: string;
  privateKey: KeyObject;
  /** The demo tenant's system token, as the administrator's consent gave it. */
  systemToken: string;
  /** fetch that trusts the sandbox CA. */
  fetch: typeof fetch;
  close(): Promise<void>;
}

export interface SimOptions {
  /** The app's public URL (callback, webhook target); default a placeholder nobody calls. */
  appUrl?: string;
  settings?: Partial<SoSettings>;
  webhookRetryDelaysMs?: number[];
  /** The clock of appointment stamps (Registered/Updated); default the real one. */
  appointmentClock?: () => Date;
}

export async function startSuperOfficeSim(opts: SimOptions = {}): Promise<SuperOfficeSim> {
  const dataDir = await mkdtemp(join(tmpdir(), 'calsync-sosim-'));
  const ca = await loadOrCreateCa(dataDir);
  const simulator = await startSuperOfficeSimulator({
    ca,
    appUrl: opts.appUrl ?? 'https://app.example',
    allowHttpWebhooks: true,
    settings: opts.settings,
    webhookRetryDelaysMs: opts.webhookRetryDelaysMs,
    appointmentClock: opts.appointmentClock,
  });
  const { store, seed } = simulator;
  const tenant = store.tenant(DEMO_CTX)!;
  const consent = store.grantConsent(seed.app, tenant, 5);
  const trusting = egressFetch({ ca: ca.certPem });
  return {
    sim: { url: simulator.url },
    simulator,
    store,
    seed,
    tenant,
    caPem: ca.certPem,
    privateKey: createPrivateKey(seed.privateKeyPem),
    systemToken: consent.systemToken,
    fetch: trusting.fetch,
    async close() {
      await simulator.close();
      await trusting.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
