// Every sandbox-only route: the SuperOffice shell (/sandbox and its files), the shell's data
// (/sandbox/api/*), the machine-readable description (/sandbox/info) and the CA certificate. The
// composition root mounts this router only in sandbox mode.
import { Router } from 'express';
import type { AppManifest } from '../manifest/manifest.ts';
import type { Ca } from './ca.ts';
import { demoTenant, type DemoTenant } from './demo.ts';
import { sandboxInfoHandler, type SandboxInfoSources } from './info.ts';
import { shellEditRoutes, type ShellEditOptions } from './shell/edit-routes.ts';
import { shellRoutes, type ShellRoutesOptions } from './shell/shell-routes.ts';

export interface SandboxRouterOptions {
  ca: Ca;
  /** The app's public URL; panel URLs in the shell are built from it. */
  publicUrl: string;
  manifest: AppManifest;
  /** Tenant, users and diary shown in the shell. Default: the static demo tenant of sandbox/demo.ts. */
  data?: () => DemoTenant | Promise<DemoTenant>;
  /** The simulators' parts of /sandbox/info, as they arrive. */
  info?: SandboxInfoSources;
  /** Lets the shell edit the diary as the selected user; without it the shell is read-only. */
  edits?: ShellEditOptions;
  mailboxPage?: ShellRoutesOptions['mailboxPage'];
  signedIn?: ShellRoutesOptions['signedIn'];
}

export function sandboxRouter(opts: SandboxRouterOptions): Router {
  const r = Router();
  r.use(shellRoutes({ publicUrl: opts.publicUrl, manifest: opts.manifest, data: opts.data ?? (() => demoTenant()), editable: opts.edits !== undefined, ...(opts.mailboxPage ? { mailboxPage: opts.mailboxPage } : {}), ...(opts.signedIn ? { signedIn: opts.signedIn } : {}) }));
  if (opts.edits) r.use(shellEditRoutes(opts.edits));
  r.get('/sandbox/info', sandboxInfoHandler({ ca: opts.ca, publicUrl: opts.publicUrl, sources: opts.info }));
  // For a person who wants their browser or curl to trust the https simulators.
  r.get('/sandbox/ca.crt', (_req, res) => {
    res.type('application/x-pem-file').set('content-disposition', 'attachment; filename="calendar-sync-sandbox-ca.crt"');
    res.send(opts.ca.certPem);
  });
  return r;
}
