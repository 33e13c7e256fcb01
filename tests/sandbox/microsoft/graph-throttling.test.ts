// Throttling as Outlook applies it per (app, mailbox), the Graph client's RetryHandler against
// injected 503/504/429, the latency knob and the request counts the benchmark reads.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@microsoft/microsoft-graph-client';
import { ADA, DANIEL, GRAPH_DEFAULT, startMsHarness, type MsHarness } from './harness.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('Microsoft simulator: throttling, faults, latency, counts', () => {
  let h: MsHarness;
  let g: Client;
  let token: string;
  const raw = (path: string) => h.call(`${h.sim.graphUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  before(async () => {
    h = await startMsHarness();
    g = await h.appGraph();
    token = (await h.cca().acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }))!.accessToken;
  });
  beforeEach(() => {
    h.sim.control.resetRequestCounts();
    h.sim.control.clearFaults();
    h.sim.control.setLatency(0);
    h.sim.control.settings.requestsPerWindow = 10_000;
  });
  after(() => h.close());

  test('a fifth concurrent request against a mailbox gets 429 with Retry-After; other mailboxes are not affected', async () => {
    const release = h.sim.control.pause();
    const held = Array.from({ length: 4 }, () => raw(`/users/${ADA}/events`));
    while (h.sim.control.inFlight(ADA) < 4) await tick();
    const fifth = await raw(`/users/${ADA}/calendars`);
    assert.equal(fifth.status, 429);
    assert.ok(Number(fifth.headers.get('retry-after')) >= 1);
    assert.equal(((await fifth.json()) as { error: { code: string } }).error.code, 'ApplicationThrottled');
    const daniel = raw(`/users/${DANIEL}/events`);
    while (h.sim.control.inFlight(DANIEL) < 1) await tick();
    release();
    assert.deepEqual((await Promise.all(held)).map((r) => r.status), [200, 200, 200, 200]);
    assert.equal((await daniel).status, 200);
    assert.equal((await raw(`/users/${ADA}/events`)).status, 200, 'the slot frees when a request ends');
  });

  test('more than the window allows gets 429 with the time until the oldest request leaves the window', async () => {
    h.sim.control.settings.requestsPerWindow = 5;
    for (let i = 0; i < 5; i++) assert.equal((await raw(`/users/${DANIEL}/events`)).status, 200);
    const over = await raw(`/users/${DANIEL}/events`);
    assert.equal(over.status, 429);
    const retryAfter = Number(over.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 600, `Retry-After ${retryAfter}`);
    assert.equal((await raw(`/users/${ADA}/events`)).status, 200);
  });

  test("the Graph client's RetryHandler retries injected 503, 504 and 429 and sends Retry-Attempt", async () => {
    h.sim.control.injectFaults({ status: 503, count: 2, retryAfterS: 0, user: ADA });
    const page = (await g.api(`/users/${ADA}/events`).get()) as { value: unknown[] };
    assert.ok(Array.isArray(page.value));
    const log = h.sim.control.recentRequests().filter((r) => r.endpoint === 'GET /users/:user/events');
    assert.deepEqual(log.map((r) => [r.status, r.retryAttempt]), [[503, null], [503, 1], [200, 2]]);
    h.sim.control.injectFaults({ status: 504, count: 1, retryAfterS: 0 });
    h.sim.control.injectFaults({ status: 429, count: 1, retryAfterS: 0 });
    assert.ok(await g.api(`/users/${DANIEL}`).get());
    assert.deepEqual(h.sim.control.recentRequests().filter((r) => r.endpoint === 'GET /users/:user').map((r) => r.status), [504, 429, 200]);
    // Beyond its retries (3) the client gives up with the service's error.
    h.sim.control.injectFaults({ status: 503, count: 4, retryAfterS: 0 });
    await assert.rejects(g.api(`/users/${DANIEL}`).get(), (e: { statusCode?: number }) => e.statusCode === 503);
  });

  test('the latency knob delays every Graph request', async () => {
    h.sim.control.setLatency(80);
    const started = performance.now();
    await g.api(`/users/${ADA}/calendars`).get();
    assert.ok(performance.now() - started >= 80, 'the answer waited for the latency');
    h.sim.control.setLatency(0);
  });

  test('requests are counted in all, per endpoint and per mailbox', async () => {
    await g.api(`/users/${ADA}/events`).get();
    await g.api(`/users/${ADA}/events`).get();
    await g.api(`/users/${ADA}/calendarView`).query({ startDateTime: '2031-01-01T00:00:00Z', endDateTime: '2031-01-02T00:00:00Z' }).get();
    await g.api(`/users/${DANIEL}/calendars`).get();
    await g.api('/users').get();
    const counts = h.sim.control.requestCounts();
    assert.equal(counts.total, 5);
    assert.deepEqual(counts.byMailbox, { [ADA]: 3, [DANIEL]: 1 });
    assert.equal(counts.byEndpoint['GET /users/:user/events'], 2);
    assert.equal(counts.byEndpoint['GET /users/:user/calendarView'], 1);
    assert.equal(counts.byEndpoint['GET /users'], 1);
    h.sim.control.resetRequestCounts();
    assert.equal(h.sim.control.requestCounts().total, 0);
  });
});
