// The Microsoft simulator as its fidelity tests meet it: started over HTTPS with a fresh sandbox CA,
// and the vendors' SDKs pointed at it unchanged but for the authority, the base URL and the trusted
// CA. msal-node gets the CA through its `system.networkClient` (an INetworkModule over undici with
// the CA; msal v7 fetches with the global fetch, which has no per-client trust otherwise), the Graph
// client through `fetchOptions.dispatcher`. TLS verification stays on.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as msal from '@azure/msal-node';
import { Client, type AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import { Agent, fetch as undiciFetch, type RequestInit, type Response } from 'undici';
import { loadOrCreateCa } from '../../../sandbox/ca.ts';
import { startMicrosoftSimulator, type MicrosoftSimulator, type MicrosoftSimulatorOptions } from '../../../sandbox/microsoft/simulator.ts';

export interface MsHarness {
  sim: MicrosoftSimulator;
  caPem: string;
  agent: Agent;
  /** undici fetch trusting the sandbox CA; redirects are returned, not followed. */
  call(url: string, init?: RequestInit): Promise<Response>;
  /**
   * A ConfidentialClientApplication for our app (or with another secret); by default on the tenant's
   * authority with `knownAuthorities`, or with `cloudDiscoveryMetadata` instead when given.
   */
  cca(opts?: { clientSecret?: string; clientId?: string; tenant?: string; cloudDiscoveryMetadata?: string }): msal.ConfidentialClientApplication;
  /** A Graph client with this token source. */
  graph(getToken: () => Promise<string>): Client;
  /** Grants admin consent and returns a Graph client on client-credential tokens. */
  appGraph(): Promise<Client>;
  close(): Promise<void>;
}

export const ADA = 'ada.lindqvist@demo-company.example';
export const DANIEL = 'daniel.okafor@demo-company.example';
export const BJORN = 'bjorn.haugen@demo-company.example';
export const CARLA = 'carla.mendes@demo-company.example';
export const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';

function networkClient(agent: Agent): msal.INetworkModule {
  const send = async (url: string, method: 'GET' | 'POST', options?: msal.NetworkRequestOptions) => {
    const res = await undiciFetch(url, { method, headers: options?.headers, body: method === 'POST' ? (options?.body ?? '') : undefined, dispatcher: agent });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    return { headers, body: (await res.json()) as never, status: res.status };
  };
  return {
    sendGetRequestAsync: (url, options) => send(url, 'GET', options),
    sendPostRequestAsync: (url, options) => send(url, 'POST', options),
  };
}

/** With `opts.dataDir` the simulator keeps its state there (and the directory is left for the caller). */
export async function startMsHarness(opts: Omit<MicrosoftSimulatorOptions, 'ca'> = {}): Promise<MsHarness> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'calsync-mssim-')));
  const ca = await loadOrCreateCa(dataDir);
  const sim = await startMicrosoftSimulator({ ca, allowHttpNotifications: true, ...opts });
  const agent = new Agent({ connect: { ca: ca.certPem } });
  const host = new URL(sim.loginUrl).host;
  const h: MsHarness = {
    sim,
    caPem: ca.certPem,
    agent,
    call: (url, init = {}) => undiciFetch(url, { redirect: 'manual', ...init, dispatcher: agent }),
    cca: (o = {}) =>
      new msal.ConfidentialClientApplication({
        auth: {
          clientId: o.clientId ?? sim.app.clientId,
          clientSecret: o.clientSecret ?? sim.app.clientSecret,
          authority: `${sim.loginUrl}/${o.tenant ?? sim.tenantId}`,
          ...(o.cloudDiscoveryMetadata ? { cloudDiscoveryMetadata: o.cloudDiscoveryMetadata } : { knownAuthorities: [host] }),
        },
        system: { networkClient: networkClient(agent) },
      }),
    graph(getToken) {
      const authProvider: AuthenticationProvider = { getAccessToken: getToken };
      return Client.initWithMiddleware({
        authProvider,
        baseUrl: sim.loginUrl,
        defaultVersion: 'v1.0',
        // The Graph client sends the token only to Graph hosts and these (host names, no port).
        customHosts: new Set([new URL(sim.graphUrl).hostname]),
        fetchOptions: { dispatcher: agent } as RequestInit as never,
      });
    },
    async appGraph() {
      sim.control.grantAdminConsent();
      const cca = h.cca();
      return h.graph(async () => (await cca.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }))!.accessToken);
    },
    async close() {
      await sim.close();
      await agent.close();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}

/** Monday 00:00 UTC of the week holding `now`, plus `days` and `hours`. */
export function utc(days: number, hours = 0, minutes = 0, now = new Date()): Date {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7) + days);
  d.setUTCHours(hours, minutes);
  return d;
}

/** Graph's dateTime text for an instant, in UTC. */
export function wall(d: Date): string {
  return d.toISOString().slice(0, 19);
}
