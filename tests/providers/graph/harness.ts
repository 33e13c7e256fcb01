// The Microsoft 365 side against the simulator: the demo tenant with the app's admin consent given,
// the app's Graph clients built as production builds them (msal-node and the Graph SDK through
// egressFetch trusting the sandbox CA), and sides for Ada's mailbox. Every request the clients send
// is recorded, so tests can see what was written and how many calls it took.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCa } from '../../../sandbox/ca.ts';
import { startMicrosoftSimulator, type MicrosoftSimulator, type MicrosoftSimulatorOptions } from '../../../sandbox/microsoft/simulator.ts';
import { egressFetch } from '../../../server/net/egress.ts';
import { createGraphClients, type GraphClients, type GraphConnection, type GraphProfile } from '../../../server/providers/graph/client.ts';
import { createGraphSide, type GraphSideOptions } from '../../../server/providers/graph/side.ts';
import type { CalendarSide } from '../../../server/sync/side.ts';

export const ADA = 'ada.lindqvist@demo-company.example';
/** Bjørn has no Exchange Online mailbox in the demo tenant. */
export const BJORN = 'bjorn.haugen@demo-company.example';
export const WINDOW = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') };

export interface SentRequest {
  method: string;
  url: URL;
  body: unknown;
}

export interface GraphHarness {
  sim: MicrosoftSimulator;
  clients: GraphClients;
  profile: GraphProfile;
  app: GraphConnection;
  /** Graph requests sent since the last `sent.length = 0`. */
  sent: SentRequest[];
  caPem: string;
  /** fetch trusting the sandbox CA (for a test's own calls). */
  fetch: typeof fetch;
  side(opts?: Partial<GraphSideOptions>, mailbox?: string): CalendarSide;
  close(): Promise<void>;
}

export async function startGraphHarness(opts: Partial<MicrosoftSimulatorOptions> = {}): Promise<GraphHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'calsync-mssim-'));
  const ca = await loadOrCreateCa(dataDir);
  const sim = await startMicrosoftSimulator({ ca, ...opts });
  sim.control.grantAdminConsent();
  const trusting = egressFetch({ ca: ca.certPem });
  const sent: SentRequest[] = [];
  const graphOrigin = new URL(sim.graphUrl).origin;
  const recording = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (url.origin === graphOrigin && url.pathname.startsWith('/v1.0/')) {
      let body: unknown;
      try {
        body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      } catch {
        body = init?.body;
      }
      sent.push({ method: init?.method ?? 'GET', url, body });
    }
    return trusting.fetch(input as string, init);
  }) as typeof fetch;
  const clients = createGraphClients({ authorityBase: sim.loginUrl, graphBase: sim.graphUrl, fetch: recording });
  const profile: GraphProfile = { id: 'profile-1', tenantId: sim.tenantId, clientId: sim.app.clientId, clientSecret: sim.app.clientSecret };
  const app = clients.application(profile);
  return {
    sim,
    clients,
    profile,
    app,
    sent,
    caPem: ca.certPem,
    fetch: trusting.fetch,
    side: (o = {}, mailbox = ADA) => createGraphSide({ graph: app.forMailbox(mailbox), window: WINDOW, timeZone: 'Europe/Oslo', ...o }),
    async close() {
      await clients.close();
      await sim.close();
      await trusting.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
