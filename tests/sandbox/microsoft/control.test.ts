// The control API over HTTP and the mailbox page, as tools outside the process and people use them:
// edits as the user, consent, faults, counts, idle, the HTML page with its plain forms, and events' webLinks to it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@microsoft/microsoft-graph-client';
import { bulkUserUpn } from '../../../sandbox/microsoft/seed.ts';
import { ADA, BJORN, GRAPH_DEFAULT, startMsHarness, utc, wall, type MsHarness } from './harness.ts';

describe('Microsoft simulator: control API and mailbox page', () => {
  let h: MsHarness;
  let g: Client;
  const control = (path: string, method = 'GET', body?: unknown) =>
    h.call(`${h.sim.loginUrl}/control${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  before(async () => {
    h = await startMsHarness({ extraUsers: 1000 });
    g = await h.appGraph();
  });
  after(() => h.close());

  test('bulk users are in the directory; their mailboxes are made on first use', async () => {
    assert.equal(h.sim.users.length, 1004);
    const state = (await (await control('/state')).json()) as { users: number; mailboxesInUse: number; tenantId: string };
    assert.equal(state.users, 1004);
    assert.equal(state.tenantId, h.sim.tenantId);
    const before = state.mailboxesInUse;
    const upn = bulkUserUpn(1000);
    assert.deepEqual(((await g.api(`/users/${upn}/events`).get()) as { value: unknown[] }).value, []);
    const after = (await (await control('/state')).json()) as { mailboxesInUse: number };
    assert.equal(after.mailboxesInUse, before + 1);
    assert.deepEqual(h.sim.info(), {
      authority: `${h.sim.loginUrl}/${h.sim.tenantId}`, tenantId: h.sim.tenantId, clientId: h.sim.app.clientId,
      clientSecret: h.sim.app.clientSecret, baseUrl: h.sim.graphUrl,
    });
  });

  test('events edited over HTTP as the user, with Graph errors kept', async () => {
    const start = utc(1, 9);
    const end = utc(1, 10);
    const created = await control(`/mailboxes/${ADA}/events`, 'POST', { event: { subject: 'From Outlook', start: { dateTime: wall(start), timeZone: 'UTC' }, end: { dateTime: wall(end), timeZone: 'UTC' } } });
    assert.equal(created.status, 201);
    const ev = (await created.json()) as { id: string; subject: string };
    const listed = (await (await control(`/mailboxes/${ADA}/events?start=${start.toISOString()}&end=${end.toISOString()}`)).json()) as Array<{ id: string }>;
    assert.deepEqual(listed.map((e) => e.id), [ev.id]);
    const patched = await control(`/mailboxes/${ADA}/events/${encodeURIComponent(ev.id)}`, 'PATCH', { changes: { subject: 'Renamed in Outlook' } });
    assert.equal(((await patched.json()) as { subject: string }).subject, 'Renamed in Outlook');
    assert.equal(((await g.api(`/users/${ADA}/events/${encodeURIComponent(ev.id)}`).get()) as { subject: string }).subject, 'Renamed in Outlook');
    assert.equal((await control(`/mailboxes/${ADA}/events/${encodeURIComponent(ev.id)}`, 'DELETE')).status, 204);
    assert.equal((await control(`/mailboxes/${ADA}/events/${encodeURIComponent(ev.id)}`, 'DELETE')).status, 404);
    assert.equal((await control(`/mailboxes/${BJORN}/events`)).status, 404);
    assert.equal((await control(`/mailboxes/${ADA}/events`, 'POST', { event: { subject: 'no times' } })).status, 400);
    assert.equal((await control(`/mailboxes/${ADA}/events`, 'POST', { nonsense: true })).status, 400);
  });

  test('an event\'s webLink opens the mailbox page on the event\'s week, with its row marked; a deleted one says so', async () => {
    h.sim.control.setMailboxTimeZone(ADA, 'UTC');
    // Three weeks ahead: not the week the page shows by default.
    const created = (await g.api(`/users/${ADA}/events`).post({ subject: 'Quarterly review', start: { dateTime: wall(utc(21, 10)), timeZone: 'UTC' }, end: { dateTime: wall(utc(21, 11)), timeZone: 'UTC' } })) as { id: string };
    const read = (await g.api(`/users/${ADA}/events/${encodeURIComponent(created.id)}`).select('webLink').get()) as { webLink: string };
    const link = new URL(read.webLink);
    assert.equal(link.origin, new URL(h.sim.loginUrl).origin, 'the link stays in the simulator');
    assert.equal(link.pathname, `/control/mailbox/${encodeURIComponent(ADA)}`);
    assert.equal(link.searchParams.get('event'), created.id);
    assert.equal(link.hash, '#event');
    const html = await (await h.call(read.webLink)).text();
    const marked = /<tr id="event" class="marked"[^>]*>([\s\S]*?)<\/tr>/.exec(html);
    assert.ok(marked, 'one row is marked');
    assert.match(marked[1]!, /value="Quarterly review"/);
    assert.ok(marked[1]!.includes(`/events/${encodeURIComponent(created.id)}?`), 'the marked row is the event\'s form');
    assert.equal(html.match(/class="marked"/g)?.length, 1);
    // utc(21) is a Monday: the page shows that week.
    assert.ok(html.includes(`week of ${wall(utc(21)).slice(0, 10)}`));

    await g.api(`/users/${ADA}/events/${encodeURIComponent(created.id)}`).delete();
    const gone = await (await h.call(read.webLink)).text();
    assert.match(gone, /That event is no longer in this calendar\./);
    assert.doesNotMatch(gone, /class="marked"/);
  });

  test('consent, token expiry, faults, latency, counts and idle over HTTP', async () => {
    assert.equal((await control('/consent', 'PUT', { granted: false })).status, 204);
    await assert.rejects(h.cca().acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }));
    assert.equal((await control('/consent', 'PUT', { granted: true })).status, 204);
    assert.ok(await h.cca().acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }));

    assert.equal((await control('/requests', 'DELETE')).status, 204);
    assert.equal((await control('/faults/graph', 'PUT', { status: 504, count: 1, retryAfterS: 0 })).status, 204);
    await g.api(`/users/${ADA}/calendars`).get();
    const counts = (await (await control('/requests')).json()) as { total: number; byStatus: Record<string, number> };
    assert.equal(counts.total, 2);
    assert.deepEqual(counts.byStatus, { '200': 1, '504': 1 });
    assert.equal((await control('/faults/graph', 'PUT', { status: 418 })).status, 400);

    assert.equal((await control('/latency', 'PUT', { ms: 25 })).status, 204);
    assert.equal(h.sim.control.settings.latencyMs, 25);
    assert.equal((await control('/settings', 'PATCH', { latencyMs: 0, deltaTokenExpiry: 'syncStateNotFound' })).status, 200);
    assert.equal(h.sim.control.settings.deltaTokenExpiry, 'syncStateNotFound');
    assert.equal((await control('/idle', 'POST')).status, 204);
    assert.equal((await control('/tokens/expire', 'POST')).status, 204);
  });

  test('the mailbox page lists this week and creates, edits and deletes with plain forms under a strict CSP', async () => {
    h.sim.control.setMailboxTimeZone(ADA, 'UTC');
    h.sim.control.editAsUser(ADA, { op: 'create', event: { subject: 'Weekly sales meeting', start: { dateTime: wall(utc(0, 9)), timeZone: 'UTC' }, end: { dateTime: wall(utc(0, 9, 30)), timeZone: 'UTC' } } });
    const page = await h.call(`${h.sim.loginUrl}/control/mailbox/${ADA}`);
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const html = await page.text();
    assert.match(html, /Weekly sales meeting/);
    assert.doesNotMatch(html, /<script|style=/);
    assert.match(html, /href="\/control\/mailbox\.css"/);
    assert.equal((await h.call(`${h.sim.loginUrl}/control/mailbox.css`)).headers.get('content-type')?.split(';')[0], 'text/css');

    const week = wall(utc(0)).slice(0, 10);
    const day = wall(utc(2)).slice(0, 10);
    const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    const created = await h.call(`${h.sim.loginUrl}/control/mailbox/${ADA}/events?week=${week}`, form({ subject: 'Made on the page', date: day, start: '13:00', end: '14:00', location: 'Room Fjord' }));
    assert.equal(created.status, 303);
    assert.match(created.headers.get('location') ?? '', /notice=Event\+created/);
    const made = h.sim.control.events(ADA, { start: utc(2), end: utc(3) }).find((e) => e.subject === 'Made on the page')!;
    assert.equal((made.start as { dateTime: string }).dateTime, `${day}T13:00:00.0000000`);
    assert.equal((made.location as { displayName: string }).displayName, 'Room Fjord');

    const id = encodeURIComponent(String(made.id));
    await h.call(`${h.sim.loginUrl}/control/mailbox/${ADA}/events/${id}?week=${week}`, form({ action: 'update', subject: 'Edited on the page', date: day, start: '15:00', end: '15:30', location: '' }));
    const edited = h.sim.control.events(ADA, { start: utc(2), end: utc(3) }).find((e) => e.id === made.id)!;
    assert.equal(edited.subject, 'Edited on the page');
    assert.equal((edited.start as { dateTime: string }).dateTime, `${day}T15:00:00.0000000`);
    await h.call(`${h.sim.loginUrl}/control/mailbox/${ADA}/events/${id}?week=${week}`, form({ action: 'delete' }));
    assert.equal(h.sim.control.events(ADA, { start: utc(2), end: utc(3) }).some((e) => e.id === made.id), false);
    const bad = await h.call(`${h.sim.loginUrl}/control/mailbox/${ADA}/events?week=${week}`, form({ subject: 'x', date: 'soon', start: '13:00', end: '14:00' }));
    assert.match(bad.headers.get('location') ?? '', /error=/);
    assert.equal((await h.call(`${h.sim.loginUrl}/control/mailbox/${BJORN}`)).status, 404);
  });
});
