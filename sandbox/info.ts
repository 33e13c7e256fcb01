// GET /sandbox/info: a machine-readable description of the running sandbox, so tests and outside
// tools can point the vendors' own SDKs at the simulators. It exists only in sandbox mode, because it
// hands out the simulators' credentials.
import type { RequestHandler } from 'express';
import type { Ca } from './ca.ts';
import type { CalendarSystem } from './demo.ts';

export interface SuperOfficeTenantInfo {
  contextIdentifier: string;
  /** Ends in `/api/`, as SuperOffice's tenant-status answer gives it. */
  webApiUrl: string;
  /** A valid system-user ticket for this tenant. */
  ticket: string;
  appToken: string;
  users: Array<{
    associateId: number;
    email: string;
    isAdministrator: boolean;
    calendarSystem: CalendarSystem | null;
    mailbox: string | null;
  }>;
}

export interface GraphInfo {
  authority: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Ends in `/v1.0`. */
  baseUrl: string;
}

export interface SandboxInfo {
  mode: 'sandbox';
  /** The app's public URL (no trailing slash). */
  appUrl: string;
  /** Where a person opens the SuperOffice shell. */
  shellUrl: string;
  /** PEM of the sandbox CA: trust it to talk to the https simulators. */
  caCert: string;
  superoffice: { tenants: SuperOfficeTenantInfo[] };
  graph: GraphInfo | null;
}

/**
 * What the simulators contribute. Each simulator's issue supplies its part; until then the document
 * says honestly that there is none: `superoffice.tenants` is empty (the shell's demo tenant has no
 * web API, ticket or app token to offer yet) and `graph` is null.
 */
export interface SandboxInfoSources {
  superoffice?: () => SandboxInfo['superoffice'] | Promise<SandboxInfo['superoffice']>;
  graph?: () => GraphInfo | null | Promise<GraphInfo | null>;
}

export async function sandboxInfo(opts: { ca: Ca; publicUrl: string; sources?: SandboxInfoSources }): Promise<SandboxInfo> {
  const appUrl = opts.publicUrl.replace(/\/+$/, '');
  return {
    mode: 'sandbox',
    appUrl,
    shellUrl: `${appUrl}/sandbox`,
    caCert: opts.ca.certPem,
    superoffice: (await opts.sources?.superoffice?.()) ?? { tenants: [] },
    graph: (await opts.sources?.graph?.()) ?? null,
  };
}

export function sandboxInfoHandler(opts: { ca: Ca; publicUrl: string; sources?: SandboxInfoSources }): RequestHandler {
  return async (_req, res) => {
    res.set('cache-control', 'no-store').json(await sandboxInfo(opts));
  };
}
