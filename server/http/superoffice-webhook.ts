// POST /webhooks/superoffice: SuperOffice's activity.* deliveries. Thin by design: verify, record
// and enqueue in one transaction, answer. No call to SuperOffice on the request path; the sync job
// fetches what changed. A redelivered EventId answers 200 and causes no new work.
//
// Whether a tenant has installed the app is nobody else's business: a delivery that does not verify
// gets the same 401 whether its tenant is installed, uninstalled or unknown, after the same database
// reads and the same HMAC (over a secret nobody holds when there is no tenant).
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import type { Db } from '../db/knex.ts';
import { recordInboundEvent } from '../db/inbound-events.ts';
import { findLinkForAppointment } from '../db/links.ts';
import { findInstalledTenant } from '../db/tenants.ts';
import { loadCredential } from '../db/credentials.ts';
import type { Queue } from '../jobs/queue.ts';
import { routeActivityJob } from '../jobs/route-activity.ts';
import { wakeLink } from '../jobs/wake-link.ts';
import type { Keyring } from '../security/secrets.ts';
import { isDocumentEvent, ownerAssociateId, webhookPayloadSchema } from '../superoffice/webhook-payload.ts';
import { WEBHOOK_SECRET_KIND } from '../superoffice/credential-kinds.ts';
import { verifyWebhookSignature } from '../superoffice/webhook-signature.ts';
import { HttpError } from './errors.ts';
import { hasNul } from './nul-free.ts';
import { rawBodyOf } from './raw-body.ts';

export const SUPEROFFICE_WEBHOOK_PATH = '/webhooks/superoffice';

/** Stand-ins for a tenant that is not there: no row has this id, and nobody knows this secret. */
const NO_TENANT_ID = '00000000-0000-0000-0000-000000000000';
const NO_SECRET = randomBytes(32).toString('base64');

export interface SuperOfficeWebhookDeps {
  db: Db;
  keyring: Keyring;
  queue: Pick<Queue, 'enqueue' | 'enqueueLinkSync'>;
}

export function superOfficeWebhookRouter(deps: SuperOfficeWebhookDeps): Router {
  const r = Router();
  r.post(SUPEROFFICE_WEBHOOK_PATH, async (req, res) => {
    const raw = rawBodyOf(req);
    if (!raw || typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw new HttpError(400, 'expected_json', 'Expected a JSON object with Content-Type application/json.');
    }
    const parsed = webhookPayloadSchema.safeParse(req.body);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))].join(', ');
      throw new HttpError(400, 'invalid_payload', `Not a SuperOffice webhook payload (check ${fields}).`);
    }
    const p = parsed.data;
    if (hasNul(req.body)) {
      throw new HttpError(400, 'invalid_payload', 'Not a SuperOffice webhook payload (text with a NUL character).');
    }
    const tenant = await findInstalledTenant(deps.db, p.ContextIdentifier);
    // Read a credential even without a tenant, so both cases cost the same round trips.
    const secret = await loadCredential(deps.db, deps.keyring, {
      tenantId: tenant?.id ?? NO_TENANT_ID,
      ownerType: 'tenant',
      ownerId: tenant?.id ?? NO_TENANT_ID,
      kind: WEBHOOK_SECRET_KIND,
    });
    const signature = req.get('x-superoffice-signature');
    const verified = verifyWebhookSignature(secret ?? NO_SECRET, raw, signature);
    if (!tenant || !secret || !verified) {
      req.log.warn(
        {
          tenant: p.ContextIdentifier, eventId: p.EventId, event: p.Event,
          reason: !tenant ? 'not installed' : !secret ? 'no webhook secret' : signature ? 'wrong signature' : 'missing signature',
        },
        'webhook signature rejected',
      );
      throw new HttpError(401, 'invalid_signature', 'The X-SuperOffice-Signature header is missing or does not match the body.');
    }
    if (p.Event === 'test') {
      res.json({ ok: true });
      return;
    }
    if (isDocumentEvent(p)) {
      res.json({ ok: true, ignored: 'document' });
      return;
    }
    const outcome = await deps.db.transaction(async (trx) => {
      const fresh = await recordInboundEvent(trx, {
        tenantId: tenant.id,
        source: 'superoffice',
        eventId: p.EventId,
        eventType: p.Event,
        payload: p,
      });
      if (!fresh) return 'duplicate' as const;
      if (p.Entity !== 'activity') return 'recorded' as const;
      const owner = ownerAssociateId(p);
      const linkId = await findLinkForAppointment(trx, tenant.id, owner, p.PrimaryKey);
      if (!linkId) {
        // SuperOffice's documented activity.changed and activity.deleted name no owner: a job asks
        // SuperOffice whose it is, or looks the link table up again (never this request). A deletion
        // can race the bookkeeping of the item's first sync, whose pair is committed a moment after
        // the calendar copy is written.
        if (owner !== undefined || p.PrimaryKey === undefined || p.PrimaryKey <= 0) return 'recorded' as const;
        const job = routeActivityJob(tenant.id, p.PrimaryKey, p.Event);
        await deps.queue.enqueue(job.task, job.payload, { ...job.opts, trx });
        return 'routing' as const;
      }
      await wakeLink(trx, deps.queue, { tenantId: tenant.id, linkId, side: 'superoffice', ...(p.PrimaryKey !== undefined ? { itemId: String(p.PrimaryKey) } : {}), reason: `webhook:${p.Event}` });
      return 'enqueued' as const;
    });
    req.log.info({ tenant: tenant.context_identifier, eventId: p.EventId, event: p.Event, outcome }, 'webhook accepted');
    res.json({ ok: true, outcome });
  });
  return r;
}
