// The tenant directory against the simulator, through @superoffice/webapi: the demo tenant's users
// and appointment types, contact persons found by e-mail address, answers kept for the TTL (counted
// in API calls), failures in the engine's terms and not kept, and a side that meets a person only
// in what it writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDirectories, createDirectory } from '../../../server/providers/superoffice/directory.ts';
import type { AgentFactory } from '../../../server/superoffice/api-client.ts';
import type { SystemUserTenant } from '../../../server/superoffice/system-user.ts';
import { RateLimited, Transient } from '../../../server/sync/errors.ts';
import type { CalendarEvent } from '../../../server/sync/event.ts';
import { CTX, TASKS, startSideHarness, type SideHarness } from './harness.ts';

let h: SideHarness;
/** SuperOffice web API calls made (one SDK request each). */
let calls = 0;
let clock = 1_000_000;
before(async () => {
  h = await startSideHarness();
  const api = h.services.api;
  const call = api.call.bind(api);
  api.call = <T>(tenant: SystemUserTenant, fn: (agent: AgentFactory) => Promise<T>) => {
    calls++;
    return call(tenant, fn);
  };
});
after(() => h.close());

const directory = (ttlMs?: number) => createDirectory({ api: h.services.api, tenant: h.who, ttlMs, now: () => clock });
const counted = async <T>(fn: () => Promise<T>): Promise<{ value: T; calls: number }> => {
  const before = calls;
  const value = await fn();
  return { value, calls: calls - before };
};

const KARI = { email: 'kari.berg@nordic-tools.example', name: 'Kari Berg' };
const personOf = (email: string) => [...h.so.tenant.persons.values()].find((p) => p.emails[0] === email)!;

test('people are the tenant\'s users with their person and e-mail address; tasks its appointment types', async () => {
  const d = directory();
  const users = await d.people();
  const expected = h.people.filter((p) => p.associateId);
  assert.deepEqual(
    users.map((u) => [u.associateId, u.personId, u.email, u.name]).sort(),
    expected.map((u) => [u.associateId, u.personId, u.email, u.name]).sort(),
  );
  assert.ok(users.length >= 4 && users.every((u) => u.contactId === h.so.tenant.ownerContactId));
  // The system user has no diary: it is nobody's participant.
  assert.ok(!users.some((u) => u.associateId === h.so.tenant.systemAssociateId));
  assert.deepEqual(await d.tasks(), TASKS);
});

test('persons are found by e-mail address, in any case; unknown and unsearchable addresses find nobody', async () => {
  const kari = personOf(KARI.email);
  const found = await directory().findByEmails(['Kari.Berg@Nordic-Tools.example', 'nobody@nowhere.example', "o'brien@x.example", 'not an address', KARI.email]);
  assert.deepEqual(found, [{ email: KARI.email, name: KARI.name, personId: kari.personId, contactId: kari.contactId }]);
  // More addresses than one query holds.
  const many = [...h.so.tenant.persons.values()].map((p) => p.emails[0]!).filter(Boolean);
  const filler = Array.from({ length: 45 }, (_, i) => `nobody${i}@nowhere.example`);
  const all = await directory().findByEmails([...filler, ...many]);
  assert.deepEqual(all.map((p) => p.personId ?? 0).sort((a, b) => a - b), [...h.so.tenant.persons.values()].map((p) => p.personId).sort((a, b) => a - b));
});

test('answers are kept for the TTL: a second call costs no request, concurrent callers share one load, then it loads again', async () => {
  const d = directory(60_000);
  const first = await counted(() => Promise.all([d.people(), d.tasks(), d.findByEmails([KARI.email, 'nobody@nowhere.example'])]));
  // AllUsers, GetAssociateList, GetAllTasks, one SimplePerson query.
  assert.equal(first.calls, 4);
  const again = await counted(() => Promise.all([d.people(), d.tasks(), d.findByEmails(['nobody@nowhere.example', KARI.email.toUpperCase()])]));
  assert.equal(again.calls, 0);
  assert.deepEqual(again.value, first.value);
  // Only the address not asked before is looked up.
  assert.equal((await counted(() => d.findByEmails([KARI.email, 'eva.lund@lundco.example']))).calls, 1);

  clock += 60_000;
  const burst = await counted(() => Promise.all([d.people(), d.people(), d.tasks(), d.tasks()]));
  assert.equal(burst.calls, 3);
  assert.equal((await counted(() => d.findByEmails([KARI.email]))).calls, 1);

  // One directory per tenant across runs, renewed when the tenant's credentials change.
  const directories = createDirectories({ api: h.services.api, now: () => clock });
  assert.equal(directories(h.who), directories({ ...h.who }));
  assert.notEqual(directories(h.who), directories({ ...h.who, systemToken: `${h.who.systemToken}-again` }));
});

test('failures reach callers in the engine\'s terms and are not kept', async () => {
  const d = directory();
  h.so.simulator.api.injectApiFaults(CTX, { status: 503, count: 1 });
  await assert.rejects(d.people(), (e) => e instanceof Transient && !('isAxiosError' in e));
  assert.ok((await d.people()).length >= 4);
  h.so.simulator.api.injectApiFaults(CTX, { status: 429, count: 1, retryAfterSeconds: 5 });
  await assert.rejects(d.findByEmails([KARI.email]), (e) => e instanceof RateLimited && e.retryAfterMs === 5000);
  assert.equal((await d.findByEmails([KARI.email]))[0]?.name, KARI.name);
  h.so.simulator.api.injectApiFaults(CTX, { status: 503, count: 1 });
  await assert.rejects(d.tasks(), Transient);
  assert.deepEqual(await d.tasks(), TASKS);
});

test('a side on the directory: users and types from it, a person met by address taking part in a write', async () => {
  const d = directory();
  const side = h.side({ people: () => d.people(), tasks: () => d.tasks(), findPeople: (emails) => d.findByEmails(emails) });
  const bjorn = h.people.find((p) => p.associateId && p.email.startsWith('bjorn'))!;
  const event: CalendarEvent = {
    title: 'Lunch with Kari',
    description: '',
    location: 'Canteen',
    timing: { allDay: false, start: { instant: '2026-06-02T10:00:00.000Z', timeZone: 'Europe/Oslo' }, end: { instant: '2026-06-02T11:00:00.000Z', timeZone: 'Europe/Oslo' } },
    showAs: 'busy',
    private: false,
    attendees: [
      { ...KARI, response: 'none' },
      { email: bjorn.email, name: bjorn.name, response: 'accepted' },
      { email: 'outsider@elsewhere.example', name: 'Out Sider', response: 'none' },
    ],
    category: 'Lunch',
    crmLinks: {},
  };
  const created = await side.create(event);
  const stored = h.so.simulator.api.appointments(CTX).find((a) => a.AppointmentId === Number(created.id))!;
  assert.equal((stored.Task as { TaskListItemId: number }).TaskListItemId, 3);
  const kari = personOf(KARI.email);
  assert.ok((stored.Participants as { PersonId: number; ContactId: number }[]).some((p) => p.PersonId === kari.personId && p.ContactId === kari.contactId));
  // Reads know only the users, so the person comes back by address alone; the outsider is nobody.
  assert.deepEqual(created.event.attendees.map((a) => [a.email, a.name]).sort(), [[bjorn.email, bjorn.name], [KARI.email, undefined]]);
  assert.equal(created.event.category, 'Lunch');
  // Writing the same event again saves nothing: SuperOffice never saw an update.
  const same = await side.update(created.id, event, created.version);
  assert.equal(same.version, created.version);
  const after = h.so.simulator.api.appointments(CTX).find((a) => a.AppointmentId === Number(created.id))!;
  assert.equal(after.UpdatedDate, stored.UpdatedDate);
  assert.match(String(after.UpdatedDate), /^0001-01-01/);
});
