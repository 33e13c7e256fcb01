// Calls to a tenant's web API through @superoffice/webapi, with what every call needs: the tenant
// is running (else TenantUnavailable: defer), a system-user ticket, the current numbered host, and
// transport errors mapped to domain errors at this edge. A 401 retries once with a fresh ticket;
// a 421 re-resolves the host and retries once.
//
// Every agent gets a config object of its own: the SDK writes per-call headers into the config it
// was given, and they would leak into later calls that shared it (specs/superoffice.md 7).
import type { Agent as HttpsAgent } from 'node:https';
import { InstallationRevoked, TenantMoved, TenantUnavailable } from './errors.ts';
import type { SystemUserTenant, SystemUserTickets } from './system-user.ts';
import type { TenantStates } from './tenant-state.ts';

export type AgentFactory = <A>(ctor: new (baseUrl: string, config: object) => A) => A;

export class SuperOfficeRequestFailed extends Error {
  constructor(
    readonly contextIdentifier: string,
    readonly status: number | undefined,
    readonly superOfficeMessage: string,
  ) {
    super(`SuperOffice ${contextIdentifier} answered ${status ?? 'no response'}: ${superOfficeMessage}`);
    this.name = 'SuperOfficeRequestFailed';
  }
}

export interface ApiClientDeps {
  tickets: SystemUserTickets;
  states: TenantStates;
  clientSecret: string;
  /** TLS trust and egress proxy for the SDK's axios (its own env-proxy handling is switched off). */
  httpsAgent: HttpsAgent;
}

interface AxiosLikeError {
  response?: { status: number; data?: { Message?: string; message?: string } | string; headers?: Record<string, string> };
  message: string;
}

function statusOf(err: unknown): number | undefined {
  return (err as AxiosLikeError)?.response?.status;
}

function messageOf(err: unknown): string {
  const e = err as AxiosLikeError;
  const data = e?.response?.data;
  if (data && typeof data === 'object') return data.Message ?? data.message ?? e.message;
  return e?.message ?? String(err);
}

export class SuperOfficeApi {
  constructor(private readonly deps: ApiClientDeps) {}

  async call<T>(tenant: SystemUserTenant, fn: (agent: AgentFactory) => Promise<T>): Promise<T> {
    const ctx = tenant.contextIdentifier;
    let retriedAuth = false;
    let retriedHost = false;
    for (;;) {
      const state = await this.deps.states.requireRunning(ctx);
      const ticket = await this.deps.tickets.ticket(tenant);
      const agent: AgentFactory = (ctor) =>
        new ctor(state.webApiUrl, {
          headers: { Authorization: `SOTicket ${ticket}`, 'SO-AppToken': this.deps.clientSecret },
          httpsAgent: this.deps.httpsAgent,
          proxy: false,
        });
      try {
        return await fn(agent);
      } catch (err) {
        const status = statusOf(err);
        if (status === 401 && !retriedAuth) {
          retriedAuth = true;
          this.deps.tickets.invalidate(tenant.tenantId);
          continue;
        }
        // Still 401 with a ticket minted a moment ago: the installation itself no longer counts.
        if (status === 401) throw new InstallationRevoked(ctx, messageOf(err));
        if (status === 421) {
          this.deps.states.forget(ctx);
          if (!retriedHost) {
            retriedHost = true;
            continue;
          }
          throw new TenantMoved(ctx);
        }
        if (status === 503) {
          this.deps.states.forget(ctx);
          throw new TenantUnavailable(ctx, 'unavailable (503)', 60_000);
        }
        throw new SuperOfficeRequestFailed(ctx, status, messageOf(err));
      }
    }
  }
}
