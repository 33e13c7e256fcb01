// The Microsoft 365 simulator: Entra ID (login) and Graph v1.0 on one HTTPS origin signed by the
// sandbox CA, plus its control API. Paths: `/{tenant}/...` for login (msal's authority is
// `${loginUrl}/${tenantId}`, with `knownAuthorities: [host:port]`), `/v1.0/...` for Graph (the Graph
// client's baseUrl is the origin, `customHosts` its host name), `/control/...` for tests and tools.
// Seeded with the demo tenant (seed.ts) and our app's registration; admin consent is not granted
// until someone grants it (the admin consent flow or control.grantAdminConsent()).
import express from 'express';
import type { Ca } from '../ca.ts';
import type { GraphInfo } from '../info.ts';
import { startSimulator } from '../listen.ts';
import { microsoftControl, type MicrosoftControl } from './control.ts';
import { controlRouter } from './control-routes.ts';
import type { LoginFault } from './identity/context.ts';
import { identityRouter } from './identity/router.ts';
import { createGraph } from './graph/router.ts';
import { seedMicrosoft } from './seed.ts';
import { defaultSettings, type MsSettings } from './settings.ts';

export interface MicrosoftUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly mail: string;
  readonly displayName: string;
  readonly hasMailbox: boolean;
}

export interface MicrosoftSimulator {
  /** Authority base: msal's authority is `${loginUrl}/${tenantId}`. */
  loginUrl: string;
  /** Graph base, ending in `/v1.0`. */
  graphUrl: string;
  tenantId: string;
  domain: string;
  app: { clientId: string; clientSecret: string };
  users: readonly MicrosoftUser[];
  control: MicrosoftControl;
  info(): GraphInfo;
  close(): Promise<void>;
}

export interface MicrosoftSimulatorOptions {
  ca: Ca;
  /** Keeps the app registration, signing key, consents and refresh tokens across restarts. */
  dataDir?: string;
  /** Benchmark users with mailboxes (bench.userNNNNN@demo-company.example); calendars are made on first use. */
  extraUsers?: number;
  /** The sandbox app listens on plain http on loopback; real Graph only notifies https URLs. */
  allowHttpNotifications?: boolean;
  settings?: Partial<MsSettings>;
  /** The app's registered redirect URIs; default: any http(s) URI on a loopback host. */
  redirectUris?: string[];
  /**
   * A fixed port (default: a free one). msal keys its token cache by the authority's host:port, so an
   * app that keeps its cache across a simulator restart needs the same port again.
   */
  port?: number;
}

export async function startMicrosoftSimulator(opts: MicrosoftSimulatorOptions): Promise<MicrosoftSimulator> {
  const settings: MsSettings = { ...defaultSettings(), ...opts.settings };
  const dir = seedMicrosoft({ dataDir: opts.dataDir, extraUsers: opts.extraUsers, redirectUris: opts.redirectUris });
  let origin = '';
  const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const graph = createGraph({
    dir,
    settings,
    graphBase: () => `${origin}/v1.0`,
    caPem: opts.ca.certPem,
    allowHttpNotifications: opts.allowHttpNotifications ?? false,
    // The demo people keep the sandbox's zone, as sandbox/demo.ts places their diaries; bench users UTC.
    mailboxZone: (u) => (u.bulk ? 'UTC' : localZone),
  });
  const loginFaults: LoginFault[] = [];
  const control = microsoftControl(dir, graph, loginFaults);
  const app = express();
  app.disable('x-powered-by');
  app.use(graph.router);
  app.use(controlRouter(control, dir, graph));
  app.use(identityRouter({ dir, settings, baseUrl: () => origin, loginFaults }));
  app.use((req, res) => void res.status(404).json({ error: 'not_found', message: `No route for ${req.method} ${req.path} in the Microsoft simulator` }));
  const sim = await startSimulator(app, { https: true, ca: opts.ca, port: opts.port });
  origin = sim.url;
  return {
    loginUrl: origin,
    graphUrl: `${origin}/v1.0`,
    tenantId: dir.tenantId,
    domain: dir.domain,
    app: { clientId: dir.app.clientId, clientSecret: dir.app.clientSecret },
    users: dir.users,
    control,
    info: () => ({
      authority: `${origin}/${dir.tenantId}`,
      tenantId: dir.tenantId,
      clientId: dir.app.clientId,
      clientSecret: dir.app.clientSecret,
      baseUrl: `${origin}/v1.0`,
    }),
    async close() {
      await graph.close();
      await sim.close();
    },
  };
}
