// The one door from the composition root into sandbox/: loads (or makes) the sandbox CA and the
// manifest and returns the sandbox's routes. server/app.ts imports this only in sandbox mode.
import type { Router } from 'express';
import type { Logger } from '../server/log.ts';
import { loadManifest } from '../manifest/manifest.ts';
import { loadOrCreateCa } from './ca.ts';
import { sandboxRouter } from './router.ts';

export interface MountSandboxOptions {
  dataDir: string;
  publicUrl: string;
  log: Logger;
}

export async function mountSandbox(opts: MountSandboxOptions): Promise<Router> {
  const ca = await loadOrCreateCa(opts.dataDir);
  opts.log.info({ caDir: `${opts.dataDir}/sandbox-ca` }, 'sandbox certificate authority ready');
  return sandboxRouter({ ca, publicUrl: opts.publicUrl, manifest: loadManifest() });
}
