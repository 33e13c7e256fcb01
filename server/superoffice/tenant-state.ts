// A tenant's state and current API host (specs/superoffice.md 1.3, 1.4). Checked before work: a
// tenant that is not running gets its work deferred, not failed. The numbered API host moves for
// load balancing; a 421 from the old host means: ask here again.
import { TenantUnavailable } from './errors.ts';

export interface TenantState {
  contextIdentifier: string;
  state: string;
  isRunning: boolean;
  /** e.g. https://sod2.superoffice.com/Cust12345/api/ (always ends in /api/) */
  webApiUrl: string;
  /** When SuperOffice says to ask again. */
  validUntil: number;
}

interface StateAnswer {
  ContextIdentifier?: string;
  State?: string;
  IsRunning?: boolean;
  Endpoint?: string;
  Api?: string;
  ValidUntil?: string;
}

/** Defer a tenant that is down for this long when SuperOffice gives no better hint. */
const DEFAULT_DEFER_MS = 5 * 60_000;
/** Re-check at least this often even when ValidUntil is further away. */
const MAX_CACHE_MS = 10 * 60_000;

export function apiUrlFrom(answer: StateAnswer): string {
  const base = (answer.Api ?? `${(answer.Endpoint ?? '').replace(/\/$/, '')}/api`).replace(/\/$/, '');
  return `${base}/`;
}

export class TenantStates {
  private cache = new Map<string, TenantState>();

  constructor(
    /** The environment's root, e.g. https://sod.superoffice.com. */
    private readonly identityBaseUrl: string,
    private readonly fetchFn: typeof fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  async get(contextIdentifier: string, opts: { fresh?: boolean } = {}): Promise<TenantState> {
    const cached = this.cache.get(contextIdentifier);
    if (cached && !opts.fresh && cached.validUntil > this.now()) return cached;
    const res = await this.fetchFn(`${this.identityBaseUrl.replace(/\/$/, '')}/api/state/${encodeURIComponent(contextIdentifier)}`, {
      headers: { accept: 'application/json' },
    });
    if (!res.ok) throw new TenantUnavailable(contextIdentifier, `state lookup answered HTTP ${res.status}`, DEFAULT_DEFER_MS);
    const a = (await res.json()) as StateAnswer;
    const validUntil = Math.min(Date.parse(a.ValidUntil ?? '') || 0, this.now() + MAX_CACHE_MS);
    const state: TenantState = {
      contextIdentifier,
      state: a.State ?? 'Unknown',
      isRunning: a.IsRunning === true,
      webApiUrl: apiUrlFrom(a),
      validUntil: Math.max(validUntil, this.now() + 5_000),
    };
    this.cache.set(contextIdentifier, state);
    return state;
  }

  /** The tenant's API URL, or TenantUnavailable when it is not running. */
  async requireRunning(contextIdentifier: string): Promise<TenantState> {
    const s = await this.get(contextIdentifier);
    if (!s.isRunning) {
      throw new TenantUnavailable(contextIdentifier, s.state, Math.max(s.validUntil - this.now(), 30_000));
    }
    return s;
  }

  /** After a 421, or a Move push: the next get() asks SuperOffice again. */
  forget(contextIdentifier: string): void {
    this.cache.delete(contextIdentifier);
  }
}
