// The app as a newcomer and an operator meet it: a real `server/main.ts` process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTcpServer, connect } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import pg from 'pg';
import { Agent, fetch as undiciFetch } from 'undici';
import { createTestDatabase } from '../helpers/db.ts';
import { startAppProcess, waitForStatus } from '../helpers/app-process.ts';
import { freePort } from '../../server/net/free-port.ts';

const READY = /sandbox is ready: open (http:\/\/\S+)\/sandbox/;

test('a production RSA key that is not a key stops the start with exit code 2, naming the problem', async () => {
  const tdb = await createTestDatabase();
  try {
    const app = startAppProcess({
      PORT: '0',
      DATABASE_URL: tdb.url,
      PUBLIC_URL: 'https://sync.example.com',
      SECRET_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      SUPEROFFICE_ENVIRONMENT: 'sod',
      SUPEROFFICE_CLIENT_ID: 'test-client',
      SUPEROFFICE_CLIENT_SECRET: 'test-secret',
      SUPEROFFICE_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----',
    });
    assert.equal((await app.exited).code, 2, app.output());
    assert.match(app.output(), /Invalid configuration:[\s\S]*neither a PEM private key nor an RSA XML key/);
    assert.ok(!app.output().includes('not a key\n'));
  } finally {
    await tdb.drop();
  }
});

test('a half-given production configuration exits with code 2 and lists every bad variable', async () => {
  const app = startAppProcess({ SUPEROFFICE_CLIENT_ID: 'abc', PORT: 'x', DATABASE_URL: '' });
  const { code } = await app.exited;
  assert.equal(code, 2);
  const out = app.output();
  assert.match(out, /Invalid configuration/);
  for (const v of ['PORT', 'PUBLIC_URL', 'DATABASE_URL', 'SECRET_KEY', 'SUPEROFFICE_CLIENT_SECRET']) assert.match(out, new RegExp(`- ${v}:`));
  assert.ok(!/sandbox is ready/.test(out));
});

test('a port in use gives one line naming the port and PORT', async () => {
  const blocker = createHttpServer().listen(0, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  const port = (blocker.address() as { port: number }).port;
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-'));
  const tdb = await createTestDatabase();
  try {
    const app = startAppProcess({ PORT: String(port), DATABASE_URL: tdb.url, DATA_DIR: dataDir });
    const { code } = await app.exited;
    assert.equal(code, 1);
    const lines = app.output().trim().split('\n').filter((l) => l.includes('in use'));
    assert.equal(lines.length, 1, app.output());
    assert.match(lines[0]!, new RegExp(`Port ${port} .*set PORT`));
  } finally {
    blocker.close();
    await tdb.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the sandbox starts on a given database, serves its pages and stops cleanly on SIGTERM', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-'));
  const tdb = await createTestDatabase();
  const app = startAppProcess({ PORT: '0', DATABASE_URL: tdb.url, DATA_DIR: dataDir });
  try {
    const [, url] = await app.waitFor(READY);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    const shell = await fetch(`${url}/sandbox`);
    assert.equal(shell.status, 200);
    assert.match(shell.headers.get('content-type') ?? '', /text\/html/);
    const info = await (await fetch(`${url}/sandbox/info`)).json();
    assert.match(info.caCert, /BEGIN CERTIFICATE/);
    // The SuperOffice simulator's demo tenant, with a ticket that works on its API as it is.
    const [so] = info.superoffice.tenants;
    assert.equal(so.contextIdentifier, 'Cust12345');
    assert.match(so.webApiUrl, /^https:\/\/localhost:\d+\/sod\d+\/Cust12345\/api\/$/);
    assert.ok(so.users.length >= 4 && so.users.some((u: { isAdministrator: boolean }) => u.isAdministrator));
    const trusting = new Agent({ connect: { ca: info.caCert } });
    try {
      const principal = await undiciFetch(`${so.webApiUrl}v1/User/currentPrincipal`, {
        headers: { authorization: `SOTicket ${so.ticket}`, 'so-apptoken': so.appToken, accept: 'application/json' },
        dispatcher: trusting,
      });
      assert.equal(principal.status, 200);
      // Its worker then provisioned the tenant in the simulator: the manifest's three web panels.
      const deadline = Date.now() + 60_000;
      let panels: Array<{ ProgId: string }> = [];
      while (panels.length < 3 && Date.now() < deadline) {
        const res = await undiciFetch(`${so.webApiUrl}v1/Agents/List/GetAppWebPanels`, {
          method: 'POST',
          headers: { authorization: `SOTicket ${so.ticket}`, 'so-apptoken': so.appToken, accept: 'application/json', 'content-type': 'application/json' },
          body: '{}',
          dispatcher: trusting,
        });
        panels = (await res.json()) as Array<{ ProgId: string }>;
        if (panels.length < 3) await new Promise((r) => setTimeout(r, 250));
      }
      assert.deepEqual(panels.map((p) => p.ProgId).sort(), ['CalendarSync.AdminPanel', 'CalendarSync.AppointmentPanel', 'CalendarSync.UserPanel']);
    } finally {
      await trusting.close();
    }
    // The sandbox installed the app for its demo tenant through the consent flow.
    const c = new pg.Client({ connectionString: tdb.url });
    await c.connect();
    try {
      const { rows } = await c.query("select installation_state from tenants where context_identifier = 'Cust12345'");
      assert.deepEqual(rows, [{ installation_state: 'active' }]);
    } finally {
      await c.end();
    }
    const missing = await fetch(`${url}/no-such-route`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error, 'not_found');
    // The sandbox generated its secret key, readable by the owner only.
    assert.ok(existsSync(join(dataDir, 'secret-key')));
    const { code } = await app.stop('SIGTERM');
    assert.equal(code, 0, app.output());
  } finally {
    await app.stop('SIGKILL');
    await tdb.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a database that is down at start is retried; /readyz says 503 until it answers', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-'));
  const tdb = await createTestDatabase();
  const target = new URL(tdb.url);
  const gatePort = await freePort();
  const viaGate = new URL(tdb.url);
  viaGate.hostname = '127.0.0.1';
  viaGate.port = String(gatePort);
  const appPort = await freePort();
  const app = startAppProcess({ PORT: String(appPort), DATABASE_URL: viaGate.toString(), DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  // A TCP relay standing in for the database coming up late.
  const gate = createTcpServer((sock) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sock.pipe(upstream).pipe(sock);
    upstream.on('error', () => sock.destroy());
    sock.on('error', () => upstream.destroy());
  });
  try {
    await waitForStatus(`http://127.0.0.1:${appPort}/readyz`, 503, app);
    await app.waitFor(/database not reachable.*retrying in \d+ ms/);
    const body = await (await fetch(`http://127.0.0.1:${appPort}/readyz`)).json();
    assert.equal(body.status, 'not_ready');
    gate.listen(gatePort, '127.0.0.1');
    await waitForStatus(`http://127.0.0.1:${appPort}/readyz`, 200, app);
    await app.waitFor(READY);
  } finally {
    await app.stop('SIGTERM');
    await new Promise<void>((r) => gate.close(() => r()));
    await tdb.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('without DATABASE_URL the sandbox runs an embedded PostgreSQL in DATA_DIR and stops it on exit', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-'));
  // mkdtemp makes the folder 0700; as root, postgres runs as its own user and must reach inside.
  chmodSync(dataDir, 0o755);
  const env = { PORT: '0', DATA_DIR: dataDir, DATABASE_URL: '' };
  try {
    const first = startAppProcess(env);
    const [, url] = await first.waitFor(READY);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    assert.ok(existsSync(join(dataDir, 'postgres', 'PG_VERSION')));
    assert.equal((await first.stop('SIGINT')).code, 0, first.output());
    assert.ok(!existsSync(join(dataDir, 'postgres', 'postmaster.pid')), 'postgres still running after exit');
    // A second start reuses the same data folder.
    const second = startAppProcess(env);
    const [, url2] = await second.waitFor(READY);
    assert.equal((await fetch(`${url2}/readyz`)).status, 200);
    assert.equal((await second.stop('SIGTERM')).code, 0, second.output());
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('in production the sandbox routes do not exist and only SuperOffice hosts may frame the panels', async () => {
  const tdb = await createTestDatabase();
  const port = await freePort();
  const app = startAppProcess({
    PORT: String(port),
    DATABASE_URL: tdb.url,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SECRET_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    SUPEROFFICE_ENVIRONMENT: 'sod',
    SUPEROFFICE_CLIENT_ID: 'test-client',
    SUPEROFFICE_CLIENT_SECRET: 'test-secret',
    SUPEROFFICE_PRIVATE_KEY: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  });
  try {
    const ready = await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, app);
    assert.match(ready.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const panel = await fetch(`http://127.0.0.1:${port}/panel/user?ctx=Cust12345&assoc=5`);
    assert.match(panel.headers.get('content-security-policy') ?? '', /frame-ancestors https:\/\/sod\.superoffice\.com https:\/\/\*\.superoffice\.com/);
    assert.ok(ready.headers.get('strict-transport-security'));
    for (const path of ['/sandbox', '/sandbox/info', '/sandbox/ca.crt']) {
      assert.equal((await fetch(`http://127.0.0.1:${port}${path}`)).status, 404, path);
    }
    // Production logs are JSON lines on stdout, and no secret is among them.
    const out = app.output();
    assert.match(out, /"msg":"ready"/);
    assert.ok(!out.includes('test-secret'));
    assert.equal((await app.stop('SIGTERM')).code, 0, app.output());
  } finally {
    await app.stop('SIGKILL');
    await tdb.drop();
  }
});

test('--role web serves the app without running jobs; --role worker runs jobs and serves only health', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-'));
  const tdb = await createTestDatabase();
  const [webPort, workerPort] = [await freePort(), await freePort()];
  const env = { DATABASE_URL: tdb.url, DATA_DIR: dataDir };
  const web = startAppProcess({ ...env, PORT: String(webPort) }, ['--role', 'web']);
  const worker = startAppProcess({ ...env, PORT: String(workerPort) }, ['--role=worker']);
  try {
    await waitForStatus(`http://127.0.0.1:${webPort}/readyz`, 200, web);
    await waitForStatus(`http://127.0.0.1:${workerPort}/readyz`, 200, worker);
    assert.equal((await fetch(`http://127.0.0.1:${webPort}/sandbox`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${workerPort}/sandbox`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${workerPort}/panel/user`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${workerPort}/metrics`)).status, 200);
    // Only the worker registered a job worker (its heartbeat); the web node enqueues only.
    const c = new pg.Client({ connectionString: tdb.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ pid: number }>('select pid from worker_heartbeats');
      assert.deepEqual(rows.map((r) => r.pid), [worker.child.pid]);
    } finally {
      await c.end();
    }
    assert.equal((await web.stop('SIGTERM')).code, 0, web.output());
    assert.equal((await worker.stop('SIGTERM')).code, 0, worker.output());
  } finally {
    await web.stop('SIGKILL');
    await worker.stop('SIGKILL');
    await tdb.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
