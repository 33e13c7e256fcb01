// The panels end to end, in Debian's chromium, against the real sandbox process started as
// `SANDBOX_DEMO_MICROSOFT=skip npm start` would start it: the demo tenant installed in SuperOffice and
// nothing set up for Microsoft 365. People act only through the sandbox shell (which frames the
// panels as SuperOffice does), the simulators' sign-in and consent pages in popups, and the
// simulators' control APIs where a person would use SuperOffice or Outlook themselves.
//
// The tests are one story and run in order: the administrator sets Microsoft 365 up and links Ada
// and Daniel; a user then sees the passports; a non-administrator is turned away; another tenant's
// administrator cannot reach the demo tenant. Screenshots go to PANEL_SCREENSHOTS (default a temp
// folder); with UPDATE_SCREENSHOTS=1 the README's two images in docs/screenshots/ are rewritten too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { pageProblems } from '../helpers/browser.ts';
import { buildPanels, launchPanelBrowser, unexpected, type PanelBrowser } from '../helpers/panel-browser.ts';
import { ADA, CTX, DANIEL, startSandboxWithoutMicrosoft, type DemoUser, type SandboxBase } from '../microsoft/harness.ts';

const SHOTS = process.env.PANEL_SCREENSHOTS ?? join(tmpdir(), 'calsync-panel-screenshots');
const README_SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const UPDATE_README_SHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const CARLA: DemoUser = { associateId: 7, mailbox: 'carla.mendes@exchange.demo-company.example' };

let sandbox: SandboxBase;
let people: PanelBrowser;
/** The SuperOffice and Microsoft simulators' origins: their pages open in the sign-in and consent popups. */
let soOrigin: string;
let msOrigin: string;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The sandbox process serves dist/client, so the panels are built there as `npm start` does.
  await buildPanels();
  sandbox = await startSandboxWithoutMicrosoft();
  soOrigin = new URL(sandbox.soControl).origin;
  msOrigin = new URL(sandbox.msControl).origin;
  people = await launchPanelBrowser(sandbox.url, soOrigin);
});

after(async () => {
  await people?.close();
  await sandbox?.stop();
});

type Clip = { x: number; y: number; width: number; height: number };

/** Saves a screenshot for a person to look at; `readme` also rewrites that README image when asked to. */
async function shot(target: Page | Locator, name: string, readme?: string, clip?: Clip): Promise<void> {
  const options = clip ? { clip } : {};
  await target.screenshot({ path: join(SHOTS, name), ...options });
  if (readme && UPDATE_README_SHOTS) {
    mkdirSync(README_SHOTS, { recursive: true });
    await target.screenshot({ path: join(README_SHOTS, readme), ...options });
  }
}

/** The part of `frame` (an iframe element) down to the end of `content` inside it. */
async function frameClip(frame: Locator, content: Locator): Promise<Clip> {
  const box = (await frame.boundingBox())!;
  const inner = (await content.boundingBox())!;
  return { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, Math.ceil(inner.y + inner.height + 20 - box.y)) };
}

/** The day of an instant in the tenant's zone, which in the sandbox is this machine's. */
function localDate(instant: string): string {
  const d = new Date(instant);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** A status-grid row's cells by their labels. */
async function statusRow(panel: FrameLocator, userName: string): Promise<{ state: string; items: number; lastSync: string; lastError: string } | undefined> {
  const row = panel.locator('.status-grid tbody tr', { hasText: userName });
  if ((await row.count()) !== 1) return undefined;
  const cell = async (label: string) => ((await row.locator(`td[data-label="${label}"]`).textContent()) ?? '').trim();
  return { state: await cell('State'), items: Number(await cell('Items')), lastSync: await cell('Last sync'), lastError: await cell('Last error') };
}

test('the administrator signs in, sets up Microsoft 365, links users from the match preview, changes a preference, and watches a user turn synced', async () => {
  // The panel's frame is then about 900 pixels wide: the README's picture.
  const context = await people.context({ width: 1200, height: 1100 });
  try {
    const { page, problems } = await people.openShell(context);
    assert.equal(await page.locator('#user-switcher').inputValue(), String(ADA.associateId), 'the shell starts as the administrator');
    await page.locator('#nav-panels button', { hasText: 'Calendar Sync admin' }).click();
    const panel = page.frameLocator('#main-frame');
    await people.signIn(page, panel, `${CTX}:${ADA.associateId}`);

    // No profile yet: the guided setup opens by itself. Step 1, the calendar system.
    await panel.getByRole('heading', { name: 'Step 1 of 4: Calendar system' }).waitFor();
    // The header greets her by the name SuperOffice's id_token gave.
    assert.equal((await panel.locator('.page-header .user-name').textContent())?.trim(), 'Signed in as Ada Lindqvist');
    assert.ok(await panel.getByRole('radio', { name: /Microsoft 365/ }).isChecked());
    assert.ok(await panel.getByRole('radio', { name: /Google/ }).isDisabled(), 'systems still to come are shown, not offered');
    await panel.getByRole('button', { name: 'Next' }).click();
    // Step 2: name and connection mode; the profile is created here.
    await panel.getByRole('heading', { name: 'Step 2 of 4: Name and connection' }).waitFor();
    await panel.getByLabel('Profile name').fill('Microsoft 365 (Demo Company)');
    assert.ok(await panel.getByRole('radio', { name: /Organisation-wide/ }).isChecked());
    await panel.getByRole('button', { name: 'Create profile' }).click();
    await panel.getByRole('heading', { name: 'Step 3 of 4: Consent and test' }).waitFor();
    const profile = await sandbox.db('profiles').where({ tenant_id: sandbox.tenantId }).first('id', 'name', 'calendar_system');
    assert.deepEqual({ name: profile?.name, system: profile?.calendar_system }, { name: 'Microsoft 365 (Demo Company)', system: 'graph' });

    // Testing before consent fails and says why.
    await panel.getByRole('button', { name: 'Test connection' }).click();
    const failed = panel.locator('.result-bad');
    await failed.waitFor();
    assert.match((await failed.textContent()) ?? '', /Connection failed\. Reading the Microsoft 365 directory failed: .+/);

    // Step 3: consent on Microsoft's (simulated) page in a popup, as a global administrator.
    const [consent] = await Promise.all([page.waitForEvent('popup'), panel.getByRole('button', { name: 'Grant consent' }).click()]);
    await consent.waitForURL(`${msOrigin}/**`);
    assert.match((await consent.locator('h1').textContent()) ?? '', /Permissions requested for your organization/);
    await shot(consent, 'admin-microsoft-consent.png');
    // Accepting leads on to the proving sign-in (silent after the consent, as Entra's session makes it)
    // and to our page, which hands the verified result to the panel and closes; the panel claims it.
    await Promise.all([consent.waitForEvent('close'), consent.getByRole('button', { name: 'Accept' }).click()]);
    await panel.locator('.action-status-success', { hasText: /Microsoft 365 is connected: \d+ users found/ }).waitFor();
    await panel.getByRole('button', { name: 'Test connection' }).click();
    const works = panel.locator('.result-ok');
    await works.waitFor();
    assert.match((await works.textContent()) ?? '', /Connection works\. Connected: Calendar Sync read \d+ users from your organisation's directory\./);
    await panel.getByRole('button', { name: 'Next: defaults' }).click();

    // Step 4: defaults, each shown with its default; private items stop syncing.
    await panel.getByRole('heading', { name: 'Step 4 of 4: Defaults' }).waitFor();
    const privateItems = panel.getByLabel('Sync private items');
    assert.ok(await privateItems.isChecked());
    await privateItems.uncheck();
    await panel.getByRole('button', { name: 'Save preferences' }).click();
    await panel.locator('.action-status-success', { hasText: 'Saved.' }).waitFor();
    const stored = await sandbox.db('profiles').where({ id: profile!.id }).first('settings');
    assert.equal((stored?.settings as { filters?: { private?: boolean } } | null)?.filters?.private, false, 'the preference is saved');
    await panel.getByRole('button', { name: 'Finish: link users' }).click();

    // Linking: every SuperOffice user beside the directory's mailbox of the same e-mail; nothing saved yet.
    await panel.getByRole('heading', { name: 'Users of Microsoft 365 (Demo Company)' }).waitFor();
    const rows = panel.locator('.match tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 4);
    assert.equal(await panel.locator('.match tbody tr .tag', { hasText: 'matched by e-mail' }).count(), 4);
    assert.equal(await panel.getByLabel('Mailbox for Ada Lindqvist').inputValue(), ADA.mailbox);
    assert.equal(Number((await sandbox.db('links').where({ tenant_id: sandbox.tenantId }).count<{ n: string }[]>({ n: '*' }))[0]?.n), 0, 'a preview saves nothing');
    // Bjørn and Carla keep their other calendars: link Ada and Daniel only.
    await panel.getByLabel('Select Bjørn Haugen').uncheck();
    await panel.getByLabel('Select Carla Mendes').uncheck();
    await shot(page, 'admin-link-preview.png');
    await panel.getByRole('button', { name: 'Link selected (2)' }).click();
    await panel.locator('.action-status-success', { hasText: 'Linked 2 users.' }).waitFor();
    assert.deepEqual((await sandbox.link(ADA))?.profile_id, profile!.id);
    assert.deepEqual((await sandbox.link(DANIEL))?.profile_id, profile!.id);

    // Status: Ada's link turns synced with her diary's items, without reloading the panel.
    await panel.getByRole('tab', { name: 'Status' }).click();
    const diary = await sandbox.diary(ADA);
    const synced = await sandbox.eventually('Ada synced in the status grid', async () => {
      const r = await statusRow(panel, 'Ada Lindqvist');
      return r && r.state === 'Syncing with Microsoft 365.' && r.items === diary.length ? r : undefined;
    });
    assert.equal(synced.lastError, 'none');
    assert.doesNotMatch(synced.lastSync, /not yet/);
    await sandbox.eventually('Daniel synced in the status grid', async () => ((await statusRow(panel, 'Daniel Okafor'))?.state === 'Syncing with Microsoft 365.' ? true : undefined));

    // An appointment created in the shell's diary (another tab, as Ada) reaches Outlook, and the
    // status grid in the first tab counts it within seconds.
    const { page: diaryTab, problems: diaryProblems } = await people.openShell(context, ADA);
    const title = 'Panel tour: demo for Fjord Shipping';
    const day = localDate(diary[0]!.StartDate);
    await diaryTab.locator('#new-appointment').click();
    await diaryTab.locator('#edit-title').fill(title);
    await diaryTab.locator('#edit-start').fill(`${day}T16:00`);
    await diaryTab.locator('#edit-end').fill(`${day}T16:45`);
    await diaryTab.locator('#dialog-save').click();
    await diaryTab.locator('.appointment-title', { hasText: title }).waitFor();
    await sandbox.eventually('the new appointment in Ada\'s Outlook', async () => ((await sandbox.outlook(ADA)).some((e) => e.subject === title) ? true : undefined));
    await sandbox.eventually('Ada\'s item count up by one', async () => ((await statusRow(panel, 'Ada Lindqvist'))?.items === diary.length + 1 ? true : undefined));
    await diaryTab.close();
    // The status tab with the linked users is the README's picture of the administrator panel.
    await shot(page, 'admin-status.png', 'admin-panel.png', await frameClip(page.locator('#main-frame'), panel.locator('.status-grid')));

    // Pause and resume from the row's actions: the grid says so, and a resumed link syncs again.
    const adaRow = panel.locator('.status-grid tbody tr', { hasText: 'Ada Lindqvist' });
    await adaRow.getByRole('button', { name: 'Pause syncing for Ada Lindqvist' }).click();
    await sandbox.eventually('Ada paused in the status grid', async () => ((await statusRow(panel, 'Ada Lindqvist'))?.state === 'Paused by an administrator.' ? true : undefined));
    assert.equal((await sandbox.link(ADA))?.state, 'paused');
    await adaRow.getByRole('button', { name: 'Resume syncing for Ada Lindqvist' }).click();
    await sandbox.eventually('Ada syncing again', async () => ((await statusRow(panel, 'Ada Lindqvist'))?.state === 'Syncing with Microsoft 365.' ? true : undefined));
    assert.equal((await sandbox.link(ADA))?.state, 'active');

    // The preference stays saved: the Preferences tab shows it as stored.
    await panel.getByRole('tab', { name: 'Preferences' }).click();
    await panel.getByLabel('Sync private items').waitFor();
    assert.equal(await panel.getByLabel('Sync private items').isChecked(), false);
    // Users may be allowed to see the tab of others' public appointments: off until the administrator says so.
    const others = panel.getByLabel("Users see the Calendar Sync tab of other users' public appointments");
    assert.equal(await others.isChecked(), false);
    await others.check();
    await panel.locator('.passport-visibility .action-status-success', { hasText: 'Saved.' }).waitFor();
    assert.equal((await sandbox.db('tenants').where({ id: sandbox.tenantId }).first('passport_shows_others'))?.passport_shows_others, true);

    // The audit log fits the panel (about 900 pixels) as the status grid does: nothing scrolls
    // sideways. On a phone-narrow page its rows become cards; nothing scrolls sideways there either.
    await panel.getByRole('tab', { name: 'Audit & restore' }).click();
    await panel.locator('.audit-grid tbody tr').first().waitFor();
    const fit = (table: Locator) =>
      table.evaluate((t) => {
        const wrap = t.parentElement!;
        const doc = t.ownerDocument.documentElement;
        return { width: doc.clientWidth, table: wrap.scrollWidth <= wrap.clientWidth, page: doc.scrollWidth <= doc.clientWidth };
      });
    const wide = await fit(panel.locator('.audit-grid'));
    assert.ok(wide.width > 850 && wide.width < 950, `the panel is ${wide.width} pixels wide`);
    assert.deepEqual(wide, { width: wide.width, table: true, page: true });
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 360, height: 800 });
    await phone.goto(`${sandbox.url}/panel/admin?ctx=${CTX}&assoc=${ADA.associateId}&lang=en`);
    await phone.getByRole('tab', { name: 'Audit & restore' }).click();
    await phone.locator('.audit-grid tbody tr').first().waitFor();
    assert.deepEqual(await fit(phone.locator('.audit-grid')), { width: 360, table: true, page: true });
    await shot(phone, 'admin-audit-360.png');
    await phone.close();

    assert.deepEqual(unexpected(problems), []);
    assert.deepEqual(unexpected(diaryProblems), []);
  } finally {
    await context.close();
  }
});

test('a user sees the passport of a synced appointment, and why another is not synced', async () => {
  // A narrow window, as SuperOffice's appointment dialog gives its web-panel tab little room.
  const context = await people.context({ width: 480, height: 860 });
  try {
    const { page, problems } = await people.openShell(context, DANIEL);
    const appointment = (await sandbox.diary(DANIEL))[0]!;
    const event = await sandbox.eventually('Daniel\'s appointment in his Outlook', async () => (await sandbox.outlook(DANIEL)).find((e) => e.subject === appointment.Title));
    await page.locator('.appointment', { hasText: appointment.Title! }).click();
    await page.locator('#tab-webpanel').click();
    const passport = page.frameLocator('#appointment-frame');
    await people.signIn(page, passport, `${CTX}:${DANIEL.associateId}`);

    await passport.locator('.passport-state.synced').waitFor();
    assert.match((await passport.locator('.passport-state').textContent()) ?? '', /Synced · Daniel Okafor’s diary/);
    const fact = async (name: string) => ((await passport.locator('.facts div', { has: passport.locator(`dt:text-is("${name}")`) }).locator('dd').textContent()) ?? '').trim();
    assert.equal(await fact('Calendar'), 'Microsoft 365');
    assert.equal(await fact('Calendar item'), event.id, 'the Outlook item it is synced with');
    assert.match(await fact('Last sync'), /\bnow\b|\bago\b/);
    assert.match(await fact('Direction'), /two-way/i);
    const open = passport.getByRole('link', { name: /Open in Outlook/ });
    assert.equal(await open.count(), 1);
    // In the sandbox the calendar item opens on the Microsoft simulator's page of Daniel's mailbox.
    assert.equal(await open.getAttribute('href'), `${msOrigin}/control/mailbox/${encodeURIComponent(DANIEL.mailbox)}?event=${encodeURIComponent(event.id)}#event`);
    await shot(page.locator('#appointment-dialog'), 'passport-synced.png', 'passport.png');
    await page.locator('#dialog-ok').click();

    // A private appointment: the administrator switched private items off, and the passport says so.
    // On a day of this week's diary, so the shell shows it.
    const start = new Date(`${localDate(appointment.StartDate)}T18:00`);
    const secret = await sandbox.so.create(DANIEL, {
      Title: 'Doctor’s appointment',
      StartDate: start.toISOString(),
      EndDate: new Date(start.getTime() + 3600_000).toISOString(),
      Private: 'PrivateUser',
    });
    await page.locator('.appointment', { hasText: 'Doctor’s appointment' }).click();
    await page.locator('#tab-webpanel').click();
    await passport.locator('.passport-state.not-synced').waitFor();
    assert.equal((await passport.locator('.reason').textContent())?.trim(), 'Private appointments are not synced by this profile.');
    assert.ok(!(await sandbox.outlook(DANIEL)).some((e) => e.subject === 'Doctor’s appointment'));
    assert.equal(new URL((await page.locator('#appointment-frame').getAttribute('src'))!).searchParams.get('appointment'), String(secret.AppointmentId));
    await shot(page.locator('#appointment-dialog'), 'passport-private.png');
    assert.deepEqual(unexpected(problems), []);
  } finally {
    await context.close();
  }
});

test('a user creates an event in Outlook from the shell, and their panel and diary follow within seconds', async () => {
  const context = await people.context();
  try {
    const { page, problems } = await people.openShell(context, DANIEL);
    // The diary's calendar chip opens Daniel's mailbox "in Outlook" (the Microsoft simulator's page), in a tab of its own.
    const chip = page.locator('#calendar-chip a');
    assert.equal(await chip.getAttribute('href'), `${msOrigin}/control/mailbox/${encodeURIComponent(DANIEL.mailbox)}`);
    const [outlook] = await Promise.all([context.waitForEvent('page'), chip.click()]);
    await outlook.waitForURL(`${msOrigin}/**`);

    // Daniel's own panel, in the shell's tab.
    await page.locator('#nav-panels button', { hasText: /^\s*Calendar Sync\s*$/ }).click();
    const panel = page.frameLocator('#main-frame');
    await people.signIn(page, panel, `${CTX}:${DANIEL.associateId}`);
    await panel.locator('.link-state', { hasText: 'Syncing with Microsoft 365.' }).waitFor();
    assert.equal((await panel.locator('.facts dd.break').textContent())?.trim(), DANIEL.mailbox);

    const title = 'Outlook: call with Kari Nilsen';
    const day = localDate((await sandbox.diary(DANIEL))[0]!.StartDate);
    const form = outlook.locator('form', { has: outlook.locator('legend', { hasText: 'New event' }) });
    await form.getByLabel('Subject').fill(title);
    await form.getByLabel('Date').fill(day);
    await form.getByLabel('Start').fill('12:00');
    await form.getByLabel('End').fill('12:30');
    await form.getByRole('button', { name: 'Create' }).click();
    await outlook.locator(`input[name="subject"][value="${title}"]`).waitFor();
    await outlook.close();

    // The user panel (polling) lists the new item, and the diary shows it, without a reload.
    await panel.locator('.recent-list li', { hasText: title }).waitFor({ timeout: 90_000 });
    assert.match((await panel.locator('.recent-list li', { hasText: title }).textContent()) ?? '', /created.*calendar → SuperOffice/s);
    await shot(page, 'user-panel.png');
    await page.locator('#nav-diary').click();
    await page.locator('.appointment-title', { hasText: title }).waitFor({ timeout: 90_000 });
    assert.ok((await sandbox.diary(DANIEL)).some((a) => a.Title === title), 'SuperOffice has it');
    assert.deepEqual(unexpected(problems), []);
  } finally {
    await context.close();
  }
});

test('a non-administrator meets "ask your administrator" on the admin panel and 403 from /api/panel/admin', async () => {
  const context = await people.context();
  try {
    const { page, problems } = await people.openShell(context, CARLA);
    // SuperOffice shows the admin panel to every user; the panel refuses after the sign-in.
    await page.locator('#nav-panels button', { hasText: 'Calendar Sync admin' }).click();
    const panel = page.frameLocator('#main-frame');
    await people.signIn(page, panel, `${CTX}:${CARLA.associateId}`);
    await panel.getByRole('heading', { name: 'Ask your administrator' }).waitFor();
    assert.equal(
      (await panel.locator('[data-gate] [role="alert"]').textContent())?.trim(),
      'Only a SuperOffice administrator can change Calendar Sync. Ask your administrator.',
    );
    assert.equal((await panel.locator('[data-gate] .hint').textContent())?.trim(), 'You are signed in as Carla Mendes of Demo Company.');
    assert.equal(await panel.getByRole('tab', { name: 'Profiles' }).count(), 0, 'nothing of the administration is shown');
    await shot(page, 'non-admin-refused.png');

    // The API itself refuses, whatever the page does: reads and changes, with a valid CSRF token.
    const frame = page.frames().find((f) => f.url().startsWith(`${sandbox.url}/panel/admin`))!;
    const answers = await frame.evaluate(async (assoc) => {
      const headers = { 'x-panel-context': 'Cust12345', 'x-panel-associate': String(assoc) };
      const session = (await (await fetch('/api/panel/session', { headers })).json()) as { csrfToken: string; isAdministrator: boolean };
      const write = { ...headers, 'x-csrf-token': session.csrfToken, 'content-type': 'application/json' };
      const out: Array<[string, number, string]> = [];
      for (const [method, path, body] of [
        ['GET', '/api/panel/admin/overview', undefined],
        ['GET', '/api/panel/admin/status', undefined],
        ['POST', '/api/panel/admin/profiles', JSON.stringify({ calendarSystem: 'graph', name: 'Mine' })],
        ['POST', '/api/panel/admin/links/sync', JSON.stringify({ linkIds: [] })],
      ] as const) {
        const res = await fetch(path, { method, headers: method === 'GET' ? headers : write, ...(body ? { body } : {}) });
        out.push([`${method} ${path}`, res.status, ((await res.json()) as { error: string }).error]);
      }
      return { isAdministrator: session.isAdministrator, out };
    }, CARLA.associateId);
    assert.equal(answers.isAdministrator, false);
    for (const [what, status, error] of answers.out) assert.deepEqual([what, status, error], [what, 403, 'not_administrator']);
    assert.equal(Number((await sandbox.db('profiles').where({ tenant_id: sandbox.tenantId }).count<{ n: string }[]>({ n: '*' }))[0]?.n), 1, 'nothing was created');

    // Her own panel works, and her appointment's passport says why it is not synced.
    await page.locator('#nav-diary').click();
    const appointment = (await sandbox.diary(CARLA))[0]!;
    await page.locator('.appointment', { hasText: appointment.Title! }).click();
    await page.locator('#tab-webpanel').click();
    const passport = page.frameLocator('#appointment-frame');
    await passport.locator('.passport-state.not-synced').waitFor();
    assert.equal(
      (await passport.locator('.reason').textContent())?.trim(),
      'Carla Mendes is not linked to a calendar, so this appointment is not synced. An administrator links users in Calendar Sync\'s settings.',
    );
    // Every /api/panel/admin answer above was a 403 on purpose.
    assert.deepEqual(unexpected(problems).filter((p) => !/\b403\b/.test(p)), []);
  } finally {
    await context.close();
  }
});

test('another tenant\'s administrator cannot reach the demo tenant\'s data', async () => {
  // A second SuperOffice customer whose administrator has the same associate id as Ada.
  const soRoot = `${soOrigin}/control/tenants`;
  const OTHER = 'Cust54321';
  await sandbox.call('POST', soRoot, { contextIdentifier: OTHER, companyName: 'Other Company AS' });
  await sandbox.call('POST', `${soRoot}/${OTHER}/users`, { associateId: ADA.associateId, firstName: 'Olga', lastName: 'Berg', email: 'olga.berg@other-company.example', isAdministrator: true });

  const context = await people.context();
  try {
    const page = await context.newPage();
    const problems = pageProblems(page);
    // Olga installs Calendar Sync for her company, on SuperOffice's consent page.
    await page.goto(`${sandbox.url}/superoffice/install?ctx=${OTHER}`);
    await page.waitForURL(`${soOrigin}/**`);
    await page.locator(`input[value="${OTHER}:${ADA.associateId}"]`).check();
    await page.getByRole('button', { name: 'I approve' }).click();
    await page.getByRole('heading', { name: 'Calendar Sync is installed' }).waitFor();

    // Her admin panel (opened directly: the shell shows only the demo tenant) after her sign-in.
    await page.goto(`${sandbox.url}/panel/admin?ctx=${OTHER}&assoc=${ADA.associateId}&lang=en`);
    await people.signIn(page, page, `${OTHER}:${ADA.associateId}`, true);
    await page.getByRole('heading', { name: 'Step 1 of 4: Calendar system' }).waitFor();
    assert.match((await page.locator('.tenant-name').textContent()) ?? '', /Other Company AS/);

    // Her session used for the demo tenant: the browser sends no cookie for it, and her cookie
    // presented under the demo tenant's name is refused too.
    const [cookie] = (await context.cookies(sandbox.url)).filter((c) => c.name === `cs_session_${OTHER}`);
    assert.ok(cookie, 'Olga is signed in');
    const demoProfile = (await sandbox.db('profiles').where({ tenant_id: sandbox.tenantId }).first('id'))!.id as string;
    const adaLink = (await sandbox.link(ADA))!.id;
    const asDemo = { 'x-panel-context': CTX, 'x-panel-associate': String(ADA.associateId) };
    const inBrowser = await page.evaluate(async (headers) => {
      const res = await fetch('/api/panel/admin/overview', { headers });
      return { status: res.status, error: ((await res.json()) as { error: string }).error };
    }, asDemo);
    assert.deepEqual(inBrowser, { status: 401, error: 'signed_out' });
    for (const cookieName of [`cs_session_${CTX}`, `cs_session_${OTHER}`]) {
      const res: Response = await fetch(`${sandbox.url}/api/panel/admin/status`, { headers: { ...asDemo, cookie: `${cookieName}=${cookie.value}` } });
      assert.equal(res.status, 401, `${cookieName} with tenant ${OTHER}'s token`);
      assert.equal(((await res.json()) as { error: string }).error, 'signed_out');
    }

    // Within her own tenant, the demo tenant's ids lead nowhere: nothing to read, nothing to change.
    // (No named helpers inside evaluate: the test runner's transform would wrap them in a helper the page lacks.)
    const own = await page.evaluate(async ({ ctx, assoc, requests }) => {
      const headers = { 'x-panel-context': ctx, 'x-panel-associate': String(assoc) };
      const session = (await (await fetch('/api/panel/session', { headers })).json()) as { csrfToken: string };
      const write = { ...headers, 'x-csrf-token': session.csrfToken, 'content-type': 'application/json' };
      const out: Record<string, number> = {};
      for (const [name, method, path, body] of requests) {
        const res = await fetch(path, { method, headers: method === 'GET' ? headers : write, ...(body === null ? {} : { body: JSON.stringify(body) }) });
        out[name] = res.status;
        const answer = (await res.json()) as { rows?: unknown[] };
        if (name === 'status') out.rows = answer.rows?.length ?? -1;
      }
      return out;
    }, {
      ctx: OTHER,
      assoc: ADA.associateId,
      requests: [
        ['status', 'GET', '/api/panel/admin/status', null],
        ['profile', 'GET', `/api/panel/admin/profiles/${demoProfile}`, null],
        ['rename', 'PATCH', `/api/panel/admin/profiles/${demoProfile}`, { name: 'Taken over' }],
        ['unlink', 'DELETE', `/api/panel/admin/links/${adaLink}`, null],
        ['deletions', 'GET', `/api/panel/admin/links/${adaLink}/deletions`, null],
        ['sync', 'POST', '/api/panel/admin/links/sync', { linkIds: [adaLink] }],
      ] as Array<[string, string, string, unknown]>,
    });
    assert.deepEqual(own, { status: 200, rows: 0, profile: 404, rename: 404, unlink: 404, deletions: 404, sync: 404 });
    const [profileAfter, linkAfter] = await Promise.all([sandbox.db('profiles').where({ id: demoProfile }).first('name'), sandbox.link(ADA)]);
    assert.equal(profileAfter?.name, 'Microsoft 365 (Demo Company)');
    assert.notEqual(linkAfter?.state, 'unlinked');

    // The reported takeover, replayed against the running sandbox: Olga creates a Microsoft 365
    // profile, starts its consent, takes `state` from the URL and calls our callback herself, naming
    // the demo company's Entra tenant, without visiting Microsoft.
    const entraTenantId = ((await sandbox.db('profiles').where({ id: demoProfile }).first('connection'))!.connection as { entraTenantId: string }).entraTenantId;
    assert.ok(entraTenantId, 'the demo profile is connected to its organisation');
    const started = await page.evaluate(async ({ ctx, assoc }) => {
      const headers = { 'x-panel-context': ctx, 'x-panel-associate': String(assoc) };
      const session = (await (await fetch('/api/panel/session', { headers })).json()) as { csrfToken: string };
      const write = { ...headers, 'x-csrf-token': session.csrfToken, 'content-type': 'application/json' };
      const created = (await (await fetch('/api/panel/admin/profiles', { method: 'POST', headers: write, body: JSON.stringify({ calendarSystem: 'graph', name: 'Borrowed' }) })).json()) as { id: string };
      const consent = (await (await fetch(`/api/panel/admin/profiles/${created.id}/consent`, { method: 'POST', headers: write })).json()) as { url: string };
      const claim = await fetch('/api/panel/microsoft/claim', { method: 'POST', headers: write, body: JSON.stringify({ code: 'A'.repeat(43) }) });
      return { profileId: created.id, url: consent.url, claim: claim.status };
    }, { ctx: OTHER, assoc: ADA.associateId });
    const state = new URL(started.url).searchParams.get('state')!;
    const forged = await fetch(`${sandbox.url}/microsoft/admin-consent/callback?${new URLSearchParams({ state, admin_consent: 'True', tenant: entraTenantId })}`, { redirect: 'manual' });
    // Not "connected": only a sign-in at that organisation, which she cannot pass as one of its administrators.
    assert.equal(forged.status, 302);
    assert.ok(forged.headers.get('location')!.startsWith(`${msOrigin}/${entraTenantId}/oauth2/v2.0/authorize?`));
    assert.equal(started.claim, 400, 'a guessed claim code gets nothing');
    const borrowed = await sandbox.db('profiles').where({ id: started.profileId }).first('tenant_id', 'connection');
    assert.equal((borrowed!.connection as { entraTenantId?: string }).entraTenantId, undefined);
    const match: Response = await fetch(`${sandbox.url}/api/panel/admin/profiles/${started.profileId}/match`, {
      headers: { 'x-panel-context': OTHER, 'x-panel-associate': String(ADA.associateId), cookie: `cs_session_${OTHER}=${cookie.value}` },
    });
    const matchText = await match.text();
    // Her profile cannot read the demo company's directory: it is not connected to any organisation.
    assert.equal(match.status, 502, matchText);
    assert.match(matchText, /Microsoft 365 is not connected for this profile yet/);
    assert.ok(!matchText.includes('demo-company.example'));

    // The demo tenant's admin panel URL in her browser asks for a sign-in; it shows nothing.
    await page.goto(`${sandbox.url}/panel/admin?ctx=${CTX}&assoc=${ADA.associateId}&lang=en`);
    await page.locator('[data-gate] [data-action="sign-in"]').waitFor();
    assert.equal(await page.locator('.tenant-name').count(), 0);
    await shot(page, 'other-tenant-signed-out.png');
    // Expected: the refusals above (401, 404) and the guessed claim code's 400.
    assert.deepEqual(unexpected(problems).filter((p) => !/\b(400|401|404)\b|\/api\/panel\/microsoft\/claim/.test(p)), []);
  } finally {
    await context.close();
  }
});
