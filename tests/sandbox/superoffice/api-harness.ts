// Starts the simulated tenant API over HTTPS (sandbox CA) with a stub authenticate middleware, and
// hands out SDK configs the way the app must: a fresh config object per agent, since the SDK writes
// per-call headers into the config it was given.
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent as HttpsAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type RequestHandler } from 'express';
import { loadOrCreateCa } from '../../../sandbox/ca.ts';
import { startSimulator } from '../../../sandbox/listen.ts';
import { createTenantApi, TENANT_API_MOUNT, type TenantApiControl } from '../../../sandbox/superoffice/api/tenant-api.ts';
import type { ArchiveDateMode } from '../../../sandbox/superoffice/api/archive-restrictions.ts';

export const CTX = 'Cust12345';
export const ADMIN = 5;
export const USER = 6;

export const associates = [
  { associateId: ADMIN, personId: 50, name: 'Ada Admin', email: 'ada@cust12345.example', isAdministrator: true },
  { associateId: USER, personId: 60, name: 'Ulf User', email: 'ulf@cust12345.example', isAdministrator: false },
  { associateId: 7, personId: 70, name: 'Vera Viewer', email: 'vera@cust12345.example', isAdministrator: false },
];
export const persons = [{ personId: 100, contactId: 10, name: 'Paula Customer', email: 'paula@customer.example' }];

/** Tickets name the associate; app tokens name the app. */
const TICKETS: Record<string, number> = { 'test-ticket': ADMIN, 'user-ticket': USER };
const APPS: Record<string, string> = { 'app-token': 'calsync-app', 'other-token': 'other-app' };

const authenticate: RequestHandler = (req, res, next) => {
  const ticket = /^SOTicket (.+)$/.exec(req.get('authorization') ?? '')?.[1];
  const app = APPS[req.get('so-apptoken') ?? ''];
  const associateId = ticket ? TICKETS[ticket] : undefined;
  if (!associateId || !app) {
    res.status(401).json({ Error: true, ErrorType: 'UnauthorizedAccessException', Message: 'bad ticket', ErrorSource: 'test' });
    return;
  }
  res.locals.principal = { ctx: (req.params as { ctx: string }).ctx, associateId, appClientId: app };
  next();
};

export interface Harness {
  baseUrl: string;
  control: TenantApiControl;
  cfg(ticket?: string, appToken?: string): { headers: Record<string, string>; httpsAgent: HttpsAgent };
  /** fetch-like raw call for what the SDK cannot express. */
  raw(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: unknown; headers: Record<string, string> }>;
  close(): Promise<void>;
}

export async function startHarness(opts: { retryDelaysMs?: number[]; now?: () => Date; archiveDates?: () => ArchiveDateMode } = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'calsync-so-api-'));
  const ca = await loadOrCreateCa(dataDir);
  const { router, control } = createTenantApi({
    authenticate,
    associates: () => associates,
    persons: () => persons,
    now: opts.now,
    archiveDates: opts.archiveDates,
    webhookDelivery: { retryDelaysMs: opts.retryDelaysMs ?? [5, 5], allowHttp: true },
  });
  const app = express();
  app.use(TENANT_API_MOUNT, router);
  const sim = await startSimulator(app, { https: true, ca });
  const httpsAgent = new HttpsAgent({ ca: ca.certPem });
  const baseUrl = `${sim.url}/${CTX}/api/`;
  const { Agent, fetch } = await import('undici');
  const dispatcher = new Agent({ connect: { ca: ca.certPem } });
  return {
    baseUrl,
    control,
    cfg: (ticket = 'test-ticket', appToken = 'app-token') => ({
      headers: { Authorization: `SOTicket ${ticket}`, 'SO-AppToken': appToken },
      httpsAgent,
    }),
    async raw(method, path, body, headers = {}) {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        dispatcher,
        headers: { Authorization: 'SOTicket test-ticket', 'SO-AppToken': 'app-token', 'Content-Type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, headers: Object.fromEntries(res.headers.entries()) };
    },
    async close() {
      await control.close();
      await sim.close();
      httpsAgent.destroy();
      await dispatcher.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The SDK rejects with an axios error; this gives its status and SuperOffice error body. */
export async function failure(p: Promise<unknown>): Promise<{ status: number; data: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    const r = (err as { response?: { status: number; data: Record<string, unknown> } }).response;
    if (r) return { status: r.status, data: r.data };
    throw err;
  }
  throw new Error('expected the call to fail');
}
