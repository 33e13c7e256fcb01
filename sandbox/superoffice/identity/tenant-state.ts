// GET /api/state/{ctx} on the environment root (spec §1.4): where the tenant's API lives now and
// whether it answers. No authentication, as in SuperOffice's documentation. The fields are those of
// the response example in docs/en/developer-portal/best-practices/tenant-status/check-status.md,
// Version being the NetServer release label ("Release_11.10_2026.02.24-02").
import { Router } from 'express';
import { isRunning, type SuperOfficeStore } from '../store.ts';

/** How long a client may trust the answer before asking again. */
const VALID_FOR_MS = 5 * 60_000;

export function tenantStateRoutes(store: SuperOfficeStore): Router {
  const r = Router();
  r.get('/api/state/:ctx', (req, res) => {
    const tenant = store.tenant(req.params.ctx);
    const validUntil = new Date(store.now() + VALID_FOR_MS).toISOString();
    if (!tenant) {
      // Unverified: what the real service says for an unknown tenant. "Unknown" keeps clients from
      // treating it as running without revealing anything.
      res.json({ ContextIdentifier: req.params.ctx, Endpoint: null, State: 'Unknown', IsRunning: false, ValidUntil: validUntil, Api: null, Version: null });
      return;
    }
    const endpoint = store.endpoint(tenant);
    res.json({
      ContextIdentifier: tenant.contextIdentifier,
      Endpoint: endpoint,
      State: tenant.state,
      IsRunning: isRunning(tenant.state),
      ValidUntil: validUntil,
      Api: `${endpoint}/api`,
      Version: tenant.versionName,
    });
  });
  return r;
}
