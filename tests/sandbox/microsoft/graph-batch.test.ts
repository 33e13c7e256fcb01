// JSON $batch through the Graph client: members dispatched as requests of their own, the 20-request
// limit, unique ids, dependsOn with 424 propagation, and per-member throttling with Retry-After.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { ADA, DANIEL, startMsHarness, type MsHarness } from './harness.ts';

interface Member {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: { id?: string; subject?: string; error?: { code: string }; value?: unknown[] };
}

const event = (subject: string) => ({ subject, start: { dateTime: '2031-06-02T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2031-06-02T10:00:00', timeZone: 'UTC' } });
const json = { 'Content-Type': 'application/json' };

describe('Microsoft simulator: $batch', () => {
  let h: MsHarness;
  let g: Client;
  const batch = async (requests: unknown[]) => ((await g.api('/$batch').post({ requests })) as { responses: Member[] }).responses;
  before(async () => {
    h = await startMsHarness();
    g = await h.appGraph();
  });
  beforeEach(() => {
    h.sim.control.settings.requestsPerWindow = 10_000;
    h.sim.control.resetRequestCounts();
  });
  after(() => h.close());

  test('members run as requests of their own, with their own headers, and come back by id', async () => {
    const responses = await batch([
      { id: '1', method: 'POST', url: `/users/${ADA}/events`, headers: json, body: event('from batch') },
      { id: '2', method: 'GET', url: `/users/${DANIEL}` },
      { id: '3', method: 'GET', url: `users/${ADA}/events/nope` },
      { id: '4', method: 'GET', url: '/me' },
    ]);
    const by = new Map(responses.map((r) => [r.id, r]));
    assert.equal(by.get('1')?.status, 201);
    assert.equal(by.get('1')?.body?.subject, 'from batch');
    assert.equal(by.get('2')?.status, 200);
    assert.equal(by.get('3')?.status, 404);
    assert.equal(by.get('3')?.body?.error?.code, 'ErrorItemNotFound');
    assert.equal(by.get('4')?.status, 400, '/me needs a delegated token, in a batch too');
    const counts = h.sim.control.requestCounts();
    assert.equal(counts.total, 1);
    assert.equal(counts.byEndpoint['POST /$batch'], 1);
    assert.equal(counts.batchMembers, 4);
    assert.equal(counts.byMailbox[ADA], 2);

    const created = by.get('1')!.body!;
    const etagPatch = await batch([
      { id: 'a', method: 'PATCH', url: `/users/${ADA}/events/${encodeURIComponent(created.id!)}`, headers: { ...json, 'If-Match': 'W/"stale"' }, body: { subject: 'x' } },
      { id: 'b', method: 'GET', url: `/users/${ADA}/events/${encodeURIComponent(created.id!)}`, headers: { Prefer: 'outlook.timezone="India Standard Time"' } },
    ]);
    assert.equal(etagPatch.find((r) => r.id === 'a')?.status, 412);
    assert.equal((etagPatch.find((r) => r.id === 'b')?.body as { start: { dateTime: string } }).start.dateTime, '2031-06-02T14:30:00.0000000');
  });

  test('more than 20 requests, duplicate ids, unknown dependencies and a body without Content-Type are refused', async () => {
    const gets = (n: number) => Array.from({ length: n }, (_, i) => ({ id: String(i + 1), method: 'GET', url: `/users/${ADA}` }));
    assert.equal((await batch(gets(20))).length, 20);
    await assert.rejects(batch(gets(21)), (e: GraphError) => e.statusCode === 400);
    await assert.rejects(batch([{ id: '1', method: 'GET', url: '/users' }, { id: '1', method: 'GET', url: '/users' }]), (e: GraphError) => e.statusCode === 400);
    await assert.rejects(batch([{ id: '1', method: 'GET', url: '/users', dependsOn: ['9'] }]), (e: GraphError) => e.statusCode === 400);
    await assert.rejects(batch([{ id: '1', method: 'POST', url: `/users/${ADA}/events`, body: event('x') }]), (e: GraphError) => e.statusCode === 400);
  });

  test('dependsOn runs in order; a failed dependency gives 424, which propagates down the chain', async () => {
    const responses = await batch([
      { id: '3', method: 'POST', url: `/users/${ADA}/events`, headers: json, body: event('after the failure'), dependsOn: ['2'] },
      { id: '1', method: 'GET', url: `/users/${ADA}/events/AAMkmissing` },
      { id: '2', method: 'PATCH', url: `/users/${ADA}/events/AAMkmissing`, headers: json, body: { subject: 'x' }, dependsOn: ['1'] },
      { id: '4', method: 'POST', url: `/users/${ADA}/events`, headers: json, body: event('independent'), dependsOn: [] },
    ]);
    const by = new Map(responses.map((r) => [r.id, r]));
    assert.equal(by.get('1')?.status, 404);
    assert.equal(by.get('2')?.status, 424);
    assert.equal(by.get('3')?.status, 424);
    assert.equal(by.get('4')?.status, 201);
    const ok = await batch([
      { id: '1', method: 'POST', url: `/users/${ADA}/events`, headers: json, body: event('first') },
      { id: '2', method: 'GET', url: `/users/${ADA}/events?$top=50`, dependsOn: ['1'] },
    ]);
    assert.equal(ok.find((r) => r.id === '2')?.status, 200);
  });

  test('members are throttled one by one: 429 with Retry-After inside the batch', async () => {
    h.sim.control.settings.requestsPerWindow = 3;
    const responses = await batch(Array.from({ length: 5 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: `/users/${DANIEL}/events` })));
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    const throttled = responses.find((r) => r.status === 429)!;
    assert.ok(Number(throttled.headers['retry-after']) >= 1);
    assert.equal(throttled.body?.error?.code, 'ApplicationThrottled');
    // Other mailboxes have limits of their own.
    assert.equal((await batch([{ id: '1', method: 'GET', url: `/users/${ADA}/events` }]))[0]?.status, 200);
  });
});
