// One real sandbox process for a Microsoft 365 end-to-end test file, as a newcomer's `npm start`
// runs it: its own database and data folder, the demo tenant installed, the Microsoft 365 profile
// connected and Ada and Daniel linked. Tests act only as people do, through the simulators' control
// APIs (SuperOffice's sends the webhooks, Graph's the notifications), and read what the app keeps
// from its database. startSandboxWithoutMicrosoft() is the same sandbox started with
// SANDBOX_DEMO_MICROSOFT=skip: the administrator sets up Microsoft 365 in the panel.
import { mkdtempSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppointmentAgent } from '@superoffice/webapi';
import { Agent, fetch as undiciFetch } from 'undici';
import { createDb, type Db } from '../../server/db/knex.ts';
import { startAppProcess, type AppProcess } from '../helpers/app-process.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import type { RequestCounts, RequestRecord as SimRequestRecord } from '../../sandbox/microsoft/graph/request-log.ts';

export const CTX = 'Cust12345';

export interface DemoUser {
  associateId: number;
  mailbox: string;
}

export const ADA: DemoUser = { associateId: 5, mailbox: 'ada.lindqvist@demo-company.example' };
export const DANIEL: DemoUser = { associateId: 8, mailbox: 'daniel.okafor@demo-company.example' };
/** Not linked at start: his calendar is Google in the demo, and he has no Exchange Online mailbox. */
export const BJORN: DemoUser = { associateId: 6, mailbox: 'bjorn.haugen@demo-company.example' };

const READY = /sandbox is ready: open (http:\/\/\S+)\/sandbox/;

/** An event as the Graph simulator's control API lists it (UTC times). */
export interface GraphEvent {
  id: string;
  type?: 'singleInstance' | 'seriesMaster' | 'occurrence' | 'exception';
  seriesMasterId?: string | null;
  originalStart?: string | null;
  subject: string;
  isAllDay?: boolean;
  sensitivity?: string;
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  location?: { displayName?: string };
  recurrence?: {
    pattern: { type: string; interval: number; daysOfWeek?: string[] };
    range: { type: string; startDate: string; numberOfOccurrences?: number; endDate?: string };
  } | null;
}

/** An appointment as the SuperOffice simulator's control API lists it (PascalCase, UTC with Z). */
export interface Appointment {
  AppointmentId: number;
  Title?: string;
  Description?: string;
  Location?: string;
  StartDate: string;
  EndDate: string;
  IsAlldayEvent?: boolean;
  Private?: string;
  Associate?: { AssociateId: number } | null;
  Recurrence?: { RecurrenceId: number; IsRecurrence: boolean; Pattern: string; RecurrenceCounter: number; WeekPattern?: { Cycle: number; Weekdays: string } };
}

export interface LinkRow {
  id: string;
  state: string;
  last_error: string | null;
  profile_id: string;
}

/** The simulator's own shape of its request counts, as its control API answers them. */
export type { RequestCounts };

/** One Graph request as the simulator's control API answers it (JSON: the time as ISO text). */
export type RequestRecord = Omit<SimRequestRecord, 'at'> & { at: string };

export interface Sandbox extends SandboxBase {
  /** The demo tenant's Microsoft 365 profile. */
  profileId: string;
}

/** A sandbox process whether or not Microsoft 365 was set up at start. */
export interface SandboxBase {
  app: AppProcess;
  /** The app's own URL (the shell is at `${url}/sandbox`). */
  url: string;
  /** knex on the app's own database. */
  db: Db;
  /** `.../control/tenants/Cust12345` of the SuperOffice simulator. */
  soControl: string;
  /** `.../control` of the Microsoft simulator. */
  msControl: string;
  tenantId: string;
  call<T>(method: string, url: string, body?: unknown): Promise<T>;
  /** The user's Outlook calendar: masters and singles, or with a window every instance in it. */
  outlook(user: DemoUser, window?: { start: string; end: string }): Promise<GraphEvent[]>;
  /** The user's SuperOffice diary. */
  diary(user: DemoUser): Promise<Appointment[]>;
  /**
   * An appointment's times as SuperOffice itself shows them: read through the SuperOffice SDK
   * without SO-TimeZone, so they come as wall-clock times of the tenant's own zone, as its users see them.
   */
  tenantClock(id: number): Promise<{ StartDate: string; EndDate: string; IsAlldayEvent: boolean }>;
  /** Edits in SuperOffice as the user would make them (webhooks follow). */
  so: {
    create(user: DemoUser, appointment: Record<string, unknown>): Promise<Appointment>;
    update(user: DemoUser, id: number, changes: Record<string, unknown>, updateMode?: 'OnlyThis' | 'ThisAndForward' | 'StopRecurrence'): Promise<Appointment>;
    remove(user: DemoUser, id: number, updateMode?: 'OnlyThis' | 'ThisAndForward' | 'StopRecurrence'): Promise<void>;
  };
  /** Edits in Outlook as the user would make them (notifications follow). */
  outlookEdit: {
    create(user: DemoUser, event: Record<string, unknown>): Promise<GraphEvent>;
    update(user: DemoUser, id: string, changes: Record<string, unknown>): Promise<GraphEvent>;
    remove(user: DemoUser, id: string): Promise<void>;
  };
  link(user: DemoUser): Promise<LinkRow | undefined>;
  requestCounts(): Promise<RequestCounts>;
  /** The Graph requests made since `since` (an ISO instant taken before). */
  requestsSince(since: string): Promise<RequestRecord[]>;
  /** Polls until `check` gives a value; the guard only stops a hung test and says what was missing. */
  eventually<T>(what: string, check: () => Promise<T | undefined>, guardMs?: number): Promise<T>;
  /**
   * Waits until the app has nothing left to do for the linked mailboxes: no sync or subscription job
   * queued or running, no notification in flight, and no Graph request for a while.
   */
  quiet(): Promise<void>;
  /** The sandbox's data folder (its JSON log is `sandbox.log` there). */
  dataDir: string;
  /**
   * Stops the process and starts it again on the same database and data folder, as a second
   * `npm start` would; the simulators start afresh, keeping what they persist.
   */
  restart(): Promise<SandboxBase>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Jobs that mean the app is still working on (or waiting to retry) a link. */
const LINK_TASKS = ['sync-link', 'graph-subscribe'];

/** The demo sandbox as `npm start` gives it: Microsoft 365 connected, Ada and Daniel linked and subscribed. */
export async function startSandbox(): Promise<Sandbox> {
  return connected(await launch('connect'));
}

/** The demo sandbox started again on its own database and data folder: Microsoft 365 connected again. */
export async function restartSandbox(sb: Sandbox): Promise<Sandbox> {
  return connected(await sb.restart());
}

async function connected(base: SandboxBase): Promise<Sandbox> {
  try {
    // The start-up connects Microsoft 365 and links Ada and Daniel; each link gets a subscription.
    await base.eventually('both demo mailboxes subscribed', async () => ((await base.call<unknown[]>('GET', `${base.msControl}/subscriptions`)).length >= 2 ? true : undefined));
    const profile = await base.eventually<{ id: string }>('the demo tenant\'s Microsoft 365 profile', async () =>
      base.db('profiles').where({ tenant_id: base.tenantId, calendar_system: 'graph' }).first('id'),
    );
    return { ...base, profileId: profile.id };
  } catch (err) {
    await base.stop();
    throw err;
  }
}

/**
 * The demo sandbox with SuperOffice installed and provisioned (its webhook registered) but no
 * calendar profile: what an administrator meets before setting up Microsoft 365 in the panel.
 */
export async function startSandboxWithoutMicrosoft(): Promise<SandboxBase> {
  const base = await launch('skip');
  try {
    await base.eventually('the demo tenant\'s webhook registered', async () => ((await base.call<unknown[]>('GET', `${base.soControl}/webhooks`)).length >= 1 ? true : undefined));
    return base;
  } catch (err) {
    await base.stop();
    throw err;
  }
}

async function launch(demoMicrosoft: 'connect' | 'skip', again?: { tdb: TestDatabase; dataDir: string }): Promise<SandboxBase> {
  const tdb: TestDatabase = again?.tdb ?? (await createTestDatabase());
  const dataDir = again?.dataDir ?? mkdtempSync(join(tmpdir(), 'calsync-ms-'));
  const app = startAppProcess({
    PORT: '0',
    DATABASE_URL: tdb.url,
    DATA_DIR: dataDir,
    SANDBOX_DEMO_MICROSOFT: demoMicrosoft,
  });
  let trusting: Agent | undefined;
  let db: Db | undefined;
  try {
    const url = (await app.waitFor(READY))[1]!;
    const sandboxInfo = async () =>
      (await (await fetch(`${url}/sandbox/info`)).json()) as { caCert: string; graph: { baseUrl: string }; superoffice: { tenants: Array<{ webApiUrl: string; ticket: string; appToken: string }> } };
    const info = await sandboxInfo();
    const httpsAgent = new HttpsAgent({ ca: info.caCert });
    trusting = new Agent({ connect: { ca: info.caCert } });
    db = createDb(tdb.url, 2);
    const agent = trusting;
    const knex = db;
    const soControl = `${new URL(info.superoffice.tenants[0]!.webApiUrl).origin}/control/tenants/${CTX}`;
    const msControl = `${new URL(info.graph.baseUrl).origin}/control`;

    async function call<T>(method: string, target: string, body?: unknown): Promise<T> {
      const res = await undiciFetch(target, {
        method,
        dispatcher: agent,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${target} -> ${res.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    }

    async function eventually<T>(what: string, check: () => Promise<T | undefined>, guardMs = 90_000): Promise<T> {
      const guard = Date.now() + guardMs;
      for (;;) {
        const v = await check();
        if (v !== undefined) return v;
        if (Date.now() > guard) throw new Error(`never happened: ${what}\n${app.output().slice(-4000)}`);
        await sleep(200);
      }
    }

    const box = (user: DemoUser) => `${msControl}/mailboxes/${encodeURIComponent(user.mailbox)}/events`;
    const requestCounts = () => call<RequestCounts>('GET', `${msControl}/requests`);
    const busy = async () => {
      await call('POST', `${msControl}/idle`);
      const row = await knex('graphile_worker.jobs').whereIn('task_identifier', LINK_TASKS).count<{ n: number }[]>({ n: '*' }).first();
      return Number(row?.n ?? 0) > 0;
    };

    // The app prints "ready" once the demo tenant is installed.
    const tenant = await eventually<{ id: string }>('the demo tenant installed', async () => knex('tenants').where({ context_identifier: CTX }).first('id'));

    const sandbox: SandboxBase = {
      app,
      url,
      db: knex,
      soControl,
      msControl,
      tenantId: tenant.id,
      call,
      outlook: (user, window) => call<GraphEvent[]>('GET', window ? `${box(user)}?start=${encodeURIComponent(window.start)}&end=${encodeURIComponent(window.end)}` : box(user)),
      diary: async (user) => (await call<Appointment[]>('GET', `${soControl}/appointments`)).filter((a) => a.Associate?.AssociateId === user.associateId),
      async tenantClock(id) {
        // A fresh ticket each time: the one in /sandbox/info is minted when asked for.
        const tenant = (await sandboxInfo()).superoffice.tenants[0]!;
        const agent = new AppointmentAgent(tenant.webApiUrl, { headers: { Authorization: `SOTicket ${tenant.ticket}`, 'SO-AppToken': tenant.appToken }, httpsAgent });
        const raw: { data?: unknown } = {};
        await agent.getAppointmentEntityAsync(id, { responseCallback: (r) => void (raw.data = r.data) });
        const d = raw.data as { StartDate: string; EndDate: string; IsAlldayEvent: boolean };
        return { StartDate: d.StartDate, EndDate: d.EndDate, IsAlldayEvent: d.IsAlldayEvent };
      },
      so: {
        create: (user, appointment) => call<Appointment>('POST', `${soControl}/appointments`, { associateId: user.associateId, appointment }),
        update: (user, id, changes, updateMode) => call<Appointment>('PATCH', `${soControl}/appointments/${id}`, { associateId: user.associateId, changes, ...(updateMode ? { updateMode } : {}) }),
        remove: (user, id, updateMode) => call<void>('DELETE', `${soControl}/appointments/${id}?associateId=${user.associateId}${updateMode ? `&updateMode=${updateMode}` : ''}`),
      },
      outlookEdit: {
        create: (user, event) => call<GraphEvent>('POST', box(user), { event }),
        update: (user, id, changes) => call<GraphEvent>('PATCH', `${box(user)}/${encodeURIComponent(id)}`, { changes }),
        remove: (user, id) => call<void>('DELETE', `${box(user)}/${encodeURIComponent(id)}`),
      },
      link: (user) => knex('links').where({ tenant_id: tenant.id, associate_id: user.associateId }).first('id', 'state', 'last_error', 'profile_id'),
      requestCounts,
      requestsSince: async (since) => (await call<RequestRecord[]>('GET', `${msControl}/requests/recent`)).filter((r) => r.at >= since),
      eventually,
      async quiet() {
        // The debounce puts a triggered sync a moment out, so a quiet stretch of 1.5 s with nothing
        // queued at either end and no Graph request in it means the work is done.
        await eventually('the app done with the linked mailboxes', async () => {
          if (await busy()) return undefined;
          const before = (await requestCounts()).total;
          await sleep(1500);
          if (await busy()) return undefined;
          return (await requestCounts()).total === before ? true : undefined;
        }, 180_000);
      },
      dataDir,
      async restart() {
        await app.stop();
        await knex.destroy();
        await agent.close();
        httpsAgent.destroy();
        return launch(demoMicrosoft, { tdb, dataDir });
      },
      async stop() {
        await app.stop();
        await knex.destroy();
        await agent.close();
        httpsAgent.destroy();
        await tdb.drop();
      },
    };
    return sandbox;
  } catch (err) {
    await app.stop();
    await db?.destroy();
    await trusting?.close();
    await tdb.drop();
    throw err;
  }
}

/** `days` from today (UTC) as YYYY-MM-DD. */
export function dateAhead(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The first date on or after `days` from today that falls on `weekday` (0 = Sunday ... 6 = Saturday). */
export function weekdayAhead(days: number, weekday: number): string {
  const d = new Date(`${dateAhead(days)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + ((weekday - d.getUTCDay() + 7) % 7));
  return d.toISOString().slice(0, 10);
}

/** `date` plus `days`, as YYYY-MM-DD. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The same instant, whatever way each side writes it (`...Z`, `.0000000` without a zone = UTC here). */
export function sameInstant(a: string, b: string): boolean {
  const utc = (s: string) => Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(s) ? s : `${s}Z`);
  return utc(a) === utc(b);
}

/** Audit entries of the app's writes whose "after" (or "before", for deletes) has this title. */
export async function auditFor(db: Db, tenantId: string, title: string): Promise<Array<{ action: string; side: string; actor: string; item_id: string }>> {
  return db('audit_log')
    .where({ tenant_id: tenantId })
    .where((q) => q.whereRaw("after->>'title' = ?", [title]).orWhereRaw("(after is null and before->>'title' = ?)", [title]))
    .orderBy('id')
    .select('action', 'side', 'actor', 'item_id');
}
