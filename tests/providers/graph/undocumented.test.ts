// What Graph leaves undocumented, each plausible answer set on the simulator and run through the
// real Graph client and side (docs/vendor-assumptions.md): a repeated create transactionId
// (deduplicated, not deduplicated, or refused 409/400), a stale If-Match (412 or 409), and
// MailboxNotEnabledForRESTAPI with 404 or another status.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createGraphClients } from '../../../server/providers/graph/client.ts';
import { MailboxNotEnabled } from '../../../server/providers/graph/errors.ts';
import { STABLE_KEY_PROPERTY } from '../../../server/providers/graph/mapping.ts';
import { createGraphSide } from '../../../server/providers/graph/side.ts';
import { PreconditionFailed } from '../../../server/sync/errors.ts';
import type { CalendarEvent } from '../../../server/sync/event.ts';
import { LinkStore } from '../../../server/sync/link-store.ts';
import { runSync } from '../../../server/sync/run.ts';
import { resolveSettings } from '../../../server/sync/settings.ts';
import { windowOf } from '../../../server/sync/scope.ts';
import { defaultSettings, type MsSettings } from '../../../sandbox/microsoft/settings.ts';
import { migratedDatabase } from '../../helpers/db.ts';
import { makeEvent, pilotReview } from '../../support/events.ts';
import { MemorySide } from '../../support/memory-side.ts';
import { ADA, BJORN, WINDOW, startGraphHarness, type GraphHarness } from './harness.ts';

const DANIEL = 'daniel.okafor@demo-company.example';
let h: GraphHarness;
before(async () => {
  h = await startGraphHarness();
});
after(() => h.close());
const defaults = defaultSettings();
afterEach(() => {
  const s = h.sim.control.settings;
  s.repeatedTransactionId = defaults.repeatedTransactionId;
  s.staleIfMatch = defaults.staleIfMatch;
  s.mailboxNotEnabledStatus = defaults.mailboxNotEnabledStatus;
});

let keys = 0;
const event = (over: Partial<CalendarEvent> = {}) => pilotReview({ email: ADA, name: 'Ada Lindqvist' }, { stableKey: `cs1-undoc-${++keys}`, ...over });

/** Ada's events (masters) carrying `key`, as the simulator holds them. */
const copies = (key: string, mailbox = ADA) =>
  h.sim.control.events(mailbox).filter((e) => (e.singleValueExtendedProperties as Array<{ id: string; value: string }> | undefined)?.some((p) => p.id === STABLE_KEY_PROPERTY && p.value === key));

const lastStatus = (endpoint: RegExp) => h.sim.control.recentRequests().filter((r) => endpoint.test(r.endpoint)).at(-1)?.status;

for (const answer of ['returnsFirst', 'conflict409', 'badRequest400'] as const) {
  test(`a repeated transactionId answered ${answer}: the second create adopts the first event`, async () => {
    h.sim.control.settings.repeatedTransactionId = answer;
    const side = h.side();
    const want = event();
    const first = await side.create(want);
    const again = await side.create(want);
    assert.equal(lastStatus(/^POST .*\/events$/), answer === 'returnsFirst' ? 201 : answer === 'conflict409' ? 409 : 400);
    assert.equal(again.id, first.id);
    assert.equal(again.event.stableKey, want.stableKey);
    assert.equal(copies(want.stableKey!).length, 1);
  });
}

test('a repeated transactionId refused (409/400) while no event of ours exists is still an error', async () => {
  h.sim.control.settings.repeatedTransactionId = 'badRequest400';
  const side = h.side();
  const want = event();
  const first = await side.create(want);
  h.sim.control.editAsUser(ADA, { op: 'update', eventId: first.id, changes: { singleValueExtendedProperties: [{ id: STABLE_KEY_PROPERTY, value: 'cs1-other' }] } });
  await assert.rejects(side.create(want), /refused the request \(400/);
});

test('a repeated transactionId that makes a second event (no deduplication): a create whose reply is lost, and whose lookup fails too, still ends as one copy', async () => {
  h.sim.control.settings.repeatedTransactionId = 'createsAnother';
  // The simulator answers as set: a second POST with the same transactionId is a second event.
  const probe = event();
  const side = h.side();
  await side.create(probe);
  await side.create(probe);
  assert.equal(copies(probe.stableKey!).length, 2, 'the setting makes a duplicate of a repeated POST');

  // The engine never repeats a POST without looking the key up first: a lost reply, and a lost
  // lookup after it, leave one copy. Daniel's mailbox, which no other test here writes to.
  let postLost = false;
  let lookupLost = false;
  const losing = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const res = await h.fetch(input as string, init);
    const list = /^\/v1\.0\/users\/[^/]+\/events$/.test(url.pathname);
    const method = init?.method ?? 'GET';
    if (list && method === 'POST' && !postLost) postLost = true;
    else if (list && method === 'GET' && postLost && !lookupLost) lookupLost = true;
    else return res;
    throw new TypeError('fetch failed: the reply was lost');
  }) as typeof fetch;
  const clients = createGraphClients({ authorityBase: h.sim.loginUrl, graphBase: h.sim.graphUrl, fetch: losing });
  const tdb = await migratedDatabase('undoc');
  try {
    const { db } = tdb;
    const [tenant] = await db('tenants').insert({ context_identifier: 'Cust1', installation_state: 'active' }).returning('id');
    const [profile] = await db('profiles').insert({ tenant_id: tenant.id, name: 'M365', calendar_system: 'graph', settings: '{}' }).returning('id');
    const [link] = await db('links').insert({ tenant_id: tenant.id, profile_id: profile.id, associate_id: 5, mailbox: DANIEL, state: 'active' }).returning('id');
    const now = '2026-03-01T12:00:00.000Z';
    const settings = resolveSettings({}, {});
    const so = new MemorySide({ name: 'so', window: windowOf(settings, now) });
    const cal = createGraphSide({ graph: clients.application({ ...h.profile, id: 'profile-losing' }).forMailbox(DANIEL), window: WINDOW, timeZone: 'Europe/Oslo' });
    let n = 0;
    const run = () => runSync({
      store: new LinkStore(db, tenant.id, link.id), sides: { superoffice: so, calendar: cal }, settings, direction: 'to_calendar',
      mailbox: DANIEL, actor: 'test', now: () => new Date(now), newKey: () => `cs1-undoc-run-${++n}`,
    });
    so.userCreate(makeEvent({ title: 'Lost reply' }));
    await run();
    assert.ok(postLost && lookupLost, 'the create reply and the lookup after it were lost');
    const key = 'cs1-undoc-run-1';
    assert.equal(copies(key, DANIEL).length, 1, 'the lost create landed once');
    await run();
    await run();
    assert.equal(copies(key, DANIEL).length, 1, 'later runs adopt it instead of posting again');
    assert.equal(so.snapshot()[0]?.event.stableKey, key);
  } finally {
    await tdb.close();
    await clients.close();
  }
});

for (const answer of ['irresolvable412', 'precondition412', 'irresolvable409'] as const) {
  test(`a stale If-Match refused as ${answer} is PreconditionFailed, for PATCH and DELETE`, async () => {
    h.sim.control.settings.staleIfMatch = answer;
    const side = h.side();
    const created = await side.create(event());
    const staleEtag = `W/"${created.version.split('~')[0]}"`;
    h.sim.control.editAsUser(ADA, { op: 'update', eventId: created.id, changes: { subject: 'Changed in Outlook' } });
    const want = answer === 'irresolvable409' ? 409 : 412;
    const patch = await h.app.forMailbox(ADA)
      .request({ method: 'PATCH', url: `/users/${ADA}/events/${created.id}`, headers: { 'If-Match': staleEtag }, body: { subject: 'Ours' }, itemId: created.id })
      .catch((e: unknown) => e);
    assert.equal(lastStatus(/^PATCH /), want);
    assert.ok(patch instanceof PreconditionFailed && patch.itemId === created.id, String(patch));
    const del = await side.delete(created.id, created.version).catch((e: unknown) => e);
    assert.equal(lastStatus(/^DELETE /), want);
    assert.ok(del instanceof PreconditionFailed, String(del));
    assert.equal(copies(created.event.stableKey!).length, 1, 'nothing was deleted');
  });
}

for (const status of [404, 400, 401, 403] as const satisfies ReadonlyArray<MsSettings['mailboxNotEnabledStatus']>) {
  test(`MailboxNotEnabledForRESTAPI with ${status} is MailboxNotEnabled, whole answers and $batch members alike`, async () => {
    h.sim.control.settings.mailboxNotEnabledStatus = status;
    const side = h.side({}, BJORN);
    h.sent.length = 0;
    const read = await side.listChanges(null).catch((e: unknown) => e);
    assert.equal(lastStatus(/calendarView\/delta/), status);
    assert.ok(read instanceof MailboxNotEnabled, String(read));
    assert.match(read.message, /no Exchange Online mailbox/);
    assert.equal(h.sent.length, 1, 'not retried with a fresh token: it is about the user, not the token');
    const got = await side.get(['AAMkSomething']).catch((e: unknown) => e);
    assert.ok(got instanceof MailboxNotEnabled, String(got));
    const made = await side.create(event()).catch((e: unknown) => e);
    assert.ok(made instanceof MailboxNotEnabled, String(made));
  });
}
