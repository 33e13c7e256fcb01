// The Microsoft simulator's in-process control API: what happens in a tenant without our app asking
// (a person editing their Outlook calendar, an administrator granting or revoking consent, revoked
// sessions, lifecycle events) and the knobs of the test bed (faults, latency, a pause gate, request
// counts, idle()). control-routes.ts exposes the same over HTTP.
import type { Directory } from './directory.ts';
import type { LoginFault } from './identity/context.ts';
import { simulatorOrigin } from './graph/context.ts';
import { GraphError } from './graph/errors.ts';
import { eventJson } from './graph/event-json.ts';
import { readEventInput } from './graph/event-model.ts';
import type { Instance, Mailbox } from './graph/mailbox.ts';
import type { DeliveryRecord, NotificationFaults } from './graph/notifier.ts';
import { parsePrefer } from './graph/odata.ts';
import type { RequestCounts, RequestRecord } from './graph/request-log.ts';
import type { GraphService } from './graph/router.ts';
import type { LifecycleEvent } from './graph/subscriptions.ts';
import { resolveZone } from './graph/time-zone.ts';
import type { MsSettings } from './settings.ts';

export type MailboxEdit =
  | { op: 'create'; event: Record<string, unknown>; calendarId?: string }
  | { op: 'update'; eventId: string; changes: Record<string, unknown> }
  | { op: 'delete'; eventId: string };

export interface GraphFaultInput {
  status: 429 | 503 | 504;
  count?: number;
  retryAfterS?: number;
  /** Only requests against this mailbox (id, UPN or mail). */
  user?: string;
  /** Only this endpoint, e.g. `GET /users/:user/calendarView/delta`. */
  endpoint?: string;
}

export interface MicrosoftControl {
  /** The live settings; changes apply to the next request. */
  settings: MsSettings;
  /** A mailbox's events as Graph returns them (UTC, extended properties included): masters and singles, or with a window the calendarView. */
  events(user: string, opts?: { calendarId?: string; start?: Date; end?: Date }): Record<string, unknown>[];
  /** Changes a calendar "as the user in Outlook": subscriptions are notified as for any change. Returns the event (null for delete). */
  editAsUser(user: string, edit: MailboxEdit): Record<string, unknown> | null;
  /** One event or occurrence as Graph returns it (UTC); Graph's 404 for an unknown id. */
  event(user: string, eventId: string): Record<string, unknown>;
  calendars(user: string): Array<{ id: string; name: string; isDefault: boolean }>;
  createCalendar(user: string, name: string): { id: string; name: string; isDefault: boolean };
  /** The mailbox's own zone (IANA or Windows name): all-day events and the control page use it. */
  setMailboxTimeZone(user: string, zone: string): void;
  mailboxTimeZone(user: string): string;
  grantAdminConsent(byUser?: string): void;
  /** Removes the grant; tokens already issued keep working until they expire, unless `expireTokens`. */
  revokeAdminConsent(opts?: { expireTokens?: boolean }): void;
  hasAdminConsent(): boolean;
  revokeRefreshTokens(user: string): void;
  /** Every access token issued so far is refused by Graph from now on (401 InvalidAuthenticationToken). */
  expireAccessTokens(): void;
  injectLoginFault(f: LoginFault): void;
  subscriptions(): Record<string, unknown>[];
  fireLifecycle(subscriptionId: string, event: LifecycleEvent): boolean;
  expireSubscription(subscriptionId: string): void;
  injectNotificationFaults(f: Partial<NotificationFaults>): void;
  deliveries(): DeliveryRecord[];
  /** Resolves when no notification is in flight or waiting for a retry. */
  idle(): Promise<void>;
  /** Forgets delta sync states (of one mailbox, or all): their tokens then answer 410 / syncStateNotFound. */
  expireDeltaTokens(user?: string): number;
  injectFaults(f: GraphFaultInput): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  /** Holds Graph requests (after admission, so they occupy their concurrency slot) until the returned function runs. */
  pause(): () => void;
  /** Graph requests in flight (against one mailbox, or all). */
  inFlight(user?: string): number;
  requestCounts(): RequestCounts;
  recentRequests(): RequestRecord[];
  resetRequestCounts(): void;
  /** Called after every change to any mailbox, whoever made it (the app through Graph, or editAsUser); the benchmark times propagation by it. */
  onMailboxChange(fn: (c: { user: string; eventId: string; changeType: 'created' | 'updated' | 'deleted' }) => void): void;
}

function userId(dir: Directory, ref: string): string {
  const u = dir.user(ref);
  if (!u) throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${ref}' is invalid.`);
  return u.id;
}

const UTC_PREFER = parsePrefer(undefined);

export function microsoftControl(dir: Directory, graph: GraphService, loginFaults: LoginFault[]): MicrosoftControl {
  const { mailboxes, pipeline, subscriptions, notifier, delta, ctx } = graph;
  const eventOut = (box: Mailbox, inst: Instance) => eventJson(inst, box, { prefer: UTC_PREFER, select: null, expand: 'all', webOrigin: simulatorOrigin(ctx) });
  return {
    settings: ctx.settings,
    events(user, opts = {}) {
      const box = mailboxes.of(user);
      const cal = opts.calendarId ?? 'default';
      const list = opts.start && opts.end
        ? box.instancesIn(cal, opts.start.getTime(), opts.end.getTime())
        : box.masters(cal).map((e) => box.get(e.id)).sort((a, b) => a.content.start - b.content.start);
      return list.map((i) => eventOut(box, i));
    },
    event(user, eventId) {
      const box = mailboxes.of(user);
      return eventOut(box, box.get(eventId));
    },
    editAsUser(user, edit) {
      const box = mailboxes.of(user);
      if (edit.op === 'create') {
        const { event } = box.create(edit.calendarId ?? 'default', readEventInput(edit.event, null));
        return eventOut(box, box.get(event.id));
      }
      if (edit.op === 'update') {
        const current = box.get(edit.eventId);
        return eventOut(box, box.update(current.id, readEventInput(edit.changes, current.content)));
      }
      box.remove(edit.eventId);
      return null;
    },
    calendars: (user) => [...mailboxes.of(user).calendars.values()].map((c) => ({ id: c.id, name: c.name, isDefault: c.isDefault })),
    createCalendar(user, name) {
      const c = mailboxes.of(user).addCalendar(name);
      return { id: c.id, name: c.name, isDefault: c.isDefault };
    },
    setMailboxTimeZone(user, zone) {
      const iana = resolveZone(zone);
      if (!iana) throw new Error(`Unknown time zone '${zone}'`);
      mailboxes.of(user).timeZone = iana;
    },
    mailboxTimeZone: (user) => mailboxes.of(user).timeZone,
    grantAdminConsent(byUser) {
      const admin = byUser ? dir.user(byUser) : dir.users.find((u) => u.isAdmin);
      if (!admin) throw new Error('No administrator to grant admin consent');
      dir.grantAdminConsent(admin.id);
    },
    revokeAdminConsent(opts = {}) {
      dir.revokeAdminConsent();
      if (opts.expireTokens) dir.accessTokensValidAfter = dir.now() + 1;
    },
    hasAdminConsent: () => dir.adminConsent !== null,
    revokeRefreshTokens: (user) => dir.revokeRefreshTokens(userId(dir, user)),
    expireAccessTokens() {
      // +1: a token issued in this very millisecond is before the cut too.
      dir.accessTokensValidAfter = dir.now() + 1;
    },
    injectLoginFault: (f) => void loginFaults.push({ ...f }),
    subscriptions: () => subscriptions.all().map((s) => subscriptions.json(s)),
    fireLifecycle: (id, event) => subscriptions.fireLifecycle(id, event),
    expireSubscription: (id) => subscriptions.setExpiration(id, dir.now()),
    injectNotificationFaults(f) {
      notifier.faults = { ...notifier.faults, ...f };
    },
    deliveries: () => notifier.deliveries(),
    idle: () => notifier.idle(),
    expireDeltaTokens: (user) => delta.expire(user === undefined ? undefined : userId(dir, user)),
    injectFaults(f) {
      pipeline.faults.push({
        status: f.status, count: f.count ?? 1, retryAfterS: f.retryAfterS ?? 1,
        ...(f.user ? { mailboxId: userId(dir, f.user) } : {}), ...(f.endpoint ? { endpoint: f.endpoint } : {}),
      });
    },
    clearFaults() {
      pipeline.faults.length = 0;
    },
    setLatency(ms) {
      ctx.settings.latencyMs = Math.max(0, ms);
    },
    pause: () => pipeline.pause(),
    inFlight: (user) => pipeline.throttle.inFlight(user === undefined ? undefined : userId(dir, user)),
    requestCounts: () => pipeline.log.counts(),
    recentRequests: () => pipeline.log.recent(),
    resetRequestCounts() {
      pipeline.log.reset();
      pipeline.throttle.reset();
    },
    onMailboxChange(fn) {
      mailboxes.onChange((c) => fn({ user: c.user.userPrincipalName, eventId: c.eventId, changeType: c.changeType }));
    },
  };
}
