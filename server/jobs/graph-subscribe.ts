// Push for Microsoft 365 links: one Graph subscription per linked mailbox. `graph-subscribe` makes
// sure a link has a live one (creates it, renews it when it nears expiry, recreates it when Graph
// removed it, answers reauthorizationRequired), storing the subscription and its sealed clientState.
// `graph-subscriptions` (crontab) fans out to every Microsoft 365 link that needs one of those.
// A subscription failure never stops the sync itself: the reconciliation poll still runs.
import { z } from 'zod';
import { deleteCredential, saveCredential } from '../db/credentials.ts';
import type { Db } from '../db/knex.ts';
import { GRAPH_CLIENT_STATE, type Microsoft } from '../microsoft/connector.ts';
import { MailboxNotEnabled } from '../providers/graph/errors.ts';
import { createSubscription, deleteSubscription, reauthorizeSubscription, renewSubscription } from '../providers/graph/subscription.ts';
import type { Keyring } from '../security/secrets.ts';
import { AuthorizationRevoked, NotFound, RateLimited } from '../sync/errors.ts';
import { RetryLaterError } from './errors.ts';
import type { Queue, TaskHandler } from './queue.ts';
import { CalendarUnavailable, POLL_REASON } from './sync-link.ts';

export const GRAPH_SUBSCRIBE_TASK = 'graph-subscribe';
export const GRAPH_SUBSCRIPTIONS_TASK = 'graph-subscriptions';
/** Every 30 minutes; a subscription is renewed once it has less than RENEW_BEFORE_MS to live. */
export const GRAPH_SUBSCRIPTIONS_CRONTAB = `*/30 * * * * ${GRAPH_SUBSCRIPTIONS_TASK} ?max=1&jobKey=${GRAPH_SUBSCRIPTIONS_TASK}`;
export const RENEW_BEFORE_MS = 24 * 3_600_000;

export const NOTIFICATIONS_PATH = '/webhooks/graph';
export const LIFECYCLE_PATH = '/webhooks/graph/lifecycle';

/** Link states that sync, so their mailboxes need push. */
const PUSHED_STATES = ['pending', 'active', 'error', 'needs_confirmation'];

const payloadSchema = z.object({
  tenantId: z.uuid(),
  linkId: z.uuid(),
  /** ensure (default), renew now, recreate (Graph removed it), reauthorize. */
  action: z.enum(['ensure', 'renew', 'recreate', 'reauthorize']).default('ensure'),
});

export interface GraphSubscribeDeps {
  db: Db;
  keyring: Keyring;
  microsoft: Microsoft;
  /** The app's public URL; Graph posts notifications there. */
  publicUrl: string;
  queue: Pick<Queue, 'enqueue' | 'enqueueLinkSync'>;
  now?: () => Date;
}

export function createGraphSubscribeTask(deps: GraphSubscribeDeps): TaskHandler {
  const now = deps.now ?? (() => new Date());
  return async (payload, ctx) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      ctx.log.error('graph-subscribe: malformed payload dropped');
      return;
    }
    const { tenantId, linkId, action } = parsed.data;
    const link = await deps.db('links')
      .join('profiles', 'profiles.id', 'links.profile_id')
      .where({ 'links.tenant_id': tenantId, 'links.id': linkId, 'profiles.calendar_system': 'graph' })
      .first('links.id', 'links.state', 'links.mailbox', 'links.profile_id');
    const existing = await deps.db('graph_subscriptions').where({ tenant_id: tenantId, link_id: linkId }).first('subscription_id', 'expires_at');
    try {
      const graph = link ? await deps.microsoft.connection(tenantId, link.profile_id, linkId) : undefined;
      if (!link || !graph || !PUSHED_STATES.includes(link.state)) {
        // Unlinked or idle: its subscription goes (Graph would keep posting for nobody).
        if (existing) {
          if (graph) await deleteSubscription(graph, existing.subscription_id);
          await forget(deps, tenantId, linkId);
          ctx.log.info({ tenantId, linkId }, 'graph-subscribe: link not syncing; subscription removed');
        }
        return;
      }
      if (existing && action === 'reauthorize') {
        await reauthorizeSubscription(graph, existing.subscription_id);
        ctx.log.info({ tenantId, linkId }, 'graph-subscribe: subscription reauthorized');
        return;
      }
      const fresh = existing && action !== 'recreate' && new Date(existing.expires_at).getTime() - now().getTime() > RENEW_BEFORE_MS;
      if (fresh && action === 'ensure') return;
      if (existing && action !== 'recreate') {
        try {
          const renewed = await renewSubscription(graph, existing.subscription_id, now());
          await deps.db('graph_subscriptions').where({ tenant_id: tenantId, link_id: linkId }).update({ expires_at: renewed.expiresAt, updated_at: now() });
          ctx.log.info({ tenantId, linkId, expiresAt: renewed.expiresAt }, 'graph-subscribe: subscription renewed');
          return;
        } catch (err) {
          if (!(err instanceof NotFound)) throw err;
          // Graph no longer has it: make a new one below.
        }
      }
      if (existing) {
        await deleteSubscription(graph, existing.subscription_id).catch(() => undefined);
        await forget(deps, tenantId, linkId);
      }
      const made = await createSubscription(graph, {
        mailbox: link.mailbox,
        notificationUrl: `${deps.publicUrl}${NOTIFICATIONS_PATH}`,
        lifecycleNotificationUrl: `${deps.publicUrl}${LIFECYCLE_PATH}`,
      }, now());
      await deps.db.transaction(async (trx) => {
        await saveCredential(trx, deps.keyring, { tenantId, ownerType: 'link', ownerId: linkId, kind: GRAPH_CLIENT_STATE, secret: made.clientState });
        await trx('graph_subscriptions').insert({ tenant_id: tenantId, link_id: linkId, subscription_id: made.subscription.id, resource: made.subscription.resource, expires_at: made.subscription.expiresAt });
      });
      ctx.log.info({ tenantId, linkId, subscription: made.subscription.id, expiresAt: made.subscription.expiresAt }, 'graph-subscribe: subscription created');
    } catch (err) {
      if (err instanceof RateLimited) throw new RetryLaterError(Math.max(err.retryAfterMs, 1000), `rate limited: ${err.message}`);
      if (err instanceof MailboxNotEnabled || err instanceof AuthorizationRevoked || err instanceof CalendarUnavailable) {
        // The sync of this link reports the same cause in its own words; push simply waits.
        ctx.log.warn({ tenantId, linkId, reason: err.message }, 'graph-subscribe: no subscription for this mailbox');
        return;
      }
      throw err;
    }
  };
}

async function forget(deps: GraphSubscribeDeps, tenantId: string, linkId: string): Promise<void> {
  await deps.db('graph_subscriptions').where({ tenant_id: tenantId, link_id: linkId }).delete();
  await deleteCredential(deps.db, { tenantId, ownerType: 'link', ownerId: linkId, kind: GRAPH_CLIENT_STATE });
}

/** A link not synced for this long gets a sync from the fan-out: the poll that catches what push missed. */
export const POLL_AFTER_MS = 25 * 60_000;

/**
 * The crontab fan-out: links missing a subscription or whose subscription expires within a day get
 * one made or renewed, and links that have not synced for POLL_AFTER_MS get a sync (a delta read
 * that costs one call when nothing changed), so a dropped notification waits at most ~30 minutes.
 */
export function createGraphSubscriptionsTask(deps: { db: Db; queue: Pick<Queue, 'enqueue' | 'enqueueLinkSync'>; now?: () => Date }): TaskHandler {
  const now = deps.now ?? (() => new Date());
  return async (_payload, ctx) => {
    const soon = new Date(now().getTime() + RENEW_BEFORE_MS);
    const rows: Array<{ tenant_id: string; id: string }> = await deps.db('links')
      .join('profiles', 'profiles.id', 'links.profile_id')
      .leftJoin('graph_subscriptions', 'graph_subscriptions.link_id', 'links.id')
      .where('profiles.calendar_system', 'graph')
      .whereIn('links.state', PUSHED_STATES)
      .where((q) => q.whereNull('graph_subscriptions.id').orWhere('graph_subscriptions.expires_at', '<', soon))
      .select('links.tenant_id', 'links.id');
    for (const r of rows) {
      await deps.queue.enqueue(GRAPH_SUBSCRIBE_TASK, { tenantId: r.tenant_id, linkId: r.id }, { jobKey: `${GRAPH_SUBSCRIBE_TASK}:${r.id}`, queueName: `graph-sub:${r.id}` });
    }
    if (rows.length) ctx.log.info({ links: rows.length }, 'graph-subscriptions: subscriptions to make or renew queued');
    const stale: Array<{ tenant_id: string; id: string }> = await deps.db('links')
      .join('profiles', 'profiles.id', 'links.profile_id')
      .where('profiles.calendar_system', 'graph')
      .whereIn('links.state', ['active', 'error'])
      .where((q) => q.whereNull('links.last_sync_at').orWhere('links.last_sync_at', '<', new Date(now().getTime() - POLL_AFTER_MS)))
      .select('links.tenant_id', 'links.id');
    for (const r of stale) await deps.queue.enqueueLinkSync(r.tenant_id, r.id, { reason: POLL_REASON });
    if (stale.length) ctx.log.info({ links: stale.length }, 'graph-subscriptions: links polled');
  };
}
