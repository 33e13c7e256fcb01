// sandbox/router.ts over HTTP, without a browser: /sandbox/info, the shell's state document, the
// shell's files and the CA certificate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifest } from '../../manifest/manifest.ts';
import { loadOrCreateCa, type Ca } from '../../sandbox/ca.ts';
import { demoTenant, weekStart, type DemoTenant } from '../../sandbox/demo.ts';
import type { SandboxInfo } from '../../sandbox/info.ts';
import { sandboxRouter } from '../../sandbox/router.ts';
import type { ShellState } from '../../sandbox/shell/state.ts';
import { createHttpApp } from '../../server/http/app.ts';
import { createLogger } from '../../server/log.ts';

let dataDir: string;
let ca: Ca;
const servers: Server[] = [];

/** Starts the app with the sandbox router; the public URL is only known once listening, as in the app. */
async function serve(data?: () => DemoTenant, mailboxPage?: (system: string, mailbox: string) => string | null, signedIn?: (associateId: number) => void): Promise<string> {
  let app: ReturnType<typeof createHttpApp> | undefined;
  const server = createServer((req, res) => app!(req, res)).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  servers.push(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'sandbox' },
    log: createLogger('silent'),
    readiness: () => [],
    routers: [sandboxRouter({ ca, publicUrl: base, manifest: loadManifest(), data, ...(mailboxPage ? { mailboxPage } : {}), ...(signedIn ? { signedIn } : {}) })],
  });
  return base;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'manual' });
  return { status: res.status, body: (await res.json()) as T };
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'calsync-sandbox-router-'));
  ca = await loadOrCreateCa(dataDir);
});
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await rm(dataDir, { recursive: true, force: true });
});

test('GET /sandbox/info describes the sandbox: app URL, CA certificate, and the simulators still to come', async () => {
  const base = await serve();
  const { status, body } = await getJson<SandboxInfo>(`${base}/sandbox/info`);
  assert.equal(status, 200);
  assert.equal(body.mode, 'sandbox');
  assert.equal(body.appUrl, base);
  assert.equal(body.shellUrl, `${base}/sandbox`);
  assert.equal(body.caCert, ca.certPem);
  assert.match(body.caCert, /^-----BEGIN CERTIFICATE-----/);
  assert.deepEqual(body.superoffice, { tenants: [] });
  assert.equal(body.graph, null);

  const crt = await fetch(`${base}/sandbox/ca.crt`);
  assert.equal(crt.status, 200);
  assert.equal(await crt.text(), ca.certPem);
});

test('the shell state shows the administrator by default, with panel URLs from the manifest', async () => {
  const base = await serve();
  const { status, body } = await getJson<ShellState>(`${base}/sandbox/api/state`);
  assert.equal(status, 200);
  assert.equal(body.tenant.contextIdentifier, 'Cust12345');
  assert.equal(body.tenant.companyName, 'Demo Company');
  assert.equal(body.users.length, 4);
  assert.equal(body.users.filter((u) => u.isAdministrator).length, 1);
  assert.deepEqual(body.users.map((u) => u.calendarSystem).sort(), ['ews', 'google', 'graph', 'graph'].sort());
  assert.equal(body.currentUser.isAdministrator, true);
  assert.deepEqual(body.navigator.map((n) => n.key).sort(), ['admin', 'user']);
  const admin = body.navigator.find((n) => n.key === 'admin')!;
  assert.equal(admin.url, `${base}/panel/admin?ctx=Cust12345&assoc=${body.currentUser.associateId}&lang=en`);

  assert.ok(body.appointments.length >= 3);
  const monday = weekStart(new Date()).getTime();
  for (const a of body.appointments) {
    assert.equal(a.associateId, body.currentUser.associateId);
    const start = Date.parse(a.start);
    assert.ok(start >= monday && start < monday + 7 * 24 * 3600 * 1000, 'in this week');
    const u = new URL(a.panelUrl);
    assert.equal(u.origin + u.pathname, `${base}/panel/appointment`);
    assert.equal(u.searchParams.get('ctx'), 'Cust12345');
    assert.equal(u.searchParams.get('assoc'), String(body.currentUser.associateId));
    assert.equal(u.searchParams.get('appointment'), String(a.id));
    assert.ok(!a.panelUrl.includes('<'), 'no tag is left unsubstituted');
  }
});

test('another user sees only their own diary, and the admin panel as SuperOffice shows it to everyone', async () => {
  const base = await serve();
  const admin = (await getJson<ShellState>(`${base}/sandbox/api/state`)).body;
  const other = admin.users.find((u) => !u.isAdministrator && u.calendarSystem === 'google')!;
  const { body } = await getJson<ShellState>(`${base}/sandbox/api/state?as=${other.associateId}`);
  assert.equal(body.currentUser.associateId, other.associateId);
  assert.deepEqual(body.navigator.map((n) => n.key).sort(), ['admin', 'user']);
  assert.ok(body.navigator.every((n) => new URL(n.url).searchParams.get('assoc') === String(other.associateId)));
  assert.ok(body.appointments.length > 0);
  assert.ok(body.appointments.every((a) => a.associateId === other.associateId));
  const ids = new Set(admin.appointments.map((a) => a.id));
  assert.ok(body.appointments.every((a) => !ids.has(a.id)));
  // This user's language reaches <lani>.
  assert.ok(body.navigator.every((n) => new URL(n.url).searchParams.get('lang') === 'nb'));

  assert.equal((await getJson(`${base}/sandbox/api/state?as=999`)).status, 404);
  assert.equal((await getJson(`${base}/sandbox/api/state?as=abc`)).status, 400);
});

test('the shell reads its data through one function that a simulator can replace', async () => {
  const base = await serve(() => {
    const t = demoTenant();
    return { ...t, contextIdentifier: 'Cust99999', companyName: 'Simulated AS' };
  });
  const { body } = await getJson<ShellState>(`${base}/sandbox/api/state`);
  assert.equal(body.tenant.contextIdentifier, 'Cust99999');
  assert.ok(body.appointments.every((a) => new URL(a.panelUrl).searchParams.get('ctx') === 'Cust99999'));
});

test('the shell page and its files are served, and its script is a file (the CSP allows no inline script)', async () => {
  const base = await serve();
  const page = await fetch(`${base}/sandbox`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  const html = await page.text();
  assert.match(html, /<script type="module" src="\/sandbox\/shell.js"><\/script>/);
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handler');
  for (const [path, type] of [
    ['/sandbox/shell.js', /javascript/],
    ['/sandbox/shell.css', /text\/css/],
  ] as const) {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type') ?? '', type);
  }

  // The panels may be framed by 'self' only, so the shell sends a visitor to the app's own origin.
  const other = base.replace('127.0.0.1', 'localhost');
  const redirected = await fetch(`${other}/sandbox?as=6`, { redirect: 'manual' });
  assert.equal(redirected.status, 302);
  assert.equal(redirected.headers.get('location'), `${base}/sandbox?as=6`);
});

test('a user\'s calendar chip links to the simulator\'s mailbox page when a simulator offers one', async () => {
  const base = await serve(undefined, (system, mailbox) => (system === 'graph' ? `https://sim.test/control/mailbox/${mailbox}` : null));
  const ada = await getJson<ShellState & { mailboxPage: string | null }>(`${base}/sandbox/api/state?as=5`);
  assert.equal(ada.body.mailboxPage, 'https://sim.test/control/mailbox/ada.lindqvist@demo-company.example');
  const bjorn = await getJson<ShellState & { mailboxPage: string | null }>(`${base}/sandbox/api/state?as=6`);
  assert.equal(bjorn.body.mailboxPage, null, 'no simulator for Google yet');
});

test('the shell tells SuperOffice who uses it, so a panel\'s sign-in window offers that user', async () => {
  const told: number[] = [];
  const base = await serve(undefined, undefined, (id) => told.push(id));
  const post = (body: unknown) => fetch(`${base}/sandbox/api/signed-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal((await post({ associateId: 7 })).status, 204);
  assert.deepEqual(told, [7]);
  for (const bad of [{ associateId: 999 }, { associateId: 'x' }, {}]) {
    const res = await post(bad);
    assert.equal(res.status, 404, JSON.stringify(bad));
    assert.equal(((await res.json()) as { error: string }).error, 'unknown_user');
  }
  assert.deepEqual(told, [7], 'only demo users are announced');
});
