// Graph fidelity through the Graph client unchanged: users, mailboxes without Exchange Online, event
// CRUD with extended properties, transactionId, If-Match, time zones, calendarView and calendars.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { ADA, BJORN, CARLA, DANIEL, startMsHarness, type MsHarness } from './harness.ts';

const CRM = 'String {66f5a359-4659-4830-9070-00040ec6ac6e} Name CrmId';
const enc = encodeURIComponent;

interface Ev {
  id: string;
  subject: string;
  changeKey: string;
  '@odata.etag': string;
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  transactionId: string | null;
  singleValueExtendedProperties?: Array<{ id: string; value: string }>;
  [k: string]: unknown;
}
interface Page<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

function graphError(status: number, code: string) {
  return (e: unknown) => {
    const g = e as GraphError;
    assert.equal(g.statusCode, status, `status of ${g.code}: ${g.message}`);
    assert.equal(g.code, code);
    return true;
  };
}

const at = (date: string, time: string, timeZone = 'UTC') => ({ dateTime: `${date}T${time}:00`, timeZone });

describe('Microsoft simulator: Graph users and events', () => {
  let h: MsHarness;
  let g: Client;
  before(async () => {
    h = await startMsHarness({ extraUsers: 5 });
    g = await h.appGraph();
  });
  after(() => h.close());

  test('users: list with paging and $select, get by id and by user principal name', async () => {
    const seen: Array<Record<string, unknown>> = [];
    let page = (await g.api('/users').top(3).select('id,mail,displayName').get()) as Page<Record<string, unknown>>;
    let pages = 1;
    seen.push(...page.value);
    while (page['@odata.nextLink']) {
      page = (await g.api(page['@odata.nextLink']).get()) as Page<Record<string, unknown>>;
      seen.push(...page.value);
      pages++;
    }
    assert.equal(seen.length, 9);
    assert.equal(pages, 3);
    assert.deepEqual(Object.keys(seen[0]!).sort(), ['displayName', 'id', 'mail']);
    assert.ok(seen.some((u) => u.mail === 'bench.user00005@demo-company.example'));
    const ada = (await g.api(`/users/${ADA}`).get()) as Record<string, unknown>;
    assert.equal(ada.displayName, 'Ada Lindqvist');
    assert.equal(ada.userPrincipalName, ADA);
    const byId = (await g.api(`/users/${ada.id as string}`).get()) as Record<string, unknown>;
    assert.equal(byId.mail, ADA);
    const filtered = (await g.api('/users').filter(`mail eq '${DANIEL}'`).get()) as Page<Record<string, unknown>>;
    assert.deepEqual(filtered.value.map((u) => u.displayName), ['Daniel Okafor']);
    await assert.rejects(g.api('/users/nobody@demo-company.example').get(), graphError(404, 'Request_ResourceNotFound'));
  });

  test('users without an Exchange Online mailbox answer calendar calls with MailboxNotEnabledForRESTAPI', async () => {
    for (const who of [BJORN, CARLA]) {
      await assert.rejects(g.api(`/users/${who}/events`).get(), graphError(404, 'MailboxNotEnabledForRESTAPI'));
      await assert.rejects(g.api(`/users/${who}/calendarView`).query({ startDateTime: '2030-01-01T00:00:00Z', endDateTime: '2030-01-08T00:00:00Z' }).get(), graphError(404, 'MailboxNotEnabledForRESTAPI'));
    }
    assert.equal(((await g.api(`/users/${BJORN}`).get()) as { mail: string }).mail, BJORN);
    await assert.rejects(g.api('/users/ghost@demo-company.example/events').get(), graphError(404, 'ErrorInvalidUser'));
  });

  test('events CRUD with an extended property, $expand and the Any() $filter', async () => {
    const tagged = (await g.api(`/users/${ADA}/events`).post({
      subject: 'CRM: Demo', body: { contentType: 'HTML', content: '<p>Agenda</p>' },
      start: at('2030-03-04', '10:00'), end: at('2030-03-04', '11:00'),
      attendees: [{ emailAddress: { address: 'kari.berg@nordic-tools.example', name: 'Kari Berg' }, type: 'required' }],
      categories: ['CRM'], showAs: 'busy', singleValueExtendedProperties: [{ id: CRM, value: 'ACC-123' }],
    })) as Ev;
    assert.match(tagged.id, /^[A-Za-z0-9_-]+$/);
    assert.equal(tagged['@odata.etag'], `W/"${tagged.changeKey}"`);
    assert.equal(tagged.type, 'singleInstance');
    assert.equal(tagged.singleValueExtendedProperties, undefined, 'extended properties come only when expanded');
    assert.equal(tagged.bodyPreview, 'Agenda');
    const plain = (await g.api(`/users/${ADA}/events`).post({ subject: 'Private', start: at('2030-03-04', '12:00'), end: at('2030-03-04', '12:30') })) as Ev;

    const expanded = (await g.api(`/users/${ADA}/events/${enc(tagged.id)}`).expand(`singleValueExtendedProperties($filter=id eq '${CRM}')`).get()) as Ev;
    assert.deepEqual(expanded.singleValueExtendedProperties, [{ id: CRM, value: 'ACC-123' }]);
    const plainExpanded = (await g.api(`/users/${ADA}/events/${enc(plain.id)}`).expand(`singleValueExtendedProperties($filter=id eq '${CRM}')`).get()) as Ev;
    assert.equal(plainExpanded.singleValueExtendedProperties, undefined);

    const found = (await g.api(`/users/${ADA}/events`).filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${CRM}' and ep/value eq 'acc-123')`).get()) as Page<Ev>;
    assert.deepEqual(found.value.map((e) => e.id), [tagged.id]);
    assert.equal(found.value[0]!.singleValueExtendedProperties, undefined, 'filtering alone does not return the property');
    const both = (await g.api(`/users/${ADA}/events`).filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${CRM}')`).expand(`singleValueExtendedProperties($filter=id eq '${CRM}')`).get()) as Page<Ev>;
    assert.equal(both.value[0]!.singleValueExtendedProperties?.[0]?.value, 'ACC-123');

    const patched = (await g.api(`/users/${ADA}/events/${enc(tagged.id)}`).patch({ subject: 'CRM: Demo (moved)', singleValueExtendedProperties: [{ id: CRM, value: 'ACC-456' }] })) as Ev;
    assert.equal(patched.subject, 'CRM: Demo (moved)');
    assert.notEqual(patched.changeKey, tagged.changeKey);
    const refetched = (await g.api(`/users/${ADA}/events/${enc(tagged.id)}`).select('subject').expand(`singleValueExtendedProperties($filter=id eq '${CRM}')`).get()) as Ev;
    assert.deepEqual(Object.keys(refetched).sort(), ['@odata.context', '@odata.etag', 'id', 'singleValueExtendedProperties', 'subject']);
    assert.equal(refetched.singleValueExtendedProperties?.[0]?.value, 'ACC-456');

    await g.api(`/users/${ADA}/events/${enc(tagged.id)}`).delete();
    await assert.rejects(g.api(`/users/${ADA}/events/${enc(tagged.id)}`).get(), graphError(404, 'ErrorItemNotFound'));
    await assert.rejects(g.api(`/users/${ADA}/events`).post({ subject: 'x', start: at('2030-03-04', '10:00'), end: at('2030-03-04', '11:00'), colour: 'red' }), graphError(400, 'RequestBodyRead'));
    await g.api(`/users/${ADA}/events/${enc(plain.id)}`).delete();
  });

  test('a POST retried with the same transactionId returns the first event instead of a duplicate', async () => {
    const body = { subject: 'Once', transactionId: 'crm-7f3c-1', start: at('2030-04-01', '09:00'), end: at('2030-04-01', '09:30') };
    const a = (await g.api(`/users/${DANIEL}/events`).post(body)) as Ev;
    const b = (await g.api(`/users/${DANIEL}/events`).post(body)) as Ev;
    assert.equal(b.id, a.id);
    assert.equal(a.transactionId, 'crm-7f3c-1');
    const list = (await g.api(`/users/${DANIEL}/calendarView`).query({ startDateTime: '2030-04-01T00:00:00Z', endDateTime: '2030-04-02T00:00:00Z' }).get()) as Page<Ev>;
    assert.equal(list.value.length, 1);
  });

  test('If-Match with a stale change key is refused with 412 ErrorIrresolvableConflict', async () => {
    const ev = (await g.api(`/users/${DANIEL}/events`).post({ subject: 'v1', start: at('2030-04-02', '09:00'), end: at('2030-04-02', '10:00') })) as Ev;
    const v2 = (await g.api(`/users/${DANIEL}/events/${enc(ev.id)}`).header('If-Match', ev['@odata.etag']).patch({ subject: 'v2' })) as Ev;
    assert.equal(v2.subject, 'v2');
    await assert.rejects(g.api(`/users/${DANIEL}/events/${enc(ev.id)}`).header('If-Match', ev['@odata.etag']).patch({ subject: 'v3' }), graphError(412, 'ErrorIrresolvableConflict'));
    await assert.rejects(g.api(`/users/${DANIEL}/events/${enc(ev.id)}`).header('If-Match', ev['@odata.etag']).delete(), graphError(412, 'ErrorIrresolvableConflict'));
    await g.api(`/users/${DANIEL}/events/${enc(ev.id)}`).header('If-Match', v2['@odata.etag']).delete();
  });

  test('Prefer outlook.timezone converts start and end, with Windows and IANA names', async () => {
    const summer = (await g.api(`/users/${ADA}/events`).post({ subject: 'Oslo summer', start: at('2030-07-01', '10:00', 'W. Europe Standard Time'), end: at('2030-07-01', '11:00', 'W. Europe Standard Time') })) as Ev;
    assert.equal(summer.start.dateTime, '2030-07-01T08:00:00.0000000', 'without Prefer the answer is UTC');
    assert.equal(summer.start.timeZone, 'UTC');
    assert.equal(summer.originalStartTimeZone, 'W. Europe Standard Time');
    const read = async (tz: string) => (await g.api(`/users/${ADA}/events/${enc(summer.id)}`).header('Prefer', `outlook.timezone="${tz}"`).get()) as Ev;
    const cases: Array<[string, string]> = [
      ['Europe/Oslo', '2030-07-01T10:00:00.0000000'],
      ['Eastern Standard Time', '2030-07-01T04:00:00.0000000'],
      ['America/New_York', '2030-07-01T04:00:00.0000000'],
      ['AUS Eastern Standard Time', '2030-07-01T18:00:00.0000000'],
      ['Australia/Sydney', '2030-07-01T18:00:00.0000000'],
      ['India Standard Time', '2030-07-01T13:30:00.0000000'],
      ['Asia/Kolkata', '2030-07-01T13:30:00.0000000'],
      ['UTC', '2030-07-01T08:00:00.0000000'],
    ];
    for (const [tz, expected] of cases) {
      const e = await read(tz);
      assert.equal(e.start.dateTime, expected, tz);
      assert.equal(e.start.timeZone, tz);
    }
    const winter = (await g.api(`/users/${ADA}/events`).header('Prefer', 'outlook.timezone="Europe/Oslo"').post({ subject: 'New York winter', start: at('2030-01-15', '09:00', 'America/New_York'), end: at('2030-01-15', '10:00', 'Eastern Standard Time') })) as Ev;
    assert.equal(winter.start.dateTime, '2030-01-15T15:00:00.0000000');
    assert.equal(winter.start.timeZone, 'Europe/Oslo');
    const raw = await h.call(`${h.sim.graphUrl}/users/${ADA}/events/${enc(winter.id)}`, {
      headers: { authorization: `Bearer ${(await h.cca().acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!.accessToken}`, prefer: 'odata.maxpagesize=5, outlook.timezone="India Standard Time"' },
    });
    assert.match(raw.headers.get('preference-applied') ?? '', /outlook\.timezone="India Standard Time"/);
    assert.equal(((await raw.json()) as Ev).start.dateTime, '2030-01-15T19:30:00.0000000');
    await assert.rejects(g.api(`/users/${ADA}/events`).post({ subject: 'x', start: at('2030-01-15', '09:00', 'Mars/Olympus'), end: at('2030-01-15', '10:00') }), graphError(400, 'TimeZoneNotSupportedException'));
  });

  test('all-day events are midnight to midnight in their zone and go out as floating dates', async () => {
    const day = { start: at('2030-08-12', '00:00', 'W. Europe Standard Time'), end: at('2030-08-13', '00:00', 'W. Europe Standard Time') };
    const ev = (await g.api(`/users/${ADA}/events`).post({ subject: 'Holiday', isAllDay: true, ...day })) as Ev;
    assert.equal(ev.isAllDay, true);
    for (const tz of ['UTC', 'Eastern Standard Time', 'Australia/Sydney']) {
      const e = (await g.api(`/users/${ADA}/events/${enc(ev.id)}`).header('Prefer', `outlook.timezone="${tz}"`).get()) as Ev;
      assert.deepEqual([e.start.dateTime, e.end.dateTime, e.start.timeZone], ['2030-08-12T00:00:00.0000000', '2030-08-13T00:00:00.0000000', tz]);
    }
    await assert.rejects(g.api(`/users/${ADA}/events`).post({ subject: 'x', isAllDay: true, start: at('2030-08-12', '09:00'), end: at('2030-08-13', '00:00') }), graphError(400, 'ErrorInvalidRequest'));
  });

  test('calendarView: overlap semantics, required window, paging', async () => {
    const box = DANIEL;
    const mk = (subject: string, s: string, e: string) => g.api(`/users/${box}/events`).post({ subject, start: at('2030-05-06', s), end: at('2030-05-06', e) });
    await mk('before', '07:00', '08:00');
    await mk('straddles start', '07:30', '08:30');
    await mk('inside', '09:00', '10:00');
    await mk('straddles end', '11:30', '12:30');
    await mk('after', '12:00', '13:00');
    const view = (await g.api(`/users/${box}/calendarView`).query({ startDateTime: '2030-05-06T08:00:00Z', endDateTime: '2030-05-06T12:00:00Z' }).get()) as Page<Ev>;
    assert.deepEqual(view.value.map((e) => e.subject), ['straddles start', 'inside', 'straddles end']);
    await assert.rejects(g.api(`/users/${box}/calendarView`).get(), graphError(400, 'ErrorInvalidParameter'));
    const first = (await g.api(`/users/${box}/calendarView`).query({ startDateTime: '2030-05-06T00:00:00Z', endDateTime: '2030-05-07T00:00:00Z' }).top(2).get()) as Page<Ev>;
    assert.equal(first.value.length, 2);
    assert.ok(first['@odata.nextLink']?.startsWith(`${h.sim.graphUrl}/`));
    const second = (await g.api(first['@odata.nextLink']!).get()) as Page<Ev>;
    const third = (await g.api(second['@odata.nextLink']!).get()) as Page<Ev>;
    assert.deepEqual([...first.value, ...second.value, ...third.value].map((e) => e.subject), ['before', 'straddles start', 'inside', 'straddles end', 'after']);
    assert.equal(third['@odata.nextLink'], undefined);
  });

  test('other calendars: list, create, and events that stay in their calendar', async () => {
    const cals = (await g.api(`/users/${DANIEL}/calendars`).get()) as Page<{ id: string; name: string; isDefaultCalendar: boolean }>;
    assert.deepEqual(cals.value.map((c) => [c.name, c.isDefaultCalendar]), [['Calendar', true]]);
    const crm = (await g.api(`/users/${DANIEL}/calendars`).post({ name: 'CRM' })) as { id: string };
    const ev = (await g.api(`/users/${DANIEL}/calendars/${enc(crm.id)}/events`).post({ subject: 'In CRM', start: at('2030-06-03', '09:00'), end: at('2030-06-03', '10:00') })) as Ev;
    const inCrm = (await g.api(`/users/${DANIEL}/calendars/${enc(crm.id)}/events`).get()) as Page<Ev>;
    assert.deepEqual(inCrm.value.map((e) => e.id), [ev.id]);
    const window = { startDateTime: '2030-06-03T00:00:00Z', endDateTime: '2030-06-04T00:00:00Z' };
    assert.equal(((await g.api(`/users/${DANIEL}/calendar/calendarView`).query(window).get()) as Page<Ev>).value.length, 0);
    assert.equal(((await g.api(`/users/${DANIEL}/calendars/${enc(crm.id)}/calendarView`).query(window).get()) as Page<Ev>).value.length, 1);
    assert.equal(((await g.api(`/users/${DANIEL}/events/${enc(ev.id)}`).get()) as Ev).subject, 'In CRM');
    assert.equal(((await g.api(`/users/${DANIEL}/calendar`).get()) as { name: string }).name, 'Calendar');
  });
});
