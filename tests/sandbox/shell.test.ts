// The SuperOffice shell in a real browser, served by the app's own HTTP stack (helmet's CSP included):
// navigator, diary, the appointment dialog's web-panel tab framing the appointment panel with the tags
// filled in, the navigator panels, and switching the demo user. Nobody signs in here, so every framed
// panel shows its sign-in gate (/api/panel answers 401 signed_out); signing in and the panels behind
// the gate are tests/panel/*.browser.test.ts's, against the real sandbox process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { loadManifest } from '../../manifest/manifest.ts';
import { loadOrCreateCa } from '../../sandbox/ca.ts';
import { sandboxRouter } from '../../sandbox/router.ts';
import type { ShellState } from '../../sandbox/shell/state.ts';
import { createHttpApp } from '../../server/http/app.ts';
import { panelApiMount } from '../../server/http/panel-auth.ts';
import { panelsRouter } from '../../server/http/panels.ts';
import { createLogger } from '../../server/log.ts';
import { createKeyring } from '../../server/security/secrets.ts';
import { launchBrowser, pageProblems } from '../helpers/browser.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';

/** Screenshots land here for a person to look at; never in the repository. */
const SHOTS = process.env.SHELL_SCREENSHOTS ?? join(tmpdir(), 'calsync-shell-screenshots');

let workDir: string;
let server: Server;
let base: string;
let browser: Browser;
let t: MigratedDatabase;

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'calsync-shell-'));
  const outDir = join(workDir, 'client');
  await build({
    configFile: fileURLToPath(new URL('../../vite.config.ts', import.meta.url)),
    build: { outDir, emptyOutDir: true },
    logLevel: 'silent',
  });
  const ca = await loadOrCreateCa(workDir);
  t = await migratedDatabase();
  let app: ReturnType<typeof createHttpApp> | undefined;
  server = createServer((req, res) => app!(req, res)).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'sandbox' },
    log: createLogger('silent'),
    readiness: () => [],
    routers: [
      panelsRouter(outDir),
      // The session check in front of /api/panel, with no routes behind it: nobody here has a session.
      panelApiMount({ db: t.db, keyring: createKeyring(`k1:${Buffer.alloc(32, 7).toString('base64')}`), publicUrl: base }, Router()),
      sandboxRouter({ ca, publicUrl: base, manifest: loadManifest() }),
    ],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await t?.close();
  await rm(workDir, { recursive: true, force: true });
});

async function stateFor(associateId?: number): Promise<ShellState> {
  const res = await fetch(`${base}/sandbox/api/state${associateId === undefined ? '' : `?as=${associateId}`}`);
  assert.equal(res.status, 200);
  return (await res.json()) as ShellState;
}

async function openShell(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems = pageProblems(page);
  await page.goto(`${base}/sandbox`);
  await page.locator('body.ready').waitFor();
  return { page, problems };
}

/** The framed panel's sign-in gate: every panel asks who is there before it shows anything. */
async function signInGate(page: Page, frameSelector: string) {
  const frame = page.frameLocator(frameSelector);
  await frame.locator('[data-gate] [data-action="sign-in"]').waitFor();
  return {
    title: (await frame.locator('[data-gate] .panel-title').textContent())?.trim(),
    button: (await frame.locator('[data-action="sign-in"]').textContent())?.trim(),
  };
}

const SIGN_IN_GATE = { title: 'Sign in to Calendar Sync', button: 'Sign in with SuperOffice' };

/** Problems other than the panels' expected 401 from GET /api/panel/session (nobody is signed in here). */
const unexpected = (problems: string[]) =>
  problems.filter((p) => !(/^HTTP 401: .*\/api\/panel\/session$/.test(p) || /^console error: Failed to load resource: .* 401 /.test(p)));

test('the shell shows the navigator and the administrator’s diary for this week', async () => {
  const admin = await stateFor();
  const { page, problems } = await openShell();
  try {
    assert.equal(await page.locator('#nav-diary').textContent().then((t) => t?.trim()), 'Diary');
    assert.ok(await page.locator('#nav-diary').evaluate((b) => b.classList.contains('active')));
    const panelButtons = await page.locator('#nav-panels button').allTextContents();
    assert.deepEqual(panelButtons.map((t) => t.trim()).sort(), ['Calendar Sync', 'Calendar Sync admin']);
    assert.match((await page.locator('#tenant').textContent()) ?? '', /Demo Company · Cust12345/);
    assert.equal(await page.locator('#user-switcher').inputValue(), String(admin.currentUser.associateId));
    assert.equal(await page.locator('#user-switcher option').count(), 4);

    assert.match((await page.locator('#diary-title').textContent()) ?? '', new RegExp(admin.currentUser.name));
    assert.match((await page.locator('#diary-sub').textContent()) ?? '', /^Week \d+ · /);
    const titles = await page.locator('.appointment-title').allTextContents();
    assert.deepEqual(titles, admin.appointments.map((a) => a.title));
    assert.ok((await page.locator('.day').count()) >= 5, 'Monday to Friday at least');
    await page.screenshot({ path: join(SHOTS, 'shell-diary.png') });
    assert.deepEqual(unexpected(problems), []);
  } finally {
    await page.close();
  }
});

test('an appointment opens the dialog whose Calendar Sync tab frames the appointment panel with the tags filled in', async () => {
  const admin = await stateFor();
  const appt = admin.appointments[1]!;
  const { page, problems } = await openShell();
  try {
    await page.locator('.appointment', { hasText: appt.title }).click();
    const dialog = page.locator('#appointment-dialog');
    await dialog.waitFor();
    assert.equal(await page.locator('#dialog-title').textContent(), appt.title);
    assert.match((await page.locator('#appointment-details').textContent()) ?? '', new RegExp(appt.companyName));
    assert.equal(await page.locator('#appointment-frame').getAttribute('src'), null, 'the panel loads with its tab');

    await page.locator('#tab-webpanel').click();
    assert.equal((await page.locator('#tab-webpanel').textContent())?.trim(), 'Calendar Sync');
    const src = await page.locator('#appointment-frame').getAttribute('src');
    assert.ok(src);
    const url = new URL(src);
    assert.equal(`${url.origin}${url.pathname}`, `${base}/panel/appointment`);
    assert.equal(url.searchParams.get('ctx'), 'Cust12345');
    assert.equal(url.searchParams.get('assoc'), String(admin.currentUser.associateId));
    assert.equal(url.searchParams.get('appointment'), String(appt.id));
    assert.equal(url.searchParams.get('lang'), 'en');
    assert.ok(!src.includes('<') && !src.includes('%3C'), 'no tag left unsubstituted');
    assert.equal(await page.locator('#appointment-frame-url').textContent(), src);

    // Inside the frame: the real appointment panel, asking who is there first.
    assert.deepEqual(await signInGate(page, '#appointment-frame'), SIGN_IN_GATE);
    await page.screenshot({ path: join(SHOTS, 'shell-appointment-dialog.png') });

    await page.locator('#dialog-close').click();
    await dialog.waitFor({ state: 'hidden' });
    assert.deepEqual(unexpected(problems), []);
  } finally {
    await page.close();
  }
});

test('navigator buttons frame the user panel and, for the administrator, the admin panel', async () => {
  const admin = await stateFor();
  const { page, problems } = await openShell();
  try {
    await page.locator('#nav-panels button', { hasText: 'Calendar Sync admin' }).click();
    assert.ok(await page.locator('#view-diary').isHidden());
    const adminSrc = new URL((await page.locator('#main-frame').getAttribute('src'))!);
    assert.equal(adminSrc.pathname, '/panel/admin');
    assert.equal(adminSrc.searchParams.get('assoc'), String(admin.currentUser.associateId));
    assert.equal(adminSrc.searchParams.get('ctx'), 'Cust12345');
    assert.equal(adminSrc.searchParams.get('appointment'), null);
    assert.equal(await page.locator('#panel-title').textContent(), 'Calendar Sync admin');
    assert.deepEqual(await signInGate(page, '#main-frame'), SIGN_IN_GATE);
    await page.screenshot({ path: join(SHOTS, 'shell-admin-panel.png') });

    await page.locator('#nav-panels button', { hasText: /^\s*Calendar Sync\s*$/ }).click();
    await page.waitForFunction(() => document.querySelector('#main-frame')?.getAttribute('src')?.includes('/panel/user'));
    const userSrc = new URL((await page.locator('#main-frame').getAttribute('src'))!);
    assert.equal(userSrc.pathname, '/panel/user');
    assert.equal(userSrc.searchParams.get('assoc'), String(admin.currentUser.associateId));
    assert.deepEqual(await signInGate(page, '#main-frame'), SIGN_IN_GATE);

    await page.locator('#nav-diary').click();
    assert.ok(await page.locator('#view-diary').isVisible());
    assert.deepEqual(unexpected(problems), []);
  } finally {
    await page.close();
  }
});

test('switching the demo user re-renders the diary, the navigator and the framed panels for that user', async () => {
  const admin = await stateFor();
  const bjorn = admin.users.find((u) => u.calendarSystem === 'google')!;
  const expected = await stateFor(bjorn.associateId);
  const { page, problems } = await openShell();
  try {
    // Start on the admin panel: it stays, framed for the new user (SuperOffice shows it to everyone;
    // the panel itself turns a non-administrator away once signed in).
    await page.locator('#nav-panels button', { hasText: 'Calendar Sync admin' }).click();
    await signInGate(page, '#main-frame');
    await page.locator('#user-switcher').selectOption(String(bjorn.associateId));
    await page.waitForFunction((id) => document.querySelector('#main-frame')?.getAttribute('src')?.includes(`assoc=${id}`), bjorn.associateId);
    const adminSrc = new URL((await page.locator('#main-frame').getAttribute('src'))!);
    assert.equal(adminSrc.pathname, '/panel/admin');
    assert.equal(adminSrc.searchParams.get('lang'), 'nb', 'the new user\'s language');
    assert.deepEqual(await signInGate(page, '#main-frame'), SIGN_IN_GATE);
    assert.deepEqual(
      (await page.locator('#nav-panels button').allTextContents()).map((t) => t.trim()).sort(),
      ['Calendar Sync', 'Calendar Sync admin'],
      'SuperOffice shows every navigator panel to every user',
    );

    await page.locator('#nav-diary').click();
    await page.locator('#diary-title', { hasText: bjorn.name }).waitFor();
    assert.ok(await page.locator('#view-diary').isVisible());
    assert.equal(await page.locator('#main-frame').getAttribute('src'), null, 'the panel is unloaded with its view');
    const titles = await page.locator('.appointment-title').allTextContents();
    assert.deepEqual(titles, expected.appointments.map((a) => a.title));
    assert.notDeepEqual(titles, admin.appointments.map((a) => a.title));
    assert.match((await page.locator('#calendar-chip').textContent()) ?? '', /Google Calendar/);
    assert.equal(new URL(page.url()).searchParams.get('as'), String(bjorn.associateId), 'a reload keeps the user');

    const appt = expected.appointments[0]!;
    await page.locator('.appointment', { hasText: appt.title }).click();
    await page.locator('#tab-webpanel').click();
    const apptSrc = new URL((await page.locator('#appointment-frame').getAttribute('src'))!);
    assert.equal(apptSrc.pathname, '/panel/appointment');
    assert.equal(apptSrc.searchParams.get('assoc'), String(bjorn.associateId));
    assert.equal(apptSrc.searchParams.get('appointment'), String(appt.id));
    assert.deepEqual(await signInGate(page, '#appointment-frame'), SIGN_IN_GATE);
    await page.locator('#dialog-ok').click();

    await page.locator('#nav-panels button', { hasText: /^\s*Calendar Sync\s*$/ }).click();
    const userSrc = new URL((await page.locator('#main-frame').getAttribute('src'))!);
    assert.equal(userSrc.pathname, '/panel/user');
    assert.equal(userSrc.searchParams.get('assoc'), String(bjorn.associateId));
    assert.deepEqual(await signInGate(page, '#main-frame'), SIGN_IN_GATE);
    await page.screenshot({ path: join(SHOTS, 'shell-user-switched.png') });

    await page.reload();
    await page.locator('body.ready').waitFor();
    assert.equal(await page.locator('#user-switcher').inputValue(), String(bjorn.associateId));
    assert.deepEqual(unexpected(problems), []);
  } finally {
    await page.close();
  }
});
