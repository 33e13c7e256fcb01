// The simulated SuperOffice identity host in one router, for the one simulator server that also
// plays the tenant API hosts. URL layout on the simulator's origin `https://localhost:PORT`
// (the environment root, e.g. https://sod.superoffice.com):
//   /login/.well-known/openid-configuration, /login/.well-known/jwks      discovery (RS256, kid)
//   /login/common/oauth/authorize (GET page, POST decision)                authorization code flow
//   /login/common/oauth/tokens                                              token endpoint
//   /Login/api/PartnerSystemUser/Authenticate                               system-user ticket exchange
//   /api/state/{ctx}                                                        tenant status
//   /{numbered host}/{ctx}/api/v1/User/currentPrincipal                     e.g. /sod2/Cust12345/api/...
// A numbered host is a path segment, so a tenant's API base is `<origin>/sod2/Cust12345/api/`: the
// SuperOffice SDK uses such a base URL verbatim, and a move to sod3 changes only that segment. The
// rest of the tenant API is mounted by whoever owns it at TENANT_API_MOUNT behind tenantAuth.
import express, { Router, type ErrorRequestHandler } from 'express';
import { TENANT_API_MOUNT, tenantAuth } from '../auth.ts';
import type { SuperOfficeStore } from '../store.ts';
import { authorizeRoutes } from './authorize.ts';
import { CURRENT_PRINCIPAL_PATH, currentPrincipal } from './current-principal.ts';
import { discoveryRoutes } from './discovery.ts';
import { systemUserRoutes } from './system-user.ts';
import { tenantStateRoutes } from './tenant-state.ts';
import { tokenRoutes } from './tokens.ts';

export function createSuperOfficeIdentity(store: SuperOfficeStore): Router {
  const r = Router();
  // Parse bodies only on the identity paths (Express matches /login and /Login alike), so the tenant
  // API's own routers still see their raw requests.
  r.use('/login', express.urlencoded({ extended: false, limit: '64kb' }), express.json({ limit: '64kb' }));
  r.use(discoveryRoutes(store));
  r.use(authorizeRoutes(store));
  r.use(tokenRoutes(store));
  r.use(systemUserRoutes(store));
  r.use(tenantStateRoutes(store));
  r.get(`${TENANT_API_MOUNT}${CURRENT_PRINCIPAL_PATH}`, tenantAuth(store), currentPrincipal(store));
  // A body the parsers reject gets a JSON 400 here instead of Express's HTML error page.
  const badBody: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    const type = (err as { type?: unknown }).type;
    if (type === 'entity.parse.failed' || type === 'entity.too.large') {
      res.status((err as { status?: number }).status ?? 400).json({ error: 'invalid_request', error_description: 'Malformed or oversized body.' });
      return;
    }
    next(err);
  };
  r.use(badBody);
  return r;
}
