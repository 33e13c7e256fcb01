// Change-notification subscriptions on event resources (`users/{id}/events`, `me/events`,
// `users/{id}/calendars/{cid}/events`, `users/{id}/calendar/events`). Creating one runs the
// validation handshake on notificationUrl and lifecycleNotificationUrl; expiry is capped (4,230
// minutes by default) and expired subscriptions vanish silently. Every change of a subscribed
// mailbox, whoever made it, is POSTed as Graph does. `users/{id}/events` covers the default
// calendar, like GET /users/{id}/events (whether Graph also fans in other calendars is not verified).
// A subscription marked reauthorizationRequired delivers nothing until it is reauthorized or renewed
// (a guess at what Graph does with it in the meantime). A change notification given up after its
// retries is followed by a `missed` lifecycle event.
import { randomUUID } from 'node:crypto';
import type { MailboxChange } from './mailbox.ts';
import { json, mailboxFor, safeDecode, type GraphContext, type GraphRequest, type GraphResponse, type Route } from './context.ts';
import { badRequest, GraphError } from './errors.ts';
import type { Notifier } from './notifier.ts';
import { parseDateTime } from './time-zone.ts';

const CHANGE_TYPES = ['created', 'updated', 'deleted'] as const;
export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface Subscription {
  id: string;
  resource: string;
  userId: string;
  calendarId: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expiration: number;
  appId: string;
  creatorId: string;
  latestSupportedTlsVersion: string;
  needsReauth: boolean;
}

const notFound = () => new GraphError(404, 'ResourceNotFound', 'The object was not found.');

export class Subscriptions {
  private readonly subs = new Map<string, Subscription>();
  private readonly byUser = new Map<string, Set<Subscription>>();

  constructor(
    private readonly ctx: GraphContext,
    private readonly notifier: Notifier,
    private readonly allowHttp: boolean,
  ) {
    // Graph tells a subscriber it lost notifications with a `missed` lifecycle event.
    notifier.onGiveUp = (id, kind) => {
      if (kind === 'change' && this.get(id)?.lifecycleNotificationUrl) this.fireLifecycle(id, 'missed');
    };
  }

  json(s: Subscription): Record<string, unknown> {
    return {
      id: s.id, resource: s.resource, applicationId: s.appId, changeType: s.changeType, clientState: s.clientState,
      notificationUrl: s.notificationUrl, notificationQueryOptions: null, lifecycleNotificationUrl: s.lifecycleNotificationUrl,
      expirationDateTime: new Date(s.expiration).toISOString().replace('Z', '0000Z'), creatorId: s.creatorId, includeResourceData: false,
      latestSupportedTlsVersion: s.latestSupportedTlsVersion, encryptionCertificate: null, encryptionCertificateId: null,
      notificationUrlAppId: null,
    };
  }

  /** Live subscriptions; expired ones are dropped on the way. */
  all(): Subscription[] {
    const now = this.ctx.dir.now();
    for (const s of this.subs.values()) if (s.expiration <= now) this.drop(s);
    return [...this.subs.values()];
  }

  get(id: string): Subscription | undefined {
    const s = this.subs.get(id);
    if (s && s.expiration <= this.ctx.dir.now()) {
      this.drop(s);
      return undefined;
    }
    return s;
  }

  private drop(s: Subscription): void {
    this.subs.delete(s.id);
    this.byUser.get(s.userId)?.delete(s);
  }

  private checkUrl(url: unknown, field: string): string {
    if (typeof url !== 'string') throw badRequest(`${field} is required.`, 'InvalidRequest');
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw badRequest(`${field} '${url}' is not a valid URL.`, 'InvalidRequest');
    }
    if (u.protocol === 'https:' || (u.protocol === 'http:' && this.allowHttp && LOOPBACK.has(u.hostname))) return url;
    throw badRequest(`Subscription validation request failed. ${field} must be an https URL.`, 'InvalidRequest');
  }

  private expiration(v: unknown): number {
    const parsed = typeof v === 'string' ? parseDateTime(v) : null;
    if (!parsed) throw badRequest('expirationDateTime is required and must be a date-time.', 'InvalidRequest');
    const now = this.ctx.dir.now();
    const max = this.ctx.settings.subscriptionMaxMinutes;
    if (parsed.ms <= now) throw badRequest('Subscription expiration must be in the future.', 'InvalidRequest');
    if (parsed.ms > now + max * 60_000) {
      throw badRequest(`Subscription expiration can only be ${max} minutes in the future.`, 'InvalidRequest');
    }
    return parsed.ms;
  }

  private async handshake(url: string): Promise<void> {
    const problem = await this.notifier.validate(url);
    if (problem) {
      throw badRequest(`Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request (${problem}).`, 'ValidationError');
    }
  }

  private async create(req: GraphRequest): Promise<GraphResponse> {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const types = typeof b.changeType === 'string' ? b.changeType.split(',').map((t) => t.trim()) : [];
    if (!types.length || !types.every((t) => (CHANGE_TYPES as readonly string[]).includes(t))) {
      throw badRequest("changeType must be a comma-separated list of 'created', 'updated' and 'deleted'.", 'InvalidRequest');
    }
    const resource = typeof b.resource === 'string' ? b.resource : '';
    const m = /^\/?(?:(me)|users\/([^/]+))\/(?:(events)|calendar\/events|calendars\/([^/]+)\/events)$/i.exec(resource);
    if (!m) throw badRequest(`Resource '${resource}' is not supported for event subscriptions.`, 'InvalidRequest');
    if (m[1] && req.principal.kind !== 'user') throw badRequest('/me request is only valid with delegated authentication flow.');
    const userRef = m[1] ? (req.principal.kind === 'user' ? req.principal.userId : '') : safeDecode(m[2] ?? '');
    const box = mailboxFor(this.ctx, { ...req, params: { user: userRef } }, false);
    const calendarId = box.calendar(m[4] ? safeDecode(m[4]) : 'default').id;
    const notificationUrl = this.checkUrl(b.notificationUrl, 'notificationUrl');
    const lifecycleNotificationUrl = b.lifecycleNotificationUrl === undefined || b.lifecycleNotificationUrl === null ? null : this.checkUrl(b.lifecycleNotificationUrl, 'lifecycleNotificationUrl');
    const expiration = this.expiration(b.expirationDateTime);
    if (b.clientState !== undefined && b.clientState !== null && (typeof b.clientState !== 'string' || b.clientState.length > 128)) {
      throw badRequest('clientState must be a string of at most 128 characters.', 'InvalidRequest');
    }
    if (b.includeResourceData === true) {
      throw badRequest('Rich notifications (includeResourceData) need an encryptionCertificate, which this simulator does not support.', 'InvalidRequest');
    }
    await this.handshake(notificationUrl);
    if (lifecycleNotificationUrl) await this.handshake(lifecycleNotificationUrl);
    const p = req.principal;
    const s: Subscription = {
      id: randomUUID(), resource, userId: box.user.id, calendarId, changeType: types.join(','), notificationUrl, lifecycleNotificationUrl,
      clientState: typeof b.clientState === 'string' ? b.clientState : null, expiration, appId: p.appId,
      creatorId: p.kind === 'app' ? p.oid : p.userId,
      latestSupportedTlsVersion: typeof b.latestSupportedTlsVersion === 'string' ? b.latestSupportedTlsVersion : 'v1_2', needsReauth: false,
    };
    this.subs.set(s.id, s);
    const set = this.byUser.get(s.userId) ?? new Set();
    set.add(s);
    this.byUser.set(s.userId, set);
    return json(201, { '@odata.context': `${this.ctx.graphBase()}/$metadata#subscriptions/$entity`, ...this.json(s) });
  }

  private mine(req: GraphRequest, id: string): Subscription {
    const s = this.get(id);
    if (!s || s.appId !== req.principal.appId) throw notFound();
    return s;
  }

  private async update(req: GraphRequest): Promise<GraphResponse> {
    const s = this.mine(req, req.params.id ?? '');
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (b.lifecycleNotificationUrl !== undefined && b.lifecycleNotificationUrl !== s.lifecycleNotificationUrl) {
      throw badRequest('lifecycleNotificationUrl cannot be added or changed on an existing subscription.', 'InvalidRequest');
    }
    const expiration = b.expirationDateTime !== undefined ? this.expiration(b.expirationDateTime) : s.expiration;
    if (b.notificationUrl !== undefined && b.notificationUrl !== s.notificationUrl) {
      const url = this.checkUrl(b.notificationUrl, 'notificationUrl');
      await this.handshake(url);
      s.notificationUrl = url;
    }
    s.expiration = expiration;
    s.needsReauth = false;
    return json(200, { '@odata.context': `${this.ctx.graphBase()}/$metadata#subscriptions/$entity`, ...this.json(s) });
  }

  /** Fans a mailbox change out to the subscriptions that cover it. */
  onChange(c: MailboxChange): void {
    const subs = this.byUser.get(c.user.id);
    if (!subs?.size) return;
    const now = this.ctx.dir.now();
    for (const s of [...subs]) {
      if (s.expiration <= now) {
        this.drop(s);
        continue;
      }
      if (s.calendarId !== c.calendarId || !s.changeType.split(',').includes(c.changeType) || s.needsReauth) continue;
      const resource = `Users/${c.user.id}/Events/${c.eventId}`;
      const item = {
        id: randomUUID().replace(/-/g, ''), subscriptionId: s.id, subscriptionExpirationDateTime: this.json(s).expirationDateTime,
        changeType: c.changeType, resource, tenantId: this.ctx.dir.tenantId, ...(s.clientState !== null ? { clientState: s.clientState } : {}),
        resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': resource, ...(c.changeKey ? { '@odata.etag': `W/"${notifiedVersion(c.changeKey, this.ctx.settings.notificationEtag)}"` } : {}), id: c.eventId },
      };
      this.notifier.send({ kind: 'change', subscriptionId: s.id, event: c.changeType, resource, url: s.notificationUrl, body: JSON.stringify({ value: [item] }) });
    }
  }

  /** Fires a lifecycle event as Graph would; false when the subscription has no lifecycle URL to tell. */
  fireLifecycle(id: string, event: LifecycleEvent): boolean {
    const s = this.get(id);
    if (!s) throw new Error(`No subscription ${id}`);
    if (event === 'reauthorizationRequired') s.needsReauth = true;
    if (event === 'subscriptionRemoved') this.drop(s);
    if (!s.lifecycleNotificationUrl) return false;
    const item = {
      subscriptionId: s.id, subscriptionExpirationDateTime: this.json(s).expirationDateTime, tenantId: this.ctx.dir.tenantId,
      clientState: s.clientState, lifecycleEvent: event,
    };
    this.notifier.send({ kind: 'lifecycle', subscriptionId: s.id, event, resource: null, url: s.lifecycleNotificationUrl, body: JSON.stringify({ value: [item] }) });
    return true;
  }

  /** Moves a subscription's expiry (the control API's "let it lapse"). */
  setExpiration(id: string, at: number): void {
    const s = this.subs.get(id);
    if (!s) throw new Error(`No subscription ${id}`);
    s.expiration = at;
  }

  routes(): Route[] {
    return [
      { method: 'POST', pattern: '/subscriptions', handler: (req) => this.create(req) },
      {
        method: 'GET', pattern: '/subscriptions', handler: (req) => json(200, {
          '@odata.context': `${this.ctx.graphBase()}/$metadata#subscriptions`,
          value: this.all().filter((s) => s.appId === req.principal.appId).map((s) => this.json(s)),
        }),
      },
      { method: 'GET', pattern: '/subscriptions/:id', handler: (req) => json(200, this.json(this.mine(req, req.params.id ?? ''))) },
      { method: 'PATCH', pattern: '/subscriptions/:id', handler: (req) => this.update(req) },
      {
        method: 'DELETE', pattern: '/subscriptions/:id', handler: (req) => {
          this.drop(this.mine(req, req.params.id ?? ''));
          return { status: 204 };
        },
      },
      {
        method: 'POST', pattern: '/subscriptions/:id/reauthorize', handler: (req) => {
          this.mine(req, req.params.id ?? '').needsReauth = false;
          return { status: 200 };
        },
      },
    ];
  }
}

/**
 * What a change notification says of the event's version. Graph's observed form (`DwAAABYAAAA…`):
 * the changeKey's 22 version bytes behind another 8-byte header (0x0F, then the length), so it is
 * never textually the changeKey.
 */
function notifiedVersion(changeKey: string, shape: 'observed' | 'changeKey'): string {
  if (shape === 'changeKey') return changeKey;
  const version = Buffer.from(changeKey, 'base64').subarray(8);
  const header = Buffer.alloc(8);
  header.writeUInt32LE(0x0f, 0);
  header.writeUInt32LE(version.length, 4);
  return Buffer.concat([header, version]).toString('base64');
}
