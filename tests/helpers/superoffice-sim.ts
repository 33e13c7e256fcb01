// The SuperOffice simulator as the app's tests meet it: identity host and tenant API over HTTPS
// with a fresh sandbox CA, the demo tenant seeded, and the app's consent already given.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { loadOrCreateCa } from '../../sandbox/ca.ts';
import { startSimulator, type Simulator } from '../../sandbox/listen.ts';
import { TENANT_API_MOUNT, soPrincipal, tenantAuth } from '../../sandbox/superoffice/auth.ts';
import { superOfficeControl } from '../../sandbox/superoffice/control.ts';
import { createSuperOfficeIdentity } from '../../sandbox/superoffice/identity/router.ts';
import { seedSuperOffice, DEMO_CTX, type SuperOfficeSeed } from '../../sandbox/superoffice/seed.ts';
import { createSuperOfficeStore, type SoSettings, type SuperOfficeStore, type Tenant } from '../../sandbox/superoffice/store.ts';
import { fetch as undiciFetch } from 'undici';
import { egressDispatcher } from '../../server/net/egress.ts';

export interface SuperOfficeSim {
  sim: Simulator;
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

export async function startSuperOfficeSim(settings: Partial<SoSettings> = {}): Promise<SuperOfficeSim> {
  const dataDir = await mkdtemp(join(tmpdir(), 'calsync-sosim-'));
  const ca = await loadOrCreateCa(dataDir);
  const store = createSuperOfficeStore({ environment: 'sod', settings });
  const seed = seedSuperOffice(store, { redirectUris: ['https://app.example/superoffice/callback'], stateChangeUrl: null });
  const app = express();
  app.use(createSuperOfficeIdentity(store));
  app.use(superOfficeControl(store));
  app.use(TENANT_API_MOUNT, tenantAuth(store), (_req, res) => void res.json(soPrincipal(res)));
  const sim = await startSimulator(app, { https: true, ca });
  store.setBaseUrl(sim.url);
  const tenant = store.tenant(DEMO_CTX)!;
  const consent = store.grantConsent(seed.app, tenant, 5);
  const dispatcher = egressDispatcher({ ca: ca.certPem });
  // undici's own fetch with its own dispatcher: node 20's built-in fetch bundles an older undici.
  const f = ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
  return {
    sim,
    store,
    seed,
    tenant,
    caPem: ca.certPem,
    privateKey: createPrivateKey(seed.privateKeyPem),
    systemToken: consent.systemToken,
    fetch: f,
    async close() {
      await sim.close();
      await dispatcher.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
