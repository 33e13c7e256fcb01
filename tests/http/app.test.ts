import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { Router } from 'express';
import { createHttpApp } from '../../server/http/app.ts';
import { HttpError } from '../../server/http/errors.ts';
import { createLogger } from '../../server/log.ts';

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    lines.push(String(chunk));
    cb();
  },
});
let dbOk = false;
let server: Server;
let base: string;
const METRICS_TOKEN = 'metrics-token-4f9a1c0e7b';
const scrape = { authorization: `Bearer ${METRICS_TOKEN}` };

/** Another app with the same routes and another configuration; closed with the test. */
async function serve(config: Parameters<typeof createHttpApp>[0]['config'], t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const other = createHttpApp({ config, log: createLogger('silent'), readiness: () => [] }).listen(0, '127.0.0.1');
  await new Promise((r) => other.once('listening', r));
  t.after(() => new Promise<void>((r) => other.close(() => r())));
  return `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
}

before(async () => {
  const r = Router();
  r.post('/echo', (req, res) => {
    res.json(req.body);
  });
  r.get('/boom', () => {
    throw new Error('secret internal detail at /srv/app.ts:12');
  });
  r.get('/teapot', () => {
    throw new HttpError(418, 'teapot', 'I am a teapot.');
  });
  const app = createHttpApp({
    config: { frameAncestors: ['https://online.superoffice.com'], BODY_LIMIT: '1kb', mode: 'production', METRICS_TOKEN },
    log: createLogger('info', sink),
    readiness: () => [
      { name: 'database', check: async () => (dbOk ? { ok: true } : { ok: false, detail: 'connection refused' }) },
    ],
    routers: [r],
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

test('CSP frame-ancestors names the configured hosts on the panels and X-Frame-Options is absent', async () => {
  const res = await fetch(`${base}/panel/user?ctx=Cust12345&assoc=5`);
  assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors https:\/\/online\.superoffice\.com/);
  assert.equal(res.headers.get('x-frame-options'), null);
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(health.headers.get('x-powered-by'), null);
});

test('in production nothing but the panels may be framed; the sandbox keeps its own frames', async (t) => {
  for (const path of ['/healthz', '/panel-auth/start', '/superoffice/install', '/panelx', '/']) {
    const csp = (await fetch(`${base}${path}`)).headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.doesNotMatch(csp, /superoffice\.com/, path);
  }
  assert.match((await fetch(`${base}/panel/admin`)).headers.get('content-security-policy') ?? '', /frame-ancestors https:\/\/online\.superoffice\.com;/);
  const sandbox = await serve({ frameAncestors: ["'self'"], BODY_LIMIT: '1kb', mode: 'sandbox' }, t);
  assert.match((await fetch(`${sandbox}/healthz`)).headers.get('content-security-policy') ?? '', /frame-ancestors 'self'/);
});

test('unknown routes answer a JSON 404 with the request id', async () => {
  const res = await fetch(`${base}/nope`, { headers: { 'x-request-id': 'req-12345678' } });
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('x-request-id'), 'req-12345678');
  assert.deepEqual(await res.json(), { error: 'not_found', message: 'No route for GET /nope', requestId: 'req-12345678' });
});

test('a body over the limit gets 413, malformed JSON 400, both as JSON', async () => {
  const big = await fetch(`${base}/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ x: 'a'.repeat(5000) }),
  });
  assert.equal(big.status, 413);
  assert.equal((await big.json()).error, 'payload_too_large');
  const bad = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error, 'malformed_json');
  const ok = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
  assert.deepEqual(await ok.json(), { a: 1 });
});

test('a body that does not match its Content-Encoding is a 400, logged at warn, not a 500', async () => {
  for (const encoding of ['gzip', 'deflate', 'br']) {
    const res = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': encoding, 'x-request-id': `req-enc-${encoding}` },
      body: '{"a":1}',
    });
    assert.equal(res.status, 400, encoding);
    assert.equal((await res.json()).error, 'bad_request');
    const logged = lines.filter((l) => l.includes(`req-enc-${encoding}`));
    assert.ok(logged.length > 0);
    assert.ok(logged.every((l) => !l.includes('"level":50')), `${encoding} logged at error level`);
  }
});

test('an unexpected error answers 500 without stack or internal message, and is logged', async () => {
  const res = await fetch(`${base}/boom`);
  assert.equal(res.status, 500);
  const text = await res.text();
  assert.ok(!text.includes('secret internal detail'), text);
  assert.ok(!text.includes('.ts:'), text);
  const body = JSON.parse(text);
  assert.equal(body.error, 'internal_error');
  assert.ok(body.requestId);
  assert.ok(lines.some((l) => l.includes('secret internal detail') && l.includes(body.requestId)), 'error not logged with its request id');
  const tea = await fetch(`${base}/teapot`);
  assert.equal(tea.status, 418);
  assert.deepEqual((await tea.json()).message, 'I am a teapot.');
});

test('/readyz answers 503 until its checks pass, then 200; why a check failed goes to the log only', async () => {
  dbOk = false;
  const down = await fetch(`${base}/readyz`, { headers: { 'x-request-id': 'req-readyz-1' } });
  assert.equal(down.status, 503);
  const text = await down.text();
  assert.deepEqual(JSON.parse(text).checks, [{ name: 'database', ok: false }]);
  assert.ok(!text.includes('connection refused'), text);
  const logged = lines.find((l) => l.includes('req-readyz-1') && l.includes('"msg":"not ready"'));
  assert.ok(logged?.includes('connection refused'), 'the failing check\'s detail is not in the log');
  assert.ok(logged?.includes('"level":40'), 'not logged at warn');
  dbOk = true;
  const up = await fetch(`${base}/readyz`);
  assert.equal(up.status, 200);
  assert.deepEqual((await up.json()).checks, [{ name: 'database', ok: true }]);
});

test('/metrics needs the configured bearer token; production without one has no /metrics; the sandbox keeps it open', async (t) => {
  assert.equal((await fetch(`${base}/metrics`)).status, 401);
  assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer not-the-token' } })).status, 401);
  const off = await serve({ frameAncestors: ["'self'"], BODY_LIMIT: '1kb', mode: 'production' }, t);
  const none = await fetch(`${off}/metrics`, { headers: scrape });
  assert.equal(none.status, 404);
  assert.equal((await none.json()).error, 'not_found');
  const sandbox = await serve({ frameAncestors: ["'self'"], BODY_LIMIT: '1kb', mode: 'sandbox' }, t);
  assert.match(await (await fetch(`${sandbox}/metrics`)).text(), /process_cpu_seconds_total/);
});

test('/metrics serves Prometheus text with the HTTP histogram by route pattern', async () => {
  await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const res = await fetch(`${base}/metrics`, { headers: scrape });
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  assert.match(text, /http_request_duration_seconds_count\{method="POST",route="\/echo",status="200"\} \d+/);
  assert.match(text, /process_cpu_seconds_total/);
});

test('request logs carry the request id, never query strings or credentials', async () => {
  await fetch(`${base}/echo?code=supersecretcode`, {
    method: 'POST',
    headers: { authorization: 'Bearer topsecrettoken', cookie: 'sid=cookievalue', 'content-type': 'application/json' },
    body: '{}',
  });
  const log = lines.join('');
  assert.ok(log.includes('"path":"/echo"'));
  for (const s of ['supersecretcode', 'topsecrettoken', 'cookievalue']) assert.ok(!log.includes(s), `${s} leaked into the log`);
});
