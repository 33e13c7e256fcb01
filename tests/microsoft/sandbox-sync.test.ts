// Microsoft 365 end to end, as a newcomer's `npm start` runs it: a real sandbox process on a real
// database. At start it installs the demo tenant, connects the Microsoft 365 profile through the
// admin-consent flow and links the demo users; from then on the sync runs by itself. The test acts
// only as people do: edits in SuperOffice (the simulator's control API, which sends the webhooks)
// and in Outlook (the Graph simulator's control API, which sends the notifications).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { startAppProcess, type AppProcess } from '../helpers/app-process.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const CTX = 'Cust12345';
const ADA = { associateId: 5, mailbox: 'ada.lindqvist@demo-company.example' };
const READY = /sandbox is ready: open (http:\/\/\S+)\/sandbox/;

let app: AppProcess;
let tdb: TestDatabase;
let trusting: Agent;
let soControl: string;
let msControl: string;

before(async () => {
  tdb = await createTestDatabase();
  app = startAppProcess({ PORT: '0', DATABASE_URL: tdb.url, DATA_DIR: mkdtempSync(join(tmpdir(), 'calsync-ms-')) });
  const [, url] = await app.waitFor(READY);
  const info = (await (await fetch(`${url}/sandbox/info`)).json()) as { caCert: string; graph: { baseUrl: string }; superoffice: { tenants: Array<{ webApiUrl: string }> } };
  trusting = new Agent({ connect: { ca: info.caCert } });
  soControl = `${new URL(info.superoffice.tenants[0]!.webApiUrl).origin}/control/tenants/${CTX}`;
  msControl = `${new URL(info.graph.baseUrl).origin}/control`;
  // The start-up connects Microsoft 365 and links Ada and Daniel; each link gets a subscription.
  await eventually('both demo mailboxes subscribed', async () => ((await call<unknown[]>('GET', `${msControl}/subscriptions`)).length >= 2 ? true : undefined));
});

after(async () => {
  await app?.stop();
  await trusting?.close();
  await tdb?.drop();
});

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await undiciFetch(url, {
    method,
    dispatcher: trusting,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} -> ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

type GraphEvent = { id: string; subject: string; isAllDay?: boolean; sensitivity?: string; start: { dateTime: string; timeZone: string }; location?: { displayName?: string } };
type Appointment = { AppointmentId: number; Title?: string; Description?: string; Location?: string; StartDate: string; EndDate: string; Associate?: { AssociateId: number } };

const outlook = (user: string) => call<GraphEvent[]>('GET', `${msControl}/mailboxes/${encodeURIComponent(user)}/events`);
const diary = async () => (await call<Appointment[]>('GET', `${soControl}/appointments`)).filter((a) => a.Associate?.AssociateId === ADA.associateId);

/** Polls until `check` gives a value; the guard only stops a hung test and says what was missing. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const guard = Date.now() + 60_000;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > guard) throw new Error(`never happened: ${what}\n${app.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('at start the demo diaries are in the linked users\' Outlook calendars, by themselves', async () => {
  const appointments = await diary();
  assert.ok(appointments.length > 0, 'the demo tenant has appointments for Ada');
  const events = await eventually('Ada\'s demo appointments in Outlook', async () => {
    const e = await outlook(ADA.mailbox);
    return e.length >= appointments.length ? e : undefined;
  });
  for (const a of appointments) assert.ok(events.some((e) => e.subject === a.Title), `"${a.Title}" is in Outlook`);
});

test('an appointment created in SuperOffice appears in Outlook; moved there, it moves back in SuperOffice', async () => {
  const created = await call<Appointment>('POST', `${soControl}/appointments`, {
    associateId: ADA.associateId,
    appointment: { Title: 'Supplier visit', StartDate: '2026-12-08T09:00:00Z', EndDate: '2026-12-08T10:00:00Z', Location: 'Lobby' },
  });
  const ev = await eventually('the event in Outlook', async () => (await outlook(ADA.mailbox)).find((e) => e.subject === 'Supplier visit'));
  assert.equal(ev.location?.displayName, 'Lobby');
  await call('PATCH', `${msControl}/mailboxes/${encodeURIComponent(ADA.mailbox)}/events/${encodeURIComponent(ev.id)}`, {
    changes: { start: { dateTime: '2026-12-08T13:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-12-08T14:00:00', timeZone: 'UTC' }, location: { displayName: 'Meeting room 2' } },
  });
  const moved = await eventually('the move in SuperOffice', async () => {
    const a = (await diary()).find((x) => x.AppointmentId === created.AppointmentId);
    return a && Date.parse(a.StartDate) === Date.parse('2026-12-08T13:00:00Z') ? a : undefined;
  });
  assert.equal(moved.Location, 'Meeting room 2');
});

test('an event created in Outlook appears in SuperOffice; deleted in Outlook, it goes from SuperOffice too', async () => {
  const ev = await call<GraphEvent>('POST', `${msControl}/mailboxes/${encodeURIComponent(ADA.mailbox)}/events`, {
    event: { subject: 'Dentist', start: { dateTime: '2026-12-09T07:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-12-09T08:00:00', timeZone: 'UTC' }, sensitivity: 'private' },
  });
  const appt = await eventually('the appointment in SuperOffice', async () => (await diary()).find((a) => a.Title === 'Dentist'));
  await call('DELETE', `${msControl}/mailboxes/${encodeURIComponent(ADA.mailbox)}/events/${encodeURIComponent(ev.id)}`);
  await eventually('the appointment gone from SuperOffice', async () => ((await diary()).some((a) => a.AppointmentId === appt.AppointmentId) ? undefined : true));
});

test('an all-day appointment deleted in SuperOffice is deleted in Outlook', async () => {
  const created = await call<Appointment>('POST', `${soControl}/appointments`, {
    associateId: ADA.associateId,
    appointment: { Title: 'Trade fair', StartDate: '2026-12-10T00:00:00', EndDate: '2026-12-12T00:00:00', IsAlldayEvent: true },
  });
  const ev = await eventually('the all-day event in Outlook', async () => (await outlook(ADA.mailbox)).find((e) => e.subject === 'Trade fair'));
  assert.equal(ev.isAllDay, true);
  await call('DELETE', `${soControl}/appointments/${created.AppointmentId}?associateId=${ADA.associateId}`);
  await eventually('the event gone from Outlook', async () => ((await outlook(ADA.mailbox)).some((e) => e.subject === 'Trade fair') ? undefined : true));
});
