// The identity half of the SuperOffice simulator (identity routes and control API) over HTTPS with a
// fresh sandbox CA, for the simulator's own tests; `call` is undici's fetch trusting that CA.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { Agent, fetch, type RequestInit, type Response } from 'undici';
import { loadOrCreateCa } from '../../../sandbox/ca.ts';
import { startSimulator, type Simulator } from '../../../sandbox/listen.ts';
import { superOfficeControl } from '../../../sandbox/superoffice/control.ts';
import { createSuperOfficeIdentity } from '../../../sandbox/superoffice/identity/router.ts';
import { seedSuperOffice, type SeedOptions, type SuperOfficeSeed } from '../../../sandbox/superoffice/seed.ts';
import { createSuperOfficeStore, type SuperOfficeStore } from '../../../sandbox/superoffice/store.ts';

export interface IdentitySim {
  sim: Simulator;
  store: SuperOfficeStore;
  seed: SuperOfficeSeed;
  caPem: string;
  /** A request to the simulator; redirects are returned, not followed. */
  call(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface IdentitySimOptions extends Omit<SeedOptions, 'dataDir'> {
  /** Extra tenants, users or consents, before the server starts. */
  prepare?(store: SuperOfficeStore, seed: SuperOfficeSeed): void;
  /** Extra routes after the identity and control routes. */
  mount?(app: express.Express, store: SuperOfficeStore): void;
}

export async function startIdentitySim(opts: IdentitySimOptions): Promise<IdentitySim> {
  const dataDir = await mkdtemp(join(tmpdir(), 'calsync-so-identity-'));
  const ca = await loadOrCreateCa(dataDir);
  const store = createSuperOfficeStore();
  const seed = seedSuperOffice(store, { redirectUris: opts.redirectUris, stateChangeUrl: opts.stateChangeUrl });
  opts.prepare?.(store, seed);
  const app = express();
  app.use(createSuperOfficeIdentity(store));
  app.use(superOfficeControl(store));
  opts.mount?.(app, store);
  const sim = await startSimulator(app, { https: true, ca });
  store.setBaseUrl(sim.url);
  const dispatcher = new Agent({ connect: { ca: ca.certPem } });
  return {
    sim,
    store,
    seed,
    caPem: ca.certPem,
    call: (path, init = {}) => fetch(sim.url + path, { redirect: 'manual', ...init, dispatcher }),
    async close() {
      await sim.close();
      await dispatcher.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
