import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import express from 'express';
import { loadOrCreateCa, type Ca } from '../../sandbox/ca.ts';
import { startSimulator } from '../../sandbox/listen.ts';

let dataDir: string;
let ca: Ca;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'calsync-listen-'));
  ca = await loadOrCreateCa(dataDir);
});
after(() => rm(dataDir, { recursive: true, force: true }));

function hello() {
  const app = express();
  app.get('/hello', (req, res) => {
    res.json({ hello: 'simulator', secure: (req.socket as { encrypted?: boolean }).encrypted === true });
  });
  return app;
}

/** GET over https with node's own client; resolves the status and body or rejects with the TLS error. */
function httpsGet(url: string, caPem?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      { hostname: u.hostname.replace(/^\[|\]$/g, ''), port: u.port, path: u.pathname, ca: caPem },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Whether this machine has an IPv6 loopback at all (some containers do not). */
function hasIpv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

test('an https simulator is reachable by a client that trusts the sandbox CA', async () => {
  const sim = await startSimulator(hello(), { https: true, ca });
  try {
    assert.match(sim.url, /^https:\/\/localhost:\d+$/);
    assert.equal(sim.url, `https://localhost:${sim.port}`);

    const agent = new Agent({ connect: { ca: ca.certPem } });
    const res = await fetch(`${sim.url}/hello`, { dispatcher: agent });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { hello: 'simulator', secure: true });
    await agent.close();

    const viaNode = await httpsGet(`${sim.url}/hello`, ca.certPem);
    assert.equal(viaNode.status, 200);
    // The certificate also names the loopback addresses, for clients configured with an IP.
    const viaIp = await httpsGet(`https://127.0.0.1:${sim.port}/hello`, ca.certPem);
    assert.equal(viaIp.status, 200);
    // `localhost` may resolve to ::1 first; the simulator must answer there too when the machine has it.
    const ipv6 = await hasIpv6Loopback();
    assert.equal(await canConnect('::1', sim.port), ipv6);
    if (ipv6) assert.equal((await httpsGet(`https://[::1]:${sim.port}/hello`, ca.certPem)).status, 200);
  } finally {
    await sim.close();
  }
});

test('an https simulator is refused by a client that does not trust the sandbox CA', async () => {
  const sim = await startSimulator(hello(), { https: true, ca });
  try {
    await assert.rejects(fetch(`${sim.url}/hello`), (err: Error & { cause?: { code?: string } }) => {
      assert.match(String(err.cause?.code), /CERT|SIGNATURE|SELF_SIGNED|UNABLE_TO_VERIFY/);
      return true;
    });
    await assert.rejects(httpsGet(`${sim.url}/hello`), (err: NodeJS.ErrnoException) => {
      assert.match(String(err.code), /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/);
      return true;
    });
    // Trusting some other CA is no better than trusting none.
    const stranger = await loadOrCreateCa(join(dataDir, 'stranger'));
    await assert.rejects(httpsGet(`${sim.url}/hello`, stranger.certPem));
  } finally {
    await sim.close();
  }
});

test('an http simulator answers plain http, and close() frees its port even with a keep-alive client', async () => {
  const sim = await startSimulator(hello(), { https: false });
  assert.match(sim.url, /^http:\/\/localhost:\d+$/);
  const agent = new Agent({ keepAliveTimeout: 60_000 });
  const res = await fetch(`${sim.url}/hello`, { dispatcher: agent });
  assert.deepEqual(await res.json(), { hello: 'simulator', secure: false });
  await sim.close();
  assert.equal(await canConnect('127.0.0.1', sim.port), false);
  await agent.close();
});

test('each simulator gets its own free port, and an explicit host binds only that address', async () => {
  const a = await startSimulator(hello(), { https: false });
  const b = await startSimulator(hello(), { https: true, ca });
  const c = await startSimulator(hello(), { https: false, host: '127.0.0.1' });
  try {
    assert.equal(new Set([a.port, b.port, c.port]).size, 3);
    assert.equal(c.url, `http://127.0.0.1:${c.port}`);
    assert.equal(await canConnect('127.0.0.1', c.port), true);
  } finally {
    await Promise.all([a.close(), b.close(), c.close()]);
  }
});

test('an https simulator without the CA is a programming error, said at once', async () => {
  await assert.rejects(startSimulator(hello(), { https: true }), /needs the sandbox CA/);
});
