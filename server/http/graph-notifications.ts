// Microsoft Graph change and lifecycle notifications. Graph first checks each URL with a validation
// request (echo the token as text/plain within 10 s); after that, every POST is a batch of
// notifications whose clientState must match the one stored (sealed) for its subscription. Accepted
// changes are recorded, hinted and their link's sync queued in one transaction; the answer (202)
// goes out well within Graph's 3 seconds, and Graph is never called on this path.
import express, { Router } from 'express';
import { randomUUID } from 'node:crypto';
import { loadCredential } from '../db/credentials.ts';
import { recordInboundEvent } from '../db/inbound-events.ts';
import type { Knex } from 'knex';
import type { Db } from '../db/knex.ts';
import { GRAPH_SUBSCRIBE_TASK, LIFECYCLE_PATH, NOTIFICATIONS_PATH } from '../jobs/graph-subscribe.ts';
import type { Queue } from '../jobs/queue.ts';
import { wakeLink } from '../jobs/wake-link.ts';
import { GRAPH_CLIENT_STATE } from '../microsoft/connector.ts';
import { NotificationPayloadInvalid, parseNotifications, sameEventVersion, validationTokenOf } from '../providers/graph/subscription.ts';
import type { Keyring } from '../security/secrets.ts';
import { HttpError } from './errors.ts';
import { hasNul } from './nul-free.ts';

export interface GraphNotificationDeps {
  db: Db;
  keyring: Keyring;
  queue: Pick<Queue, 'enqueue' | 'enqueueLinkSync'>;
}

interface Owner {
  tenantId: string;
  linkId: string;
  clientState: string;
}

/**
 * Whether a change notification only announces the version we already hold: the echo of our own
 * write (its reply gave us that changeKey and we stored it). Skipping it saves a whole run per
 * change made in SuperOffice. Anything else runs: a deletion, an unknown item, a row whose last
 * action failed, a series (its version also covers its exceptions, so it never equals a changeKey).
 */
async function isOwnEcho(trx: Knex.Transaction, o: { tenantId: string; linkId: string }, c: { changeType: string; resourceId?: string; changeKey?: string }): Promise<boolean> {
  if (c.changeType === 'deleted' || !c.resourceId || !c.changeKey) return false;
  const row = await trx('synced_items')
    .where({ tenant_id: o.tenantId, link_id: o.linkId, ext_id: c.resourceId, state: 'active', dirty: false })
    .first('ext_version');
  return typeof row?.ext_version === 'string' && sameEventVersion(c.changeKey, row.ext_version);
}

/**
 * The body without the notifications that hold a NUL anywhere: PostgreSQL cannot store them, and
 * one bad entry must not cost the others. Anything else is left for parseNotifications to judge.
 */
function withoutNul(body: unknown): { body: unknown; skipped: number } {
  const value = (body as { value?: unknown } | null)?.value;
  if (!Array.isArray(value)) return { body, skipped: 0 };
  const kept = value.filter((n) => !hasNul(n));
  return { body: { ...(body as object), value: kept }, skipped: value.length - kept.length };
}

export function graphNotificationsRouter(deps: GraphNotificationDeps): Router {
  const r = Router();
  const json = express.json({ limit: '1mb', type: () => true });

  /** Our subscriptions named in the body, with their clientStates (unknown ids are simply absent). */
  async function owners(body: unknown): Promise<Map<string, Owner>> {
    const ids = Array.isArray((body as { value?: unknown })?.value)
      ? [...new Set(((body as { value: Array<{ subscriptionId?: unknown }> }).value).map((n) => n?.subscriptionId).filter((x): x is string => typeof x === 'string'))]
      : [];
    const rows: Array<{ subscription_id: string; tenant_id: string; link_id: string }> = ids.length
      ? await deps.db('graph_subscriptions').whereIn('subscription_id', ids.slice(0, 1000)).select('subscription_id', 'tenant_id', 'link_id')
      : [];
    const out = new Map<string, Owner>();
    for (const row of rows) {
      const clientState = await loadCredential(deps.db, deps.keyring, { tenantId: row.tenant_id, ownerType: 'link', ownerId: row.link_id, kind: GRAPH_CLIENT_STATE });
      if (clientState) out.set(row.subscription_id, { tenantId: row.tenant_id, linkId: row.link_id, clientState });
    }
    return out;
  }

  for (const [path, kind] of [[NOTIFICATIONS_PATH, 'changes'], [LIFECYCLE_PATH, 'lifecycle']] as const) {
    r.post(path, (req, res, next) => {
      // The validation request carries no body worth reading.
      const token = validationTokenOf(req.query as Record<string, unknown>);
      if (token !== undefined) {
        res.status(200).type('text/plain').send(token);
        return;
      }
      next();
    });
    r.post(path, json, async (req, res) => {
      const { body, skipped } = withoutNul(req.body);
      if (skipped) req.log.warn({ skipped }, 'graph notifications: entries with a NUL character skipped');
      const known = await owners(body);
      let parsed;
      try {
        parsed = parseNotifications(body, new Map([...known].map(([id, o]) => [id, o.clientState])));
      } catch (err) {
        if (err instanceof NotificationPayloadInvalid) throw new HttpError(400, 'invalid_payload', err.message);
        throw err;
      }
      if (parsed.rejected.length) req.log.warn({ rejected: parsed.rejected }, 'graph notifications: entries refused (unknown subscription or wrong clientState)');
      let echoes = 0;
      await deps.db.transaction(async (trx) => {
        for (const c of kind === 'changes' ? parsed.changes : []) {
          const o = known.get(c.subscriptionId)!;
          // Graph gives notifications no id to deduplicate by; a repeat only adds a hint and a
          // debounced run that finds nothing new.
          await recordInboundEvent(trx, { tenantId: o.tenantId, source: 'graph', eventId: randomUUID(), eventType: c.changeType, payload: { subscriptionId: c.subscriptionId, resource: c.resource } });
          if (await isOwnEcho(trx, o, c)) {
            echoes += 1;
            continue;
          }
          await wakeLink(trx, deps.queue, { tenantId: o.tenantId, linkId: o.linkId, side: 'calendar', ...(c.resourceId ? { itemId: c.resourceId } : {}), reason: `graph:${c.changeType}` });
        }
        for (const l of parsed.lifecycle) {
          const o = known.get(l.subscriptionId)!;
          await recordInboundEvent(trx, { tenantId: o.tenantId, source: 'graph', eventId: randomUUID(), eventType: l.event, payload: { subscriptionId: l.subscriptionId } });
          if (l.event === 'missed') {
            // Delta catches up on everything since the last cursor; no hint is needed.
            await deps.queue.enqueueLinkSync(o.tenantId, o.linkId, { reason: 'graph:missed', trx });
          } else {
            const action = l.event === 'reauthorizationRequired' ? 'reauthorize' : 'recreate';
            await deps.queue.enqueue(GRAPH_SUBSCRIBE_TASK, { tenantId: o.tenantId, linkId: o.linkId, action }, { trx, queueName: `graph-sub:${o.linkId}` });
            // Changes may have gone unannounced meanwhile.
            if (action === 'recreate') await deps.queue.enqueueLinkSync(o.tenantId, o.linkId, { reason: 'graph:subscriptionRemoved', trx });
          }
        }
        await trx('graph_subscriptions').whereIn('subscription_id', parsed.subscriptionIds).update({ last_notification_at: trx.fn.now() });
      });
      req.log.info({ changes: parsed.changes.length, echoes, lifecycle: parsed.lifecycle.length, rejected: parsed.rejected.length }, 'graph notifications accepted');
      res.status(202).end();
    });
  }
  return r;
}
