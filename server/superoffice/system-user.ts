// System-user tickets for background work (specs/superoffice.md 3): sign the tenant's system token
// with the app's key, exchange it at PartnerSystemUser/Authenticate, verify the JWT that comes back
// and keep its ticket claim. Tickets slide: each use extends them, so one is cached per tenant and
// renewed only when it has sat unused for nearly its lifetime, or when SuperOffice answers 401.
// SuperOffice documents the answer as { IsSuccessful, Token, ErrorMessage } and no ErrorMessage
// texts nor HTTP statuses (docs/en/api/authentication/online/auth-application/get-system-user-ticket.md),
// so every refusal is the same TicketExchangeFailed carrying its message verbatim: nothing here
// reads the text. How long refusals last decides whether the tenant needs an administrator
// (server/jobs/tenant-work.ts).
import type { KeyObject } from 'node:crypto';
import { CLAIM, type SuperOfficeKeys } from './jwks.ts';
import { InvalidSuperOfficeToken, TicketExchangeFailed } from './errors.ts';
import { signSystemUserToken } from './system-user-token.ts';

export interface SystemUserTenant {
  tenantId: string;
  contextIdentifier: string;
  systemToken: string;
  /** The tenant's serial (id_token `serial` claim); the ticket JWT's audience is `spn:<serial>`. */
  serial?: string;
}

export interface SystemUserOptions {
  /** The environment's root, e.g. https://sod.superoffice.com (never a numbered host). */
  identityBaseUrl: string;
  clientSecret: string;
  privateKey: KeyObject;
  keys: SuperOfficeKeys;
  fetch?: typeof fetch;
  now?: () => number;
  /** SuperOffice's sliding lifetime: 6 h. */
  ticketLifetimeMs?: number;
  /** Keeps a serial learnt from a verified ticket (the tenant's serial changed since the installation). */
  serialChanged?: (tenantId: string, serial: string) => Promise<void>;
}

interface Cached {
  ticket: string;
  lastUsed: number;
}

/** Renew this long before the sliding window would close: a call in flight must not race it. */
const RENEW_MARGIN = 0.1;

export class SystemUserTickets {
  private cache = new Map<string, Cached>();
  private pending = new Map<string, Promise<string>>();
  private readonly lifetime: number;
  private readonly now: () => number;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly opts: SystemUserOptions) {
    this.lifetime = opts.ticketLifetimeMs ?? 6 * 3600_000;
    this.now = opts.now ?? Date.now;
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** A ticket for the tenant's system user, from the cache when it is still alive. */
  async ticket(t: SystemUserTenant): Promise<string> {
    const c = this.cache.get(t.tenantId);
    const now = this.now();
    if (c && now - c.lastUsed < this.lifetime * (1 - RENEW_MARGIN)) {
      c.lastUsed = now;
      return c.ticket;
    }
    // One exchange per tenant at a time, however many jobs ask at once.
    let p = this.pending.get(t.tenantId);
    if (!p) {
      p = this.exchange(t).finally(() => this.pending.delete(t.tenantId));
      this.pending.set(t.tenantId, p);
    }
    return p;
  }

  /** After a 401 with a cached ticket: forget it so the next call exchanges a fresh one. */
  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  private async exchange(t: SystemUserTenant): Promise<string> {
    const base = this.opts.identityBaseUrl.replace(/\/$/, '');
    const body = {
      SignedSystemToken: signSystemUserToken(t.systemToken, this.opts.privateKey, new Date(this.now())),
      ApplicationToken: this.opts.clientSecret,
      ContextIdentifier: t.contextIdentifier,
      ReturnTokenType: 'JWT',
    };
    let res: Response;
    try {
      res = await this.fetchFn(`${base}/Login/api/PartnerSystemUser/Authenticate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (err) {
      throw new TicketExchangeFailed(t.contextIdentifier, `SuperOffice could not be reached (${(err as Error).message})`);
    }
    const answer = await res.json().catch(() => undefined);
    const fields = answer && typeof answer === 'object' ? (answer as Record<string, unknown>) : {};
    const token = typeof fields.Token === 'string' ? fields.Token : '';
    if (!res.ok || fields.IsSuccessful !== true || !token) {
      const said = typeof fields.ErrorMessage === 'string' && fields.ErrorMessage.trim() ? fields.ErrorMessage : undefined;
      throw new TicketExchangeFailed(t.contextIdentifier, said ?? `no message (HTTP ${res.status})`, res.status);
    }
    const claims = await this.verifyTicket(t, token);
    const ticket = claims[CLAIM('ticket')];
    if (typeof ticket !== 'string' || !ticket) throw new InvalidSuperOfficeToken('the system-user token holds no ticket');
    if (claims[CLAIM('ctx')] !== undefined && claims[CLAIM('ctx')] !== t.contextIdentifier) {
      throw new InvalidSuperOfficeToken(`the ticket is for ${String(claims[CLAIM('ctx')])}, not ${t.contextIdentifier}`);
    }
    this.cache.set(t.tenantId, { ticket, lastUsed: this.now() });
    return ticket;
  }

  /**
   * The ticket JWT, verified. Its audience is `spn:<serial>`, checked against the serial we hold;
   * a tenant's serial can change without telling us (a restored or moved tenant, a simulator that
   * forgot it), and a tenant must not be stuck failing until someone installs the app again. So a
   * ticket meant for another serial is accepted only when everything else holds (SuperOffice's
   * signature and issuer, expiry, and a `ctx` claim naming this tenant, in an answer to our own
   * signed request for it), and the new serial is kept.
   */
  private async verifyTicket(t: SystemUserTenant, token: string) {
    try {
      return await this.opts.keys.verify(token, { issuer: 'SuperOffice AS', ...(t.serial && { audience: `spn:${t.serial}` }) });
    } catch (err) {
      if (!(err instanceof InvalidSuperOfficeToken) || !t.serial || !/audience/i.test(err.message)) throw err;
      const claims = await this.opts.keys.verify(token, { issuer: 'SuperOffice AS' });
      const serial = /^spn:(\d{1,20})$/.exec(typeof claims.aud === 'string' ? claims.aud : '')?.[1];
      if (!serial || claims[CLAIM('ctx')] !== t.contextIdentifier) throw err;
      await this.opts.serialChanged?.(t.tenantId, serial);
      return claims;
    }
  }
}
