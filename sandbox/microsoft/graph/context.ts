// The shape every Graph handler sees: a request already authenticated and parsed (whether it came
// over HTTP or as a $batch member), and the shared simulator state. Also the permission checks a
// real tenant applies: app tokens need the application role, delegated tokens the scope and may only
// reach the signed-in user's own mailbox.
import type { Directory, DirUser } from '../directory.ts';
import type { Principal } from '../identity/tokens.ts';
import type { MsSettings } from '../settings.ts';
import { accessDenied, GraphError, invalidUser } from './errors.ts';
import type { Mailbox } from './mailbox.ts';
import type { Mailboxes } from './mailboxes.ts';
import type { Prefer } from './odata.ts';

export interface GraphRequest {
  method: string;
  /** Path below /v1.0, with `/me` already turned into `/users/{id}`. */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: unknown;
  principal: Principal;
  prefer: Prefer;
  params: Record<string, string>;
}

export interface GraphResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type Handler = (req: GraphRequest) => GraphResponse | Promise<GraphResponse>;

export interface Route {
  method: string;
  /** e.g. `/users/:user/calendars/:cal/events`; literal segments match case-insensitively. */
  pattern: string;
  handler: Handler;
}

export interface GraphContext {
  dir: Directory;
  settings: MsSettings;
  mailboxes: Mailboxes;
  /** `https://localhost:PORT/v1.0`. */
  graphBase(): string;
}

export function userOrThrow(ctx: GraphContext, ref: string): DirUser {
  const user = ctx.dir.user(ref);
  if (!user) throw invalidUser(ref);
  return user;
}

/** The mailbox a calendar request addresses, after the caller's permissions are checked. */
export function mailboxFor(ctx: GraphContext, req: GraphRequest, write: boolean): Mailbox {
  const user = userOrThrow(ctx, req.params.user ?? '');
  const p = req.principal;
  if (p.kind === 'app') {
    if (!p.roles.has('Calendars.ReadWrite') && !(!write && p.roles.has('Calendars.Read'))) throw accessDenied();
  } else {
    if (!p.scopes.has('Calendars.ReadWrite') && !(!write && p.scopes.has('Calendars.Read'))) throw accessDenied();
    // Delegated access to someone else's calendar needs sharing or delegation, which is not modelled.
    if (user.id !== p.userId) throw accessDenied();
  }
  return ctx.mailboxes.ofUser(user);
}

/** Directory reads: User.Read.All for apps; a delegated caller may read itself, others with User.ReadBasic.All. */
export function checkUserRead(req: GraphRequest, target: DirUser | null): void {
  const p = req.principal;
  const ok = p.kind === 'app'
    ? p.roles.has('User.Read.All')
    : (target !== null && target.id === p.userId && p.scopes.has('User.Read')) || p.scopes.has('User.ReadBasic.All') || p.scopes.has('User.Read.All');
  if (!ok) throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

/** `https://localhost:PORT`: the simulator's pages (login, control, mailbox) hang off it. */
export const simulatorOrigin = (ctx: GraphContext) => ctx.graphBase().replace(/\/v1\.0$/, '');

/** An absolute link to `path` below /v1.0 with these query options (the Graph client needs https links). */
export function link(ctx: GraphContext, path: string, query: Record<string, string>): string {
  // `$skiptoken`, not `%24skiptoken`: the Graph client sorts OData options by their literal names.
  const q = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k).replace(/%24/g, '$')}=${encodeURIComponent(v)}`).join('&');
  return `${ctx.graphBase()}${path}${q ? `?${q}` : ''}`;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): GraphResponse {
  return { status, body, headers };
}

/** A malformed escape stays as sent: it then matches no user or item, which answers as Graph would. */
export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
