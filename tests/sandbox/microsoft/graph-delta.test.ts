// calendarView/delta through the Graph client: the initial round paged with odata.maxpagesize,
// changes (created, updated, deleted, moved out of the window), an empty round, token expiry, and
// changes made by a person through the control API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { DANIEL, startMsHarness, type MsHarness } from './harness.ts';

interface Item {
  id: string;
  subject?: string;
  '@removed'?: { reason: string };
  [k: string]: unknown;
}
interface DeltaPage {
  value: Item[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

const enc = encodeURIComponent;
const at = (date: string, time: string) => ({ dateTime: `${date}T${time}:00`, timeZone: 'UTC' });
const WINDOW = 'startDateTime=2031-02-03T00:00:00Z&endDateTime=2031-02-10T00:00:00Z';

/** Follows nextLinks to the deltaLink; returns every item and the number of pages. */
async function round(g: Client, url: string, pageSize: number): Promise<{ items: Item[]; pages: number; deltaLink: string }> {
  const items: Item[] = [];
  let pages = 0;
  for (let next: string | undefined = url; ;) {
    const page = (await g.api(next).header('Prefer', `odata.maxpagesize=${pageSize}`).get()) as DeltaPage;
    pages++;
    assert.ok(page.value.length <= pageSize, `page of ${page.value.length} > ${pageSize}`);
    items.push(...page.value);
    if (page['@odata.deltaLink']) return { items, pages, deltaLink: page['@odata.deltaLink'] };
    next = page['@odata.nextLink'];
    assert.ok(next, 'a page has either a nextLink or a deltaLink');
  }
}

describe('Microsoft simulator: calendarView/delta', () => {
  let h: MsHarness;
  let g: Client;
  const ids: Record<string, string> = {};
  let deltaLink = '';
  before(async () => {
    h = await startMsHarness();
    g = await h.appGraph();
    for (let i = 0; i < 5; i++) {
      const ev = (await g.api(`/users/${DANIEL}/events`).post({ subject: `e${i}`, start: at(`2031-02-0${3 + i}`, '09:00'), end: at(`2031-02-0${3 + i}`, '10:00') })) as Item;
      ids[`e${i}`] = ev.id;
    }
    await g.api(`/users/${DANIEL}/events`).post({ subject: 'outside', start: at('2031-03-01', '09:00'), end: at('2031-03-01', '10:00') });
  });
  after(() => h.close());

  test('the initial round pages by odata.maxpagesize and ends with a deltaLink', async () => {
    const r = await round(g, `/users/${DANIEL}/calendarView/delta?${WINDOW}`, 2);
    assert.equal(r.pages, 3);
    assert.deepEqual(r.items.map((i) => i.subject).sort(), ['e0', 'e1', 'e2', 'e3', 'e4']);
    assert.ok(r.deltaLink.startsWith(`${h.sim.graphUrl}/users/`));
    assert.match(r.deltaLink, /\$deltatoken=/);
    deltaLink = r.deltaLink;
  });

  test('a round with no changes is empty', async () => {
    const r = await round(g, deltaLink, 10);
    assert.deepEqual(r.items, []);
    deltaLink = r.deltaLink;
  });

  test('changes: created and updated come whole, deleted and moved out of the window as @removed', async () => {
    const created = (await g.api(`/users/${DANIEL}/events`).post({ subject: 'new', start: at('2031-02-04', '14:00'), end: at('2031-02-04', '15:00') })) as Item;
    await g.api(`/users/${DANIEL}/events/${enc(ids.e1!)}`).patch({ subject: 'e1 renamed' });
    await g.api(`/users/${DANIEL}/events/${enc(ids.e2!)}`).delete();
    await g.api(`/users/${DANIEL}/events/${enc(ids.e3!)}`).patch({ start: at('2031-04-01', '09:00'), end: at('2031-04-01', '10:00') });
    // A person's edit in Outlook shows up like the app's own.
    h.sim.control.editAsUser(DANIEL, { op: 'update', eventId: ids.e4!, changes: { subject: 'e4 by Daniel' } });
    const r = await round(g, deltaLink, 10);
    const byId = new Map(r.items.map((i) => [i.id, i]));
    assert.equal(byId.get(created.id)?.subject, 'new');
    assert.equal(byId.get(ids.e1!)?.subject, 'e1 renamed');
    assert.equal(byId.get(ids.e4!)?.subject, 'e4 by Daniel');
    assert.deepEqual(byId.get(ids.e2!)?.['@removed'], { reason: 'deleted' });
    assert.deepEqual(byId.get(ids.e3!)?.['@removed'], { reason: 'deleted' });
    assert.equal(r.items.length, 5);
    assert.equal(byId.has(ids.e0!), false);
    deltaLink = r.deltaLink;
  });

  test('an event moved into the window arrives as new', async () => {
    await g.api(`/users/${DANIEL}/events/${enc(ids.e3!)}`).patch({ start: at('2031-02-09', '09:00'), end: at('2031-02-09', '10:00') });
    const r = await round(g, deltaLink, 10);
    assert.deepEqual(r.items.map((i) => i.id), [ids.e3]);
    deltaLink = r.deltaLink;
  });

  test('delta refuses $select, $filter and $top', async () => {
    await assert.rejects(g.api(`/users/${DANIEL}/calendarView/delta?${WINDOW}`).select('subject').get(), (e: GraphError) => e.statusCode === 400);
    await assert.rejects(g.api(`/users/${DANIEL}/calendarView/delta?${WINDOW}&$top=2`).get(), (e: GraphError) => e.statusCode === 400);
  });

  test('an expired delta token answers 410 syncStateNotFound with a Location to restart from, or 400 as configured', async () => {
    const expiredLink = deltaLink;
    assert.ok(h.sim.control.expireDeltaTokens(DANIEL) > 0);
    await assert.rejects(g.api(expiredLink).get(), (e: GraphError) => {
      assert.equal(e.statusCode, 410);
      assert.equal(e.code, 'syncStateNotFound');
      const location = e.headers?.get('location') ?? '';
      assert.match(location, /calendarView\/delta\?startDateTime=2031-02-03T00%3A00%3A00\.000Z&endDateTime=2031-02-10/);
      return true;
    });
    h.sim.control.settings.deltaTokenExpiry = 'syncStateNotFound';
    await assert.rejects(g.api(expiredLink).get(), (e: GraphError) => e.statusCode === 400 && e.code === 'syncStateNotFound');
    h.sim.control.settings.deltaTokenExpiry = '410';
    const fresh = await round(g, `/users/${DANIEL}/calendarView/delta?${WINDOW}`, 50);
    assert.equal(fresh.items.length, 5);
    assert.ok(fresh.items.every((i) => !i['@removed']));
  });
});
