// POST /superoffice/state-change: SuperOffice tells us a tenant was suspended, resumed, moved,
// upgraded, restored or deleted (specs/superoffice.md 1.5). The Token JWT proves the sender; we
// verify it (JWKS, issuer "SuperOffice AS", audience spn:<our client id>, and the tenant it names)
// before believing a word. Suspend pauses the tenant's work, Resume resumes it, Move re-resolves its
// API host, Delete marks it uninstalled (its data is kept). Every push is recorded once.
import { createHash } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/knex.ts';
import { recordInboundEvent } from '../db/inbound-events.ts';
import { findInstalledTenant } from '../db/tenants.ts';
import { InvalidSuperOfficeToken } from '../superoffice/errors.ts';
import { CLAIM, type SuperOfficeKeys } from '../superoffice/jwks.ts';
import type { TenantStates } from '../superoffice/tenant-state.ts';
import { HttpError } from './errors.ts';

export const STATE_CHANGE_PATH = '/superoffice/state-change';

const CHANGE = ['Upgrade', 'BackupRestored', 'Suspend', 'Resume', 'Delete', 'Move'] as const;

const bodySchema = z.object({
  ChangeType: z.number().int().min(0).max(5),
  ContextIdentifier: z.string().min(1).max(100),
  Token: z.string().min(1),
  VersionName: z.string().optional(),
  FileVersion: z.string().optional(),
  PublicEndpoint: z.string().optional(),
});

export interface StateChangeDeps {
  db: Db;
  keys: SuperOfficeKeys;
  states: TenantStates;
  clientId: string;
}

export function superOfficeStateChangeRouter(deps: StateChangeDeps): Router {
  const r = Router();
  r.post(STATE_CHANGE_PATH, async (req, res) => {
    const parsed = bodySchema.safeParse(req.body);
    if (!parsed.success) throw new HttpError(400, 'invalid_payload', 'Not a SuperOffice state-change notification.');
    const n = parsed.data;
    try {
      const claims = await deps.keys.verify(n.Token, { issuer: 'SuperOffice AS', audience: `spn:${deps.clientId}` });
      const ctx = claims[CLAIM('ctx')] ?? claims.sub;
      if (typeof ctx !== 'string' || ctx.toLowerCase() !== n.ContextIdentifier.toLowerCase()) {
        throw new InvalidSuperOfficeToken('the token is for another tenant');
      }
    } catch (err) {
      if (!(err instanceof InvalidSuperOfficeToken)) throw err;
      req.log.warn({ tenant: n.ContextIdentifier, reason: err.message }, 'state change rejected');
      throw new HttpError(401, 'invalid_token', 'The notification token is not valid.');
    }
    const tenant = await findInstalledTenant(deps.db, n.ContextIdentifier);
    if (!tenant) {
      res.status(404).json({ error: 'not_found', message: `No route for POST ${STATE_CHANGE_PATH}`, requestId: req.id });
      return;
    }
    const change = CHANGE[n.ChangeType]!;
    // No event id is sent: the hash of the whole notification (change, token and all) is ours, so a
    // redelivery is a no-op while two changes signed within the same second stay two.
    const eventId = createHash('sha256').update(JSON.stringify([n.ChangeType, n.ContextIdentifier, n.Token, n.PublicEndpoint ?? null])).digest('hex');
    await deps.db.transaction(async (trx) => {
      const fresh = await recordInboundEvent(trx, { tenantId: tenant.id, source: 'tenant_state', eventId, eventType: change, payload: { ...n, Token: undefined } });
      if (!fresh) return;
      const update: Record<string, unknown> = { updated_at: trx.fn.now() };
      if (change === 'Suspend') update.tenant_state = 'Suspended';
      if (change === 'Resume') update.tenant_state = 'Running';
      if (change === 'Delete') Object.assign(update, { tenant_state: 'Deleted', installation_state: 'uninstalled' });
      await trx('tenants').where({ id: tenant.id }).update(update);
      await trx('audit_log').insert({ tenant_id: tenant.id, actor: 'superoffice:state-change', action: `tenant.${change.toLowerCase()}`, after: JSON.stringify({ change, publicEndpoint: n.PublicEndpoint ?? null }) });
    });
    // Whatever changed, the next call asks SuperOffice where and how the tenant is.
    deps.states.forget(tenant.context_identifier);
    req.log.info({ tenant: tenant.context_identifier, change }, 'tenant state change applied');
    res.json({ ok: true });
  });
  return r;
}
