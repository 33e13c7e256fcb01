// POST /superoffice/state-change: SuperOffice tells us a tenant was suspended, resumed, moved,
// upgraded, restored or deleted (specs/superoffice.md 1.5). The Token JWT proves the sender; we
// verify it (JWKS signature, expiry, the tenant it names, and one of two issuers) before believing a
// word. Which issuer is undocumented: our notes say "SuperOffice AS" with audience spn:<client id>,
// as SuperOffice's other server tokens; the vendor's own sample (get-notifications.md) validates the
// environment's root (https://sod.superoffice.com) and no audience. Both are accepted: the root also
// issues users' id_tokens, but a token never changes anything here on its own (see below). Suspend pauses the tenant's work, Resume resumes it, Move re-resolves its
// API host, Delete marks it uninstalled (its data is kept). Every accepted push is recorded once.
//
// SuperOffice documents no claim that ties the token to the rest of the body: it says only "a JWT to
// verify it was sent by SuperOffice" (get-notifications.md), and names no jti. A captured token could
// be resent with another ChangeType, so two defences stand in for the binding the token lacks:
//   - a token is spent by the change it carried (its jti if it has one, else its SHA-256, kept with
//     the push in inbound_events, which outlives the token); the same change again is a 409;
//   - Suspend, Resume, Delete and Move are applied only when SuperOffice's own state service
//     (/api/state/<ctx>) agrees, and only they may reuse a token already spent on another change:
//     without a jti, two pushes signed in the same second carry the same token, so a Suspend and a
//     Resume a moment apart must both get through. Upgrade and BackupRestored, which change nothing
//     here and which nothing can confirm, never reuse a token (a genuine one signed in the same
//     second as another push is refused: we lose an audit line). A refusal spends nothing, so a
//     forgery sent first cannot burn the genuine push.
import { createHash } from 'node:crypto';
import { Router } from 'express';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import type { Db } from '../db/knex.ts';
import { recordInboundEvent } from '../db/inbound-events.ts';
import { findInstalledTenant } from '../db/tenants.ts';
import { InvalidSuperOfficeToken } from '../superoffice/errors.ts';
import { CLAIM, type SuperOfficeKeys } from '../superoffice/jwks.ts';
import type { TenantState, TenantStates } from '../superoffice/tenant-state.ts';
import { HttpError } from './errors.ts';

export const STATE_CHANGE_PATH = '/superoffice/state-change';

const CHANGE = ['Upgrade', 'BackupRestored', 'Suspend', 'Resume', 'Delete', 'Move'] as const;

type Change = (typeof CHANGE)[number];

// PostgreSQL refuses NUL in text, so it is refused here rather than by the database.
const text = (max: number, min = 0) => z.string().min(min).max(max).refine((v) => !v.includes('\u0000'), 'contains a NUL character');

const bodySchema = z.object({
  ChangeType: z.number().int().min(0).max(5),
  ContextIdentifier: text(100, 1),
  Token: text(16_384, 1),
  VersionName: text(200).optional(),
  FileVersion: text(100).optional(),
  PublicEndpoint: text(300).optional(),
});

type Notification = z.infer<typeof bodySchema>;

/** What SuperOffice's state service must say before we act on a pushed change. */
const CONFIRMED_BY: Partial<Record<Change, (s: TenantState, n: Notification) => boolean>> = {
  Suspend: (s) => s.state === 'Suspended',
  Resume: (s) => s.isRunning,
  Delete: (s) => s.state === 'Deleted' || s.state === 'Deleting',
  // PublicEndpoint is a host ("sod3.superoffice.com"); the tenant's API must now live on it.
  Move: (s, n) => !!n.PublicEndpoint && s.webApiUrl.toLowerCase().startsWith(`https://${n.PublicEndpoint.toLowerCase().replace(/\/+$/, '')}/`),
};

/** The token's identity for replay: SuperOffice's jti when it sends one, else the token's hash. */
function tokenId(tenantId: string, token: string, jti: unknown): string {
  if (typeof jti === 'string' && jti.length > 0 && jti.length <= 200) return `jti:${tenantId}:${jti}`;
  return `sha256:${createHash('sha256').update(token).digest('hex')}`;
}

/** The inbound event id of a token spent on one change. */
const spentOn = (token: string, changeType: number) => `${token}#${changeType}`;

export interface StateChangeDeps {
  db: Db;
  keys: SuperOfficeKeys;
  states: TenantStates;
  clientId: string;
  /** The environment's root (https://sod.superoffice.com), the issuer SuperOffice's sample checks. */
  environmentIssuer: string;
}

/** The issuer a token claims, unverified: only to pick which check it must pass. */
function jwtIssuer(token: string): string | undefined {
  const claims = jwt.decode(token);
  return claims && typeof claims === 'object' && typeof claims.iss === 'string' ? claims.iss.replace(/\/+$/, '') : undefined;
}

export function superOfficeStateChangeRouter(deps: StateChangeDeps): Router {
  const r = Router();
  r.post(STATE_CHANGE_PATH, async (req, res) => {
    const parsed = bodySchema.safeParse(req.body);
    if (!parsed.success) throw new HttpError(400, 'invalid_payload', 'Not a SuperOffice state-change notification.');
    const n = parsed.data;
    let claims: Awaited<ReturnType<SuperOfficeKeys['verify']>>;
    try {
      claims = await deps.keys
        .verify(n.Token, { issuer: 'SuperOffice AS', audience: `spn:${deps.clientId}` })
        .catch(async (first: unknown) => {
          if (!(first instanceof InvalidSuperOfficeToken) || jwtIssuer(n.Token) !== deps.environmentIssuer) throw first;
          return deps.keys.verify(n.Token, { issuer: deps.environmentIssuer });
        });
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
    const token = tokenId(tenant.id, n.Token, claims.jti);
    const eventId = spentOn(token, n.ChangeType);
    const refuse = (status: number, code: string, reason: string, message: string): never => {
      req.log.warn({ tenant: tenant.context_identifier, change, reason }, 'state change rejected');
      throw new HttpError(status, code, message);
    };
    const replayed = (reason: string) =>
      refuse(409, 'replayed_token', reason, 'This notification token was already used; every notification carries a new one.');
    const spent: string[] = await deps.db('inbound_events')
      .where({ tenant_id: tenant.id, source: 'tenant_state' })
      .whereIn('event_id', CHANGE.map((_, i) => spentOn(token, i)))
      .pluck('event_id');
    const confirm = CONFIRMED_BY[change];
    if (spent.includes(eventId)) replayed('token already used for this change');
    if (spent.length > 0 && !confirm) replayed('token already used for another change');
    if (confirm) {
      let now: TenantState;
      try {
        now = await deps.states.get(tenant.context_identifier, { fresh: true });
      } catch (err) {
        req.log.warn({ tenant: tenant.context_identifier, change, err }, 'state change deferred: the tenant state service did not answer');
        throw new HttpError(503, 'state_unavailable', 'The tenant state could not be confirmed with SuperOffice; send the notification again later.');
      }
      if (!confirm(now, n)) {
        refuse(409, 'state_not_confirmed', `SuperOffice reports the tenant ${now.state}`, `SuperOffice's tenant state service does not confirm ${change}: it reports the tenant ${now.state}.`);
      }
    }
    const fresh = await deps.db.transaction(async (trx) => {
      // The unique event id settles a race between two uses of one token: the second records nothing.
      if (!(await recordInboundEvent(trx, { tenantId: tenant.id, source: 'tenant_state', eventId, eventType: change, payload: { ...n, Token: undefined } }))) return false;
      const update: Record<string, unknown> = { updated_at: trx.fn.now() };
      if (change === 'Suspend') update.tenant_state = 'Suspended';
      if (change === 'Resume') update.tenant_state = 'Running';
      if (change === 'Delete') Object.assign(update, { tenant_state: 'Deleted', installation_state: 'uninstalled' });
      await trx('tenants').where({ id: tenant.id }).update(update);
      await trx('audit_log').insert({ tenant_id: tenant.id, actor: 'superoffice:state-change', action: `tenant.${change.toLowerCase()}`, after: JSON.stringify({ change, publicEndpoint: n.PublicEndpoint ?? null }) });
      return true;
    });
    if (!fresh) replayed('token already used for this change');
    // Whatever changed, the next call asks SuperOffice where and how the tenant is.
    deps.states.forget(tenant.context_identifier);
    req.log.info({ tenant: tenant.context_identifier, change }, 'tenant state change applied');
    res.json({ ok: true });
  });
  return r;
}
