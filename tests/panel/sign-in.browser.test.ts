// The panel sign-in in a real browser (Debian's chromium), as inside SuperOffice: a page on another
// site (http://localhost:…) frames the user panel of the app (http://127.0.0.1:…), the panel's
// "Sign in with SuperOffice" opens the popup, the person signs in on the simulator's page, the popup
// passes its one-time code to the framed panel and closes, the panel claims the code, and its
// /api/panel requests carry the Secure; SameSite=None; Partitioned cookie (loopback counts as a
// secure origin) that the claim's answer set.
//
// The browser keeps Debian chromium's default cookie settings: a fresh profile, third-party cookies
// blocked. The test shows they are (an unpartitioned cookie set inside the frame is dropped) and that
// the panel signs in all the same: its cookie is partitioned under the framing site.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import { chromium, type BrowserContext } from 'playwright-core';
import { build } from 'vite';
import { createHttpApp } from '../../server/http/app.ts';
import { panelApiMount, panelAuthRouter } from '../../server/http/panel-auth.ts';
import { panelsRouter } from '../../server/http/panels.ts';
import { createLogger } from '../../server/log.ts';
import { createKeyring } from '../../server/security/secrets.ts';
import { SuperOfficeKeys } from '../../server/superoffice/jwks.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, pageProblems } from '../helpers/browser.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';
import { startSuperOfficeSim, type SuperOfficeSim } from '../helpers/superoffice-sim.ts';

/** Screenshots land here for a person to look at; never in the repository. */
const SHOTS = process.env.PANEL_SCREENSHOTS ?? join(tmpdir(), 'calsync-panel-screenshots');

const listenOn = async (handler: RequestListener): Promise<{ server: Server; port: number }> => {
  const server = createServer(handler).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, port: (server.address() as AddressInfo).port };
};

let workDir: string;
let t: MigratedDatabase;
let so: SuperOfficeSim;
let appServer: Server;
let framerServer: Server;
let app: string;
let framer: string;

/** A fresh non-incognito profile with Debian chromium's default settings (no preferences written). */
async function launchProfile(dir: string): Promise<BrowserContext> {
  await mkdir(dir, { recursive: true });
  return chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    // The simulator's https certificate chains to the test's own CA, which this profile does not know.
    ignoreHTTPSErrors: true,
    viewport: { width: 900, height: 700 },
  });
}

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'calsync-signin-'));
  const outDir = join(workDir, 'client');
  await build({ configFile: fileURLToPath(new URL('../../vite.config.ts', import.meta.url)), build: { outDir, emptyOutDir: true }, logLevel: 'silent' });
  t = await migratedDatabase();
  await t.db('tenants').insert({ context_identifier: 'Cust12345', name: 'Demo Company', installation_state: 'active' });

  let handler: RequestListener = (_q, r) => r.end();
  const a = await listenOn((q, r) => handler(q, r));
  appServer = a.server;
  app = `http://127.0.0.1:${a.port}`;
  // Another site: what SuperOffice's page is to the panel in production.
  let frameHtml = '';
  const f = await listenOn((_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end(frameHtml));
  framerServer = f.server;
  framer = `http://localhost:${f.port}`;
  frameHtml = `<!doctype html><title>SuperOffice (stand-in)</title><iframe id="panel" src="${app}/panel/user?ctx=Cust12345&assoc=5" style="width:760px;height:560px"></iframe>`;

  so = await startSuperOfficeSim({ appUrl: app });
  const deps = {
    db: t.db,
    keyring: createKeyring(`k1:${Buffer.alloc(32, 3).toString('base64')}`),
    keys: new SuperOfficeKeys(`${so.sim.url}/login/.well-known/jwks`, so.fetch),
    oidc: { identityBaseUrl: so.sim.url, clientId: so.seed.app.clientId, clientSecret: so.seed.app.clientSecret, redirectUri: `${app}/superoffice/callback` },
    publicUrl: app,
    fetch: so.fetch,
  };
  // The user panel's own route, answering as for a user not linked yet (docs/panel-api.md): this test
  // is about the sign-in in front of it.
  const meStub = Router().get('/me', (_req, res) => res.json({ link: null, recent: [], settings: null }));
  // The probe: an ordinary SameSite=None cookie, set in answer to the frame's own request like the
  // session's, but not partitioned. A browser that blocks third-party cookies drops it.
  const probe = Router().get('/test/probe-cookie', (_req, res) => {
    res.cookie('probe', '1', { path: '/', secure: true, sameSite: 'none' }).status(204).end();
  });
  handler = createHttpApp({
    config: { frameAncestors: ["'self'", framer], BODY_LIMIT: '1mb', mode: 'sandbox' },
    log: createLogger('silent'),
    readiness: () => [],
    routers: [panelsRouter(outDir), panelAuthRouter(deps), panelApiMount(deps, meStub), probe],
  }) as unknown as RequestListener;
});

after(async () => {
  for (const s of [appServer, framerServer]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await so.close();
  await t.close();
  await rm(workDir, { recursive: true, force: true });
});

test('a panel framed by another site signs in through the popup and then reaches /api/panel with its cookie, third-party cookies blocked', async () => {
  const context = await launchProfile(join(workDir, 'profile'));
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = pageProblems(page);
  try {
    await page.goto(`${framer}/`);
    const panel = page.frameLocator('#panel');
    await panel.locator('[data-gate]').waitFor();
    const framed = page.frames().find((fr) => fr.url().startsWith(`${app}/panel/user`));
    assert.ok(framed, 'the framed panel');
    assert.equal(await framed.evaluate(async () => (await fetch('/test/probe-cookie')).status), 204);
    assert.deepEqual(
      (await context.cookies(app)).filter((c) => c.name === 'probe'),
      [],
      'this browser blocks third-party cookies: the unpartitioned cookie set inside the frame was dropped',
    );
    // What the popup posts to the panel, kept to look at once signed in.
    await framed.evaluate(() => {
      const seen: unknown[] = [];
      (window as unknown as { seenMessages: unknown[] }).seenMessages = seen;
      window.addEventListener('message', (e) => seen.push(e.data));
    });

    const signIn = panel.getByRole('button', { name: 'Sign in with SuperOffice' });
    await signIn.waitFor();
    await page.screenshot({ path: join(SHOTS, 'panel-sign-in.png') });

    const [popup] = await Promise.all([page.waitForEvent('popup'), signIn.click()]);
    await popup.waitForURL(`${so.sim.url}/**`);
    assert.deepEqual(await popup.locator('input[name="user"]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value)), [
      'Cust12345:5',
      'Cust12345:6',
      'Cust12345:7',
      'Cust12345:8',
    ], 'the sign-in page offers the panel\'s tenant only');
    await popup.locator('input[value="Cust12345:5"]').check();
    await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'I approve' }).click()]);

    // The panel claimed the popup's code and asked again: the gate is gone.
    await panel.locator('[data-gate]').waitFor({ state: 'detached' });
    const frame = page.frames().find((fr) => fr.url().startsWith(`${app}/panel/user`));
    assert.ok(frame, 'the framed panel');
    const status = await frame.evaluate(async () => {
      const res = await fetch('/api/panel/session', { headers: { 'x-panel-context': 'Cust12345', 'x-panel-associate': '5' }, credentials: 'include' });
      return { status: res.status, body: (await res.json()) as { contextIdentifier: string; associateId: number; isAdministrator: boolean } };
    });
    assert.equal(status.status, 200);
    assert.deepEqual(
      { ctx: status.body.contextIdentifier, assoc: status.body.associateId, admin: status.body.isAdministrator },
      { ctx: 'Cust12345', assoc: 5, admin: true },
    );
    const sessionCookies = (await context.cookies(app)).filter((c) => c.name === 'cs_session_Cust12345');
    assert.equal(sessionCookies.length, 1, 'the browser kept the session cookie, once');
    const cookie = sessionCookies[0]!;
    assert.deepEqual(
      { secure: cookie.secure, httpOnly: cookie.httpOnly, sameSite: cookie.sameSite, partitionKey: cookie.partitionKey },
      { secure: true, httpOnly: true, sameSite: 'None', partitionKey: 'http://localhost' },
      'kept in the framing site\'s partition',
    );
    // The token never reached a script: the panel's document sees no cookie, and the popup's one
    // message carried a one-time code, not the token, and that code is used up.
    assert.equal(await frame.evaluate(() => document.cookie), '');
    const messages = (await frame.evaluate(() => (window as unknown as { seenMessages: unknown[] }).seenMessages)) as Array<Record<string, unknown>>;
    assert.equal(messages.length, 1, JSON.stringify(messages));
    const { code, ...rest } = messages[0]!;
    assert.deepEqual(rest, { source: 'calendar-sync', type: 'signed-in', message: 'You are signed in to Calendar Sync for Demo Company.' });
    assert.match(String(code), /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(code, cookie.value);
    const again = await frame.evaluate(async (c) => {
      const res = await fetch('/panel-auth/claim', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-panel-context': 'Cust12345', 'x-panel-associate': '5' },
        body: JSON.stringify({ code: c }),
      });
      return { status: res.status, body: (await res.json()) as { error: string } };
    }, code);
    assert.deepEqual([again.status, again.body.error], [400, 'invalid_code'], 'the code works once');
    await page.screenshot({ path: join(SHOTS, 'panel-signed-in.png') });

    // The first look at the session, before signing in, is the one expected 401; the replayed claim the one 400.
    const unexpected = problems.filter((p) => !(/\b401\b/.test(p) && /session|Failed to load resource/.test(p)) && !(/\b400\b/.test(p) && /claim|Failed to load resource/.test(p)));
    assert.deepEqual(unexpected, []);
  } finally {
    await context.close();
  }
});
