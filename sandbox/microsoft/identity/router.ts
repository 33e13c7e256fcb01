// The Entra ID subset, under `/{tenant}/...` on the simulator's origin (the authority msal is given is
// `${loginUrl}/${tenantId}`): OpenID metadata and keys, authorize (delegated consent), admin consent
// and the token endpoint.
import { Router } from 'express';
import { adminConsentRoutes } from './admin-consent.ts';
import { authorizeRoutes } from './authorize.ts';
import type { IdentityContext } from './context.ts';
import { discoveryRoutes } from './discovery.ts';
import { tokenRoutes } from './token.ts';

export function identityRouter(ctx: IdentityContext): Router {
  const r = Router();
  r.use(discoveryRoutes(ctx));
  r.use(authorizeRoutes(ctx));
  r.use(adminConsentRoutes(ctx));
  r.use(tokenRoutes(ctx));
  return r;
}
