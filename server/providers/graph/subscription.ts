// Change notifications for a mailbox's events (graph-ews spec 4): create, renew, reauthorize and
// delete a subscription, and read what Graph POSTs to our notification URLs. Notifications are
// hints only: the route records them and queues the link's sync, which reads delta.
//
// Each subscription gets its own random clientState; Graph echoes it in every notification, which
// is how we know a POST came from Graph for that subscription. The caller stores it sealed.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { NotFound } from '../../sync/errors.ts';
import type { GraphConnection } from './client.ts';

/** Longest lifetime Graph grants an Outlook event subscription, per the docs as read (spec 4; some sources say 10,080). */
export const MAX_SUBSCRIPTION_MINUTES = 4230;
/** We ask a little less than the maximum, so clock skew does not make Graph refuse it. */
const ASK_MINUTES = MAX_SUBSCRIPTION_MINUTES - 30;

export interface SubscriptionTarget {
  /** User id or UPN. */
  mailbox: string;
  /** HTTPS URL Graph POSTs change notifications to. */
  notificationUrl: string;
  /** HTTPS URL Graph POSTs lifecycle events to (reauthorizationRequired, subscriptionRemoved, missed). */
  lifecycleNotificationUrl: string;
}

export interface GraphSubscription {
  id: string;
  resource: string;
  expiresAt: Date;
}

const subscriptionSchema = z.object({ id: z.string().min(1), resource: z.string(), expirationDateTime: z.string() });

function subscriptionOf(raw: unknown): GraphSubscription {
  const s = subscriptionSchema.safeParse(raw);
  const at = s.success ? Date.parse(s.data.expirationDateTime) : NaN;
  if (!s.success || Number.isNaN(at)) throw new Error('Microsoft Graph answered with a subscription this connector cannot read');
  return { id: s.data.id, resource: s.data.resource, expiresAt: new Date(at) };
}

/** When a subscription made or renewed at `now` should expire. */
export function subscriptionExpiry(now: Date, minutes = ASK_MINUTES): Date {
  return new Date(now.getTime() + Math.min(minutes, MAX_SUBSCRIPTION_MINUTES) * 60_000);
}

/**
 * Subscribes to created/updated/deleted events of the mailbox. Graph checks both URLs with a
 * validation request before it answers, so the notification route must be reachable. Returns the
 * clientState to store (sealed) with the subscription.
 */
export async function createSubscription(graph: GraphConnection, target: SubscriptionTarget, now = new Date()): Promise<{ subscription: GraphSubscription; clientState: string }> {
  const clientState = randomBytes(32).toString('base64url');
  const raw = await graph.request({
    method: 'POST',
    url: '/subscriptions',
    body: {
      changeType: 'created,updated,deleted',
      notificationUrl: target.notificationUrl,
      lifecycleNotificationUrl: target.lifecycleNotificationUrl,
      resource: `users/${target.mailbox}/events`,
      expirationDateTime: subscriptionExpiry(now).toISOString(),
      clientState,
      latestSupportedTlsVersion: 'v1_2',
    },
  });
  return { subscription: subscriptionOf(raw), clientState };
}

/** Moves the expiry on (renew at least every two days). Throws NotFound when Graph dropped the subscription. */
export async function renewSubscription(graph: GraphConnection, id: string, now = new Date()): Promise<GraphSubscription> {
  const raw = await graph.request({ method: 'PATCH', url: `/subscriptions/${encodeURIComponent(id)}`, body: { expirationDateTime: subscriptionExpiry(now).toISOString() }, itemId: id });
  return subscriptionOf(raw);
}

/** The answer to a `reauthorizationRequired` lifecycle event. */
export async function reauthorizeSubscription(graph: GraphConnection, id: string): Promise<void> {
  await graph.request({ method: 'POST', url: `/subscriptions/${encodeURIComponent(id)}/reauthorize`, body: {}, itemId: id });
}

/** Deletes the subscription; one already gone counts as deleted. */
export async function deleteSubscription(graph: GraphConnection, id: string): Promise<void> {
  try {
    await graph.request({ method: 'DELETE', url: `/subscriptions/${encodeURIComponent(id)}`, itemId: id });
  } catch (err) {
    if (!(err instanceof NotFound)) throw err;
  }
}

/** The token of Graph's validation request (`POST ...?validationToken=...`), to echo as text/plain. */
export function validationTokenOf(query: Record<string, unknown>): string | undefined {
  const v = query.validationToken;
  return typeof v === 'string' && v.length > 0 && v.length <= 2048 ? v : undefined;
}

const notificationSchema = z.object({
  subscriptionId: z.string().min(1).max(200),
  subscriptionExpirationDateTime: z.string().max(100).optional(),
  clientState: z.string().max(256).nullish(),
  tenantId: z.string().max(100).optional(),
  changeType: z.string().max(100).optional(),
  resource: z.string().max(2000).optional(),
  resourceData: z.object({ id: z.string().max(1000).optional(), '@odata.etag': z.string().max(1000).optional() }).passthrough().optional(),
  lifecycleEvent: z.string().max(100).optional(),
});

const notificationPayloadSchema = z.object({ value: z.array(notificationSchema).min(1).max(1000) }).passthrough();

export class NotificationPayloadInvalid extends Error {
  override readonly name = 'NotificationPayloadInvalid';
}

export type ChangeType = 'created' | 'updated' | 'deleted';
export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export interface ParsedNotifications {
  /** Resource changes, from subscriptions whose clientState matched. */
  changes: Array<{ subscriptionId: string; changeType: ChangeType; resource: string; userId?: string; resourceId?: string; changeKey?: string; tenantId?: string }>;
  /** Lifecycle events, from subscriptions whose clientState matched. */
  lifecycle: Array<{ subscriptionId: string; event: LifecycleEvent; tenantId?: string }>;
  /** Subscriptions with accepted entries, each once. */
  subscriptionIds: string[];
  /** Entries dropped: an unknown subscription, a wrong clientState, or a change we do not know. */
  rejected: Array<{ subscriptionId: string; reason: 'unknown_subscription' | 'client_state_mismatch' | 'unknown_change' | 'malformed_resource' }>;
}

/** decodeURIComponent, or undefined for a malformed `%` escape (which would otherwise throw and lose the whole batch). */
function decoded(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

function sameSecret(a: string, b: string): boolean {
  // Digests make the lengths equal, so the comparison time says nothing about either value.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

const CHANGE_TYPES = new Set<string>(['created', 'updated', 'deleted']);
const LIFECYCLE = new Set<string>(['reauthorizationRequired', 'subscriptionRemoved', 'missed']);

/**
 * Checks a notification POST body. `expectedClientStates` maps each subscription id we hold to its
 * clientState. Throws NotificationPayloadInvalid when the body is not a notification collection.
 */
export function parseNotifications(body: unknown, expectedClientStates: ReadonlyMap<string, string>): ParsedNotifications {
  const parsed = notificationPayloadSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new NotificationPayloadInvalid(`not a Graph notification collection (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'bad shape'})`);
  }
  const out: ParsedNotifications = { changes: [], lifecycle: [], subscriptionIds: [], rejected: [] };
  const accepted = new Set<string>();
  for (const n of parsed.data.value) {
    const expected = expectedClientStates.get(n.subscriptionId);
    if (expected === undefined) {
      out.rejected.push({ subscriptionId: n.subscriptionId, reason: 'unknown_subscription' });
      continue;
    }
    if (!sameSecret(n.clientState ?? '', expected)) {
      out.rejected.push({ subscriptionId: n.subscriptionId, reason: 'client_state_mismatch' });
      continue;
    }
    const tenant = n.tenantId ? { tenantId: n.tenantId } : {};
    if (n.lifecycleEvent && LIFECYCLE.has(n.lifecycleEvent)) {
      out.lifecycle.push({ subscriptionId: n.subscriptionId, event: n.lifecycleEvent as LifecycleEvent, ...tenant });
    } else if (n.changeType && CHANGE_TYPES.has(n.changeType) && n.resource) {
      // `Users/{userId}/Events/{eventId}`, in whatever case Graph writes it.
      const m = /^\/?users\/([^/]+)\/(?:calendars\/[^/]+\/)?events\/([^/?]+)/i.exec(n.resource);
      const userId = m ? decoded(m[1]!) : undefined;
      const resourceId = n.resourceData?.id ?? (m ? decoded(m[2]!) : undefined);
      if (m && (userId === undefined || resourceId === undefined)) {
        out.rejected.push({ subscriptionId: n.subscriptionId, reason: 'malformed_resource' });
        continue;
      }
      // The event's version after the change (`W/"..."`), which tells the echo of our own write; its
      // relation to the changeKey a GET returns is what sameEventVersion knows.
      const changeKey = /^W\/"(.+)"$/.exec(n.resourceData?.['@odata.etag'] ?? '')?.[1];
      out.changes.push({
        subscriptionId: n.subscriptionId, changeType: n.changeType as ChangeType, resource: n.resource,
        ...(userId ? { userId } : {}), ...(resourceId ? { resourceId } : {}), ...(changeKey ? { changeKey } : {}), ...tenant,
      });
    } else {
      out.rejected.push({ subscriptionId: n.subscriptionId, reason: 'unknown_change' });
      continue;
    }
    accepted.add(n.subscriptionId);
  }
  out.subscriptionIds = [...accepted];
  return out;
}

/**
 * Whether a notification's `@odata.etag` (inside `W/"..."`) names the same event version as a
 * `changeKey` a GET or write returned. Not documented. Captured notifications carry `DwAAABYAAAA…`
 * where the changeKey reads `CQAAABYAAAA…`: base64 of an 8-byte header (type, then length) and the
 * version bytes, never textually equal. So: equal text; or, after each one's 8-byte header, equal
 * version bytes; or the changeKey's whole bytes behind the etag's header (another reading of the
 * same capture). Anything else, or anything not base64, is "cannot tell": not the same, and the
 * caller runs a sync (safe: one run more).
 */
export function sameEventVersion(notified: string, changeKey: string): boolean {
  if (notified === changeKey) return true;
  const base64 = /^[A-Za-z0-9+/]+={0,2}$/;
  if (!base64.test(notified) || !base64.test(changeKey)) return false;
  const etag = Buffer.from(notified, 'base64');
  const key = Buffer.from(changeKey, 'base64');
  if (etag.length <= 8 || key.length <= 8) return false;
  const bothVersions = etag.length === key.length && etag.readUInt32LE(4) === key.readUInt32LE(4) && etag.subarray(8).equals(key.subarray(8));
  const wholeKey = etag.length === key.length + 8 && etag.subarray(8).equals(key);
  return bothVersions || wholeKey;
}
