// The panels' error answers, as docs/panel-api.md lists them: `{ error, message, issues? }` with the
// contract's codes. Domain errors of the engine and the providers become `502 provider` with their
// words; anything unexpected is logged once here and answered `500 internal` without details.
import type { ErrorRequestHandler } from 'express';
import type { z } from 'zod';
import { SyncError } from '../sync/errors.ts';
import { InstallationRevoked, TenantMoved, TenantUnavailable, TicketExchangeFailed } from '../superoffice/errors.ts';
import { SuperOfficeRequestFailed } from '../superoffice/api-client.ts';
import { SuperOfficeRejected } from '../providers/superoffice/client.ts';
import { RetryLaterError } from '../jobs/errors.ts';

export interface Issue {
  path: string;
  message: string;
}

export class PanelError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: Issue[],
  ) {
    super(message);
    this.name = 'PanelError';
  }
}

export const NOT_ADMINISTRATOR = 'Only a SuperOffice administrator can change Calendar Sync. Ask your administrator.';

export const notFound = (what: string) => new PanelError(404, 'not_found', `${what} was not found for this installation.`);
export const conflict = (message: string) => new PanelError(409, 'conflict', message);
export const provider = (message: string) => new PanelError(502, 'provider', message);

/** Dotted path of a zod issue (`window.daysAhead`, `links[2].mailbox`). */
export function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/** zod issues as the contract's `issues`, with an unknown key named by its own path. */
export function issuesOf(error: z.ZodError, prefix = ''): Issue[] {
  const join = (p: string) => (prefix && p ? `${prefix}.${p}` : prefix || p);
  return error.issues.flatMap((i) => {
    const path = pathText(i.path);
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ path: join(path ? `${path}.${k}` : k), message: 'unknown setting' }));
    return [{ path: join(path), message: i.message }];
  });
}

/** The parsed value, or `422 invalid` naming each field that is wrong. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what = 'The request', prefix = ''): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issues = issuesOf(r.error, prefix);
  throw new PanelError(422, 'invalid', `${what} is not valid: ${issues.map((i) => `${i.path || '(whole value)'}: ${i.message}`).join('; ')}`, issues);
}

/** A provider's or SuperOffice's failure in words for a person, or undefined when it is none of those. */
function providerMessage(err: unknown): string | undefined {
  if (err instanceof RetryLaterError) return `SuperOffice is not available right now (${err.message}); try again in a few minutes.`;
  if (err instanceof TenantUnavailable) return `SuperOffice is not available right now (${err.state}); try again in a few minutes.`;
  if (err instanceof InstallationRevoked) return `SuperOffice no longer accepts this installation: ${err.reason}. An administrator must install Calendar Sync again.`;
  if (err instanceof TicketExchangeFailed) {
    return `SuperOffice refused Calendar Sync's system user, saying: "${err.superOfficeMessage}". Calendar Sync keeps trying; if this lasts, check in SuperOffice that Calendar Sync is still installed for this customer and that its consent has not been withdrawn, and if it was, install it again.`;
  }
  if (err instanceof TenantMoved) return 'SuperOffice moved this customer to another server; try again in a minute.';
  if (err instanceof SuperOfficeRequestFailed) return `SuperOffice answered with an error: ${err.superOfficeMessage}`;
  if (err instanceof SuperOfficeRejected) return err.message;
  if (err instanceof SyncError) return err.message;
  return undefined;
}

export function panelErrorHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    // Body-parser rejections (malformed JSON, too large) keep the app's own answer.
    const bodyError = err as { type?: string; status?: number };
    if (typeof bodyError?.type === 'string' && typeof bodyError.status === 'number' && bodyError.status < 500) return next(err);
    let e: PanelError;
    if (err instanceof PanelError) e = err;
    else {
      const words = providerMessage(err);
      e = words ? provider(words) : new PanelError(500, 'internal', 'Something went wrong on our side. The error was logged; quote the request id to support.');
    }
    if (e.status >= 500) req.log?.error({ err }, 'panel request failed');
    else req.log?.warn({ status: e.status, code: e.code, reason: e.message }, 'panel request refused');
    res.status(e.status).json({ error: e.code, message: e.message, ...(e.issues ? { issues: e.issues } : {}), requestId: req.id });
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id from the path: one that cannot be an id of ours is as unknown as another tenant's. */
export function idParam(value: unknown, what: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw notFound(what);
  return value;
}

/** PostgreSQL's unique violation (a second profile of the same name, say). */
export const isUniqueViolation = (err: unknown) => (err as { code?: unknown })?.code === '23505';
