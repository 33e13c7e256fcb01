// Authentication for the simulated tenant API, `<base>/<numbered host>/<ctx>/api/...` (the
// numbered host `sod2.superoffice.com` is modelled as the path segment `sod2`). In the order the
// real service's layers answer:
//   unknown tenant                                   404
//   not the tenant's current numbered host           421 "Wrong subdomain used to access tenant"
//   tenant not running (Suspended, OfflineMaintenance…) 503 (the real status is unverified)
//   no, unknown, expired or incomplete credentials   401
//   a valid credential of another tenant             403
// Credentials: `Authorization: SOTicket <ticket>` with `SO-AppToken: <client secret>` (system user),
// or `Authorization: Bearer <access token>` (a signed-in user). Every error has SuperOffice's body
// `{Error, ErrorType, Message, ErrorSource}`. The caller ends up in `res.locals.principal`.
import type { RequestHandler, Response } from 'express';
import { isRunning, type SuperOfficeStore } from './store.ts';

/** Mount point of every tenant-API router: `app.use(TENANT_API_MOUNT, tenantAuth(store), router)`. */
export const TENANT_API_MOUNT = '/:host/:ctx/api';

export interface SoPrincipal {
  ctx: string;
  associateId: number;
  appClientId: string;
  via: 'SOTicket' | 'Bearer';
}

/** The caller tenantAuth authenticated (kept in `res.locals.principal`); throws when the route is not behind tenantAuth. */
export function soPrincipal(res: Response): SoPrincipal {
  const p = res.locals.principal as SoPrincipal | undefined;
  if (!p) throw new Error('soPrincipal: this route is not behind tenantAuth');
  return p;
}

export function sendSoError(res: Response, status: number, errorType: string, message: string, errorSource = 'SuperOffice.WebApi'): void {
  res.status(status).json({ Error: true, ErrorType: errorType, Message: message, ErrorSource: errorSource });
}

export function tenantAuth(store: SuperOfficeStore): RequestHandler {
  return (req, res, next) => {
    const { host, ctx } = req.params as { host?: string; ctx?: string };
    const tenant = ctx ? store.tenant(ctx) : undefined;
    if (!tenant) return sendSoError(res, 404, 'TenantNotFoundException', 'Unknown tenant.');
    if (host !== store.hostAlias(tenant)) {
      return sendSoError(res, 421, 'MisdirectedRequest', 'Wrong subdomain used to access tenant');
    }
    if (!isRunning(tenant.state)) {
      return sendSoError(res, 503, 'TenantUnavailableException', `The tenant ${tenant.contextIdentifier} is not available (${tenant.state}).`);
    }

    const auth = /^(\S+)\s+(.+)$/.exec(req.get('authorization') ?? '');
    const scheme = auth?.[1]?.toLowerCase();
    const credential = auth?.[2]?.trim() ?? '';
    const appToken = req.get('so-apptoken');
    let principal: SoPrincipal;
    if (scheme === 'soticket') {
      const ticket = store.useTicket(credential);
      if (!ticket) return sendSoError(res, 401, 'SoCredentialsException', 'The ticket is unknown or has expired.');
      const app = store.apps.get(ticket.clientId);
      if (!appToken || !app || appToken !== app.clientSecret) {
        return sendSoError(res, 401, 'SoCredentialsException', 'A valid SO-AppToken is required with a system user ticket.');
      }
      principal = { ctx: ticket.ctx, associateId: ticket.associateId, appClientId: ticket.clientId, via: 'SOTicket' };
    } else if (scheme === 'bearer') {
      const token = store.useAccessToken(credential);
      if (!token) return sendSoError(res, 401, 'SoCredentialsException', 'The access token is unknown or has expired.');
      if (appToken !== undefined && appToken !== store.apps.get(token.clientId)?.clientSecret) {
        return sendSoError(res, 401, 'SoCredentialsException', 'The SO-AppToken does not belong to the access token\'s application.');
      }
      principal = { ctx: token.ctx, associateId: token.associateId, appClientId: token.clientId, via: 'Bearer' };
    } else {
      return sendSoError(res, 401, 'SoCredentialsRequiredException', 'Authentication required: SOTicket with SO-AppToken, or Bearer.');
    }
    if (principal.ctx.toLowerCase() !== tenant.contextIdentifier.toLowerCase()) {
      return sendSoError(res, 403, 'SoAccessDeniedException', 'The credential does not belong to this tenant.');
    }
    res.locals.principal = principal;
    next();
  };
}
