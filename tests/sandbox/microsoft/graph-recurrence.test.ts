// Recurring series through the Graph client: a weekly series expanded in calendarView with stable
// occurrence ids, an occurrence moved (exception) and one cancelled, both by the app and by a person,
// and how the series looks in delta: the master whole, occurrences and exceptions with the same
// properties calendarView gives them (event-delta, v1.0), @removed for the cancelled.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@microsoft/microsoft-graph-client';
import { ADA, startMsHarness, type MsHarness } from './harness.ts';

interface Ev {
  id: string;
  type: string;
  subject?: string;
  seriesMasterId?: string | null;
  originalStart?: string;
  start: { dateTime: string; timeZone: string };
  '@removed'?: unknown;
  [k: string]: unknown;
}
interface Page {
  value: Ev[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

const enc = encodeURIComponent;
// Mondays and Wednesdays in March 2031, 09:00 Oslo time (CET, then CEST from 30 March).
const WINDOW = { startDateTime: '2031-03-01T00:00:00Z', endDateTime: '2031-04-05T00:00:00Z' };

describe('Microsoft simulator: recurring events', () => {
  let h: MsHarness;
  let g: Client;
  let master: Ev;
  const view = async () => ((await g.api(`/users/${ADA}/calendarView`).query(WINDOW).top(100).get()) as Page).value;
  before(async () => {
    h = await startMsHarness();
    g = await h.appGraph();
    master = (await g.api(`/users/${ADA}/events`).post({
      subject: 'Stand-up',
      start: { dateTime: '2031-03-03T09:00:00', timeZone: 'W. Europe Standard Time' },
      end: { dateTime: '2031-03-03T09:15:00', timeZone: 'W. Europe Standard Time' },
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'], firstDayOfWeek: 'monday' },
        range: { type: 'numbered', startDate: '2031-03-03', numberOfOccurrences: 10, recurrenceTimeZone: 'W. Europe Standard Time' },
      },
    })) as Ev;
  });
  after(() => h.close());

  test('the series master lists once; calendarView expands it with stable ids at the same local time across DST', async () => {
    assert.equal(master.type, 'seriesMaster');
    const listed = ((await g.api(`/users/${ADA}/events`).get()) as Page).value;
    assert.deepEqual(listed.map((e) => e.type), ['seriesMaster']);
    const occ = await view();
    assert.equal(occ.length, 10);
    assert.ok(occ.every((o) => o.type === 'occurrence' && o.seriesMasterId === master.id));
    assert.deepEqual(occ.map((o) => o.start.dateTime.slice(0, 16)), [
      '2031-03-03T08:00', '2031-03-05T08:00', '2031-03-10T08:00', '2031-03-12T08:00', '2031-03-17T08:00',
      '2031-03-19T08:00', '2031-03-24T08:00', '2031-03-26T08:00', '2031-03-31T07:00', '2031-04-02T07:00',
    ]);
    assert.deepEqual((await view()).map((o) => o.id), occ.map((o) => o.id), 'occurrence ids are stable');
    const one = (await g.api(`/users/${ADA}/events/${enc(occ[2]!.id)}`).get()) as Ev;
    assert.equal(one.originalStart, '2031-03-10T08:00:00Z');
    const instances = ((await g.api(`/users/${ADA}/events/${enc(master.id)}/instances`).query({ startDateTime: '2031-03-09T00:00:00Z', endDateTime: '2031-03-13T00:00:00Z' }).get()) as Page).value;
    assert.deepEqual(instances.map((i) => i.id), [occ[2]!.id, occ[3]!.id]);
  });

  /** Each delta item that calendarView also lists must carry exactly what calendarView gives it. */
  const sameAsCalendarView = async (items: Ev[], prefer: string) => {
    const listed = ((await g.api(`/users/${ADA}/calendarView`).query(WINDOW).top(100).header('Prefer', prefer).get()) as Page).value;
    const byId = new Map(listed.map((e) => [e.id, e]));
    const compared = items.filter((e) => byId.has(e.id));
    for (const e of compared) {
      const { '@odata.type': odataType, ...rest } = e;
      assert.equal(odataType, '#microsoft.graph.event');
      assert.deepEqual(rest, byId.get(e.id), `delta item ${e.type} ${e.id}`);
    }
    return compared.length;
  };

  test('delta: the master whole, occurrences as calendarView gives them, then a moved and a cancelled occurrence', async () => {
    const prefer = 'outlook.timezone="W. Europe Standard Time"';
    const first = (await g.api(`/users/${ADA}/calendarView/delta`).query(WINDOW).header('Prefer', `${prefer}, odata.maxpagesize=50`).get()) as Page;
    const types = first.value.map((e) => e.type);
    assert.equal(types.filter((t) => t === 'seriesMaster').length, 1);
    assert.equal(types.filter((t) => t === 'occurrence').length, 10);
    const occurrence = first.value.find((e) => e.type === 'occurrence')!;
    assert.equal(occurrence.subject, 'Stand-up', 'an occurrence carries its content, not only its place in time');
    assert.equal(occurrence.seriesMasterId, master.id);
    assert.ok(['changeKey', 'iCalUId', 'originalStart', 'bodyPreview', 'organizer', 'attendees', 'webLink'].every((k) => k in occurrence));
    assert.equal(await sameAsCalendarView(first.value, prefer), 10);
    assert.equal(first.value.find((e) => e.type === 'seriesMaster')?.subject, 'Stand-up');

    const occ = await view();
    const moved = (await g.api(`/users/${ADA}/events/${enc(occ[4]!.id)}`).patch({
      subject: 'Stand-up (late)',
      start: { dateTime: '2031-03-17T15:00:00', timeZone: 'W. Europe Standard Time' },
      end: { dateTime: '2031-03-17T15:15:00', timeZone: 'W. Europe Standard Time' },
    })) as Ev;
    assert.equal(moved.type, 'exception');
    assert.equal(moved.id, occ[4]!.id);
    await g.api(`/users/${ADA}/events/${enc(occ[5]!.id)}`).delete();

    const after = await view();
    assert.equal(after.length, 9);
    assert.equal(after.find((e) => e.id === occ[4]!.id)?.start.dateTime.slice(0, 16), '2031-03-17T14:00');
    assert.equal(after.find((e) => e.id === occ[4]!.id)?.type, 'exception');
    assert.equal(after.some((e) => e.id === occ[5]!.id), false);

    const second = (await g.api(first['@odata.deltaLink']!).header('Prefer', 'odata.maxpagesize=50').get()) as Page;
    const byId = new Map(second.value.map((e) => [e.id, e]));
    assert.deepEqual(byId.get(occ[5]!.id)?.['@removed'], { reason: 'deleted' });
    assert.equal(byId.get(occ[4]!.id)?.subject, 'Stand-up (late)', 'an exception comes whole');
    assert.equal(await sameAsCalendarView([byId.get(occ[4]!.id)!], 'outlook.timezone="UTC"'), 1);
    assert.equal(byId.get(master.id)?.type, 'seriesMaster', 'the master changed with its exceptions');

    // A person cancels another occurrence in Outlook.
    h.sim.control.editAsUser(ADA, { op: 'delete', eventId: occ[0]!.id });
    const third = (await g.api(second['@odata.deltaLink']!).header('Prefer', 'odata.maxpagesize=50').get()) as Page;
    assert.ok(third.value.some((e) => e.id === occ[0]!.id && e['@removed']));
    assert.equal((await view()).length, 8);
  });

  test('daily, monthly and yearly patterns expand as Outlook does', async () => {
    const mk = async (subject: string, recurrence: unknown, start = '2031-01-31T12:00:00') =>
      (await g.api(`/users/${ADA}/events`).post({ subject, start: { dateTime: start, timeZone: 'UTC' }, end: { dateTime: start.replace('12:00', '13:00'), timeZone: 'UTC' }, recurrence })) as Ev;
    const days = async (ev: Ev, from: string, to: string) =>
      ((await g.api(`/users/${ADA}/events/${enc(ev.id)}/instances`).query({ startDateTime: from, endDateTime: to }).top(100).get()) as Page).value.map((e) => e.start.dateTime.slice(0, 10));
    const daily = await mk('daily', { pattern: { type: 'daily', interval: 3 }, range: { type: 'endDate', startDate: '2031-01-31', endDate: '2031-02-10' } });
    assert.deepEqual(await days(daily, '2031-01-01T00:00:00Z', '2031-03-01T00:00:00Z'), ['2031-01-31', '2031-02-03', '2031-02-06', '2031-02-09']);
    const monthly = await mk('monthly', { pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 }, range: { type: 'numbered', startDate: '2031-01-31', numberOfOccurrences: 3 } });
    assert.deepEqual(await days(monthly, '2031-01-01T00:00:00Z', '2031-12-31T00:00:00Z'), ['2031-01-31', '2031-02-28', '2031-03-31']);
    const relative = await mk('relative', { pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last' }, range: { type: 'numbered', startDate: '2031-01-01', numberOfOccurrences: 3 } });
    assert.deepEqual(await days(relative, '2031-01-01T00:00:00Z', '2031-12-31T00:00:00Z'), ['2031-01-31', '2031-02-28', '2031-03-28']);
    const yearly = await mk('yearly', { pattern: { type: 'absoluteYearly', interval: 1, month: 1, dayOfMonth: 31 }, range: { type: 'noEnd', startDate: '2031-01-31' } });
    assert.deepEqual(await days(yearly, '2031-01-01T00:00:00Z', '2034-01-01T00:00:00Z'), ['2031-01-31', '2032-01-31', '2033-01-31']);
  });
});
