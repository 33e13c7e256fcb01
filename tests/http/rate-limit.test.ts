// The public routes' rate limits and the cap on sign-ins under way, on a real PostgreSQL, with two
// app instances standing in for two web nodes that share it. Sign-in starts go through the real
// install route, so each allowed one really writes a pending_logins row.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { Router } from 'express';
import { createHttpApp } from '../../server/http/app.ts';
import { publicRateLimits, type PublicLimits } from '../../server/http/rate-limit.ts';
import { superOfficeInstallRouter } from '../../server/http/superoffice-install.ts';
import { createLogger } from '../../server/log.ts';
import { createKeyring } from '../../server/security/secrets.ts';
import { SuperOfficeKeys } from '../../server/superoffice/jwks.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';

const keyring = createKeyring(`k1:${Buffer.alloc(32, 3).toString('base64')}`);
const logLines: string[] = [];
let t: MigratedDatabase;
const servers: Server[] = [];

before(async () => {
  t = await migratedDatabase();
});
after(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  await t.close();
});

/** One web node: the limits, the real install routes, and stand-ins for a webhook and the panel sign-in start. */
async function node(limits: PublicLimits): Promise<string> {
  const stand = Router();
  stand.post('/webhooks/superoffice', (_req, res) => void res.json({ ok: true }));
  stand.get('/panel-auth/start', (_req, res) => void res.redirect(302, 'https://example.invalid/authorize'));
  const app = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'production' },
    log: createLogger('info', new Writable({ write: (c, _e, cb) => (logLines.push(String(c)), cb()) })),
    readiness: () => [],
    routers: [
      publicRateLimits(t.db, limits),
      superOfficeInstallRouter({
        db: t.db,
        keyring,
        keys: new SuperOfficeKeys('https://example.invalid/jwks'),
        oidc: { identityBaseUrl: 'https://sod.example.invalid', clientId: 'c', clientSecret: 's', redirectUri: 'https://app.example/superoffice/callback' },
        queue: { enqueue: async () => undefined } as never,
      }),
      stand,
    ],
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const pending = () => t.db('pending_logins').count<{ count: number }[]>('* as count').then((r) => Number(r[0]!.count));
const from = (address: string) => ({ 'x-forwarded-for': address });
const errorsLogged = () => logLines.filter((l) => l.includes('"level":50'));

test('sign-in starts are limited per address across nodes: 429 with Retry-After, and no row past the limit', async () => {
  const limits = { windowMs: 60_000, signIn: 5, public: 100, pendingLoginsMax: 1000 };
  const [a, b] = [await node(limits), await node(limits)];
  const before = await pending();
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) {
    const base = i % 2 ? b : a;
    const path = i % 3 ? '/superoffice/install?ctx=Cust12345' : '/panel-auth/start?ctx=Cust12345&assoc=5';
    statuses.push((await fetch(`${base}${path}`, { redirect: 'manual', headers: from('203.0.113.7') })).status);
  }
  assert.deepEqual(statuses, [302, 302, 302, 302, 302, 429, 429, 429]);
  const refused = await fetch(`${a}/superoffice/install`, { redirect: 'manual', headers: from('203.0.113.7') });
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.headers.get('retry-after')) > 0);
  assert.equal((await refused.json()).error, 'rate_limited');
  // Three of the five allowed starts were installs, each one row; refused ones wrote nothing.
  assert.equal(await pending(), before + 3);
  // Another address has a counter of its own.
  assert.equal((await fetch(`${b}/superoffice/install`, { redirect: 'manual', headers: from('198.51.100.20') })).status, 302);
  assert.equal(logLines.filter((l) => l.includes('rate limit reached') && l.includes('"level":40')).length, 1);
  assert.deepEqual(errorsLogged(), []);
});

test('a window that ended starts a new count', async () => {
  const a = await node({ windowMs: 60_000, signIn: 2, public: 100, pendingLoginsMax: 1000 });
  const go = () => fetch(`${a}/superoffice/install`, { redirect: 'manual', headers: from('192.0.2.44') }).then((r) => r.status);
  assert.deepEqual([await go(), await go(), await go()], [302, 302, 429]);
  await t.db('rate_limits').update({ reset_at: t.db.raw("now() - interval '1 second'") });
  assert.deepEqual([await go(), await go(), await go()], [302, 302, 429]);
});

test('callbacks have their own, more generous limit; webhooks are not limited by address', async () => {
  const a = await node({ windowMs: 60_000, signIn: 1, public: 4, pendingLoginsMax: 1000 });
  const callbacks: number[] = [];
  for (let i = 0; i < 6; i++) callbacks.push((await fetch(`${a}/superoffice/callback?state=nope`, { headers: from('192.0.2.90') })).status);
  assert.deepEqual(callbacks, [400, 400, 400, 400, 429, 429]);
  for (let i = 0; i < 12; i++) {
    const res = await fetch(`${a}/webhooks/superoffice`, { method: 'POST', headers: { ...from('192.0.2.90'), 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 200);
  }
});

test('past PENDING_LOGINS_MAX sign-ins under way, a start is a 503 too_many_sign_ins and the table stops growing', async () => {
  await t.db('pending_logins').delete();
  const a = await node({ windowMs: 60_000, signIn: 1000, public: 1000, pendingLoginsMax: 10 });
  const statuses: number[] = [];
  // One start from each of many addresses, as a botnet would: the per-address limit does not stop them, the cap does.
  for (let i = 0; i < 14; i++) {
    const res = await fetch(`${a}/superoffice/install`, { redirect: 'manual', headers: from(`10.0.${i}.1`) });
    statuses.push(res.status);
    if (res.status === 503) {
      assert.equal((await res.json()).error, 'too_many_sign_ins');
      assert.equal(res.headers.get('retry-after'), '60');
    }
  }
  assert.deepEqual(statuses, [...Array(10).fill(302), ...Array(4).fill(503)]);
  assert.equal(await pending(), 10);
  assert.deepEqual(errorsLogged(), []);
  // Expired sign-ins do not count: once they lapse, starts work again.
  await t.db('pending_logins').update({ expires_at: t.db.raw("now() - interval '1 second'") });
  assert.equal((await fetch(`${a}/superoffice/install`, { redirect: 'manual', headers: from('10.1.0.1') })).status, 302);
});
