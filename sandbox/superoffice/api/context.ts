// What every route module of the tenant API shares: the stores, the clock, the dispatcher, and the
// per-request view (who is calling, which tenant, which time zone).
import type { Request, Response } from 'express';
import type { EntityContext } from './appointment-entity.ts';
import type { Appointments } from './appointments.ts';
import type { Dispatcher } from './dispatcher.ts';
import { SoApiError } from './errors.ts';
import type { ApiStore } from './store.ts';
import { timeZoneOf } from './time-zone.ts';
import type { SoPrincipal, TenantApiDeps } from './types.ts';

export interface ApiContext {
  deps: TenantApiDeps;
  store: ApiStore;
  appointments: Appointments;
  dispatcher: Dispatcher;
  now: () => Date;
  allowHttp: boolean;
}

export function principalOf(res: Response): SoPrincipal {
  const p = res.locals.principal as SoPrincipal | undefined;
  if (!p || typeof p.ctx !== 'string' || typeof p.associateId !== 'number') {
    throw new SoApiError(401, 'UnauthorizedAccessException', 'Not authenticated');
  }
  return p;
}

export function entityContext(api: ApiContext, req: Request, res: Response): EntityContext {
  const { ctx } = principalOf(res);
  return { ctx, view: timeZoneOf(req, api.store.tenant(ctx).baseZone), associates: api.deps.associates(ctx), persons: api.deps.persons(ctx) };
}

/** `https://host/Cust12345/api/`, the SDK's base URL, for `_Links`. */
export function apiBase(req: Request, ctx: string): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}/${ctx}/api/`;
}
