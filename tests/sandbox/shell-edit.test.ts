// Editing the diary in the SuperOffice shell as the signed-in user, against the SuperOffice simulator:
// the shell reads the demo tenant's appointments from the simulator, and a title change, a new
// appointment and a delete made in the browser land in the simulator as that user's edits, each
// posting its activity.* webhook.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { loadManifest } from '../../manifest/manifest.ts';
import { loadOrCreateCa } from '../../sandbox/ca.ts';
import { localIso, weekStart } from '../../sandbox/demo.ts';
import { sandboxRouter } from '../../sandbox/router.ts';
import type { ShellState } from '../../sandbox/shell/state.ts';
import { seedDemoAppointments } from '../../sandbox/superoffice/demo-appointments.ts';
import { DEMO_CTX } from '../../sandbox/superoffice/seed.ts';
import { shellData } from '../../sandbox/superoffice/shell-data.ts';
import { createHttpApp } from '../../server/http/app.ts';
import { createLogger } from '../../server/log.ts';
import { launchBrowser, pageProblems } from '../helpers/browser.ts';
import { startSuperOfficeSim, type SuperOfficeSim } from '../helpers/superoffice-sim.ts';
import { registerWebhook } from '../helpers/superoffice-webhook.ts';
import { startReceiver, type Receiver } from './superoffice/webhook-receiver.ts';

/** Screenshots land here for a person to look at; never in the repository. */
const SHOTS = process.env.SHELL_SCREENSHOTS ?? join(tmpdir(), 'calsync-shell-screenshots');
const BJORN = 6;

let workDir: string;
let so: SuperOfficeSim;
let rx: Receiver;
let server: Server;
let base: string;
let browser: Browser;

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'calsync-shell-edit-'));
  so = await startSuperOfficeSim({ webhookRetryDelaysMs: [5, 5] });
  rx = await startReceiver();
  await registerWebhook(so, rx.url);
  const ca = await loadOrCreateCa(workDir);
  let app: ReturnType<typeof createHttpApp> | undefined;
  server = createServer((req, res) => app!(req, res)).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const control = so.simulator.api;
  app = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'sandbox' },
    log: createLogger('silent'),
    readiness: () => [],
    routers: [
      sandboxRouter({
        ca,
        publicUrl: base,
        manifest: loadManifest(),
        data: shellData(so.store, control, DEMO_CTX),
        edits: { control, ctx: DEMO_CTX, userIds: () => so.store.users(so.tenant).map((u) => u.associateId) },
      }),
    ],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await so?.close();
  await rx?.close();
  await rm(workDir, { recursive: true, force: true });
});

async function stateFor(associateId: number): Promise<ShellState & { editable: boolean }> {
  const res = await fetch(`${base}/sandbox/api/state?as=${associateId}`);
  assert.equal(res.status, 200);
  return (await res.json()) as ShellState & { editable: boolean };
}

async function openShell(associateId: number): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems = pageProblems(page);
  await page.goto(`${base}/sandbox?as=${associateId}`);
  await page.locator('body.ready').waitFor();
  return { page, problems };
}

/** The activity.* deliveries made since `from`, as [event, appointment id, outcome]. */
async function deliveriesSince(from: number): Promise<Array<[string, number, string]>> {
  await so.simulator.api.idle();
  return so.simulator.api.deliveries(DEMO_CTX).slice(from).map((d) => [d.event, d.primaryKey, d.outcome]);
}

test('the demo diary is seeded into the simulator once and the shell shows it', async () => {
  const ids = seedDemoAppointments(so.simulator.api, so.tenant);
  assert.equal(ids.length, 13);
  assert.deepEqual(seedDemoAppointments(so.simulator.api, so.tenant), [], 'a tenant with appointments is left alone');
  assert.equal(so.simulator.api.deliveries(DEMO_CTX).filter((d) => d.event.startsWith('activity.')).length, 0, 'seeding posts no webhooks');

  const state = await stateFor(BJORN);
  assert.equal(state.editable, true);
  assert.deepEqual(state.appointments.map((a) => a.title), ['Site visit: Fjellet Bygg', 'Call with Lund & Co', 'Workshop: onboarding Vest Energi']);
  assert.equal(state.appointments[0]!.companyName, 'Fjellet Bygg AS');
  assert.equal(state.appointments[0]!.location, 'Bergen');
  assert.match(state.appointments[0]!.start, /T08:30:00[+-]\d{2}:\d{2}$/, 'local wall time, as the static demo had it');
});

test('a user’s title change in the shell is saved in the simulator and posts activity.changed', async () => {
  const before = so.simulator.api.deliveries(DEMO_CTX).length;
  const target = (await stateFor(BJORN)).appointments[1]!;
  const { page, problems } = await openShell(BJORN);
  try {
    await page.locator(`button[data-appointment-id="${target.id}"]`).click();
    await page.locator('#appointment-dialog[open]').waitFor();
    assert.equal(await page.locator('#edit-title').inputValue(), target.title);
    assert.equal(await page.locator('#edit-start').inputValue(), target.start.slice(0, 16));
    await page.locator('#edit-title').fill('Call with Lund & Co (moved to Teams)');
    await page.screenshot({ path: join(SHOTS, 'shell-edit-dialog.png') });
    await page.locator('#dialog-save').click();
    await page.locator('#appointment-dialog:not([open])').waitFor({ state: 'attached' });
    await page.locator('.appointment-title', { hasText: 'moved to Teams' }).waitFor();

    const saved = so.simulator.api.appointments(DEMO_CTX).find((a) => a.AppointmentId === target.id)!;
    assert.equal(saved.Title, 'Call with Lund & Co (moved to Teams)');
    assert.equal((saved.UpdatedBy as { AssociateId: number }).AssociateId, BJORN);
    assert.equal(Date.parse(String(saved.StartDate)), Date.parse(target.start), 'the start is unchanged');
    assert.deepEqual(await deliveriesSince(before), [['activity.changed', target.id, 'delivered']]);
    const event = rx.received.at(-1)!.body;
    assert.equal(event.Event, 'activity.changed');
    assert.equal(event.PrimaryKey, target.id);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('a new appointment and a delete in the shell post activity.created and activity.deleted', async () => {
  const before = so.simulator.api.deliveries(DEMO_CTX).length;
  const wednesday = weekStart(new Date());
  wednesday.setDate(wednesday.getDate() + 2);
  const day = localIso(wednesday).slice(0, 10);
  const { page, problems } = await openShell(BJORN);
  try {
    await page.locator('#new-appointment').click();
    await page.locator('#appointment-dialog[open]').waitFor();
    assert.ok(await page.locator('#tab-webpanel').isHidden(), 'no web panel before the appointment exists');
    await page.locator('#edit-title').fill('Shell-made meeting');
    await page.locator('#edit-start').fill(`${day}T15:00`);
    await page.locator('#edit-end').fill(`${day}T14:00`);
    await page.locator('#dialog-save').click();
    assert.match((await page.locator('#edit-error').textContent()) ?? '', /end must not be before the start/);
    await page.locator('#edit-end').fill(`${day}T16:00`);
    await page.locator('#dialog-save').click();
    const row = page.locator('button.appointment', { hasText: 'Shell-made meeting' });
    await row.waitFor();

    const created = so.simulator.api.appointments(DEMO_CTX).find((a) => a.Title === 'Shell-made meeting')!;
    const id = created.AppointmentId as number;
    assert.equal((created.Associate as { AssociateId: number }).AssociateId, BJORN);
    assert.equal(Date.parse(String(created.StartDate)), new Date(`${day}T15:00`).getTime());

    await row.click();
    await page.locator('#dialog-delete').click();
    assert.equal(await page.locator('#dialog-delete').textContent(), 'Really delete?');
    await page.locator('#dialog-delete').click();
    await row.waitFor({ state: 'detached' });
    assert.equal(so.simulator.api.appointments(DEMO_CTX).some((a) => a.AppointmentId === id), false);
    assert.deepEqual(await deliveriesSince(before), [
      ['activity.created', id, 'delivered'],
      ['activity.deleted', id, 'delivered'],
    ]);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('the edit routes refuse bad input with a message', async () => {
  const post = (body: unknown) =>
    fetch(`${base}/sandbox/api/appointments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const empty = await post({ associateId: BJORN, title: ' ', start: '2025-01-01T09:00', end: '2025-01-01T10:00' });
  assert.equal(empty.status, 400);
  assert.match(((await empty.json()) as { message: string }).message, /title/);
  const stranger = await post({ associateId: 999, title: 'x', start: '2025-01-01T09:00', end: '2025-01-01T10:00' });
  assert.equal(stranger.status, 404);
  const backwards = await post({ associateId: BJORN, title: 'x', start: '2025-01-01T09:00', end: '2025-01-01T08:00' });
  assert.equal(backwards.status, 400);
  assert.match(((await backwards.json()) as { message: string }).message, /EndDate must not be before StartDate/);
  const missing = await fetch(`${base}/sandbox/api/appointments/424242?as=${BJORN}`, { method: 'DELETE' });
  assert.equal(missing.status, 404);
});
