// The per-user Microsoft 365 connection ("each user connects") end to end, in Debian's chromium,
// against the real sandbox process started with SANDBOX_DEMO_MICROSOFT=skip. The administrator sets
// up a per-user profile and links Daniel in the admin panel; Daniel presses "Reconnect" in his own
// panel, framed by the sandbox shell as SuperOffice frames it, and signs in on the Entra simulator's
// page in the popup. The popup ends on our callback, which verifies the id_token and hands a one-time
// code to the panel; the panel claims it with its own session. Signing in as someone else is refused
// in words and stores nothing; signing in as himself stores his refresh token, sealed, and his
// calendar syncs with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import { buildPanels, launchPanelBrowser, unexpected, type PanelBrowser } from '../helpers/panel-browser.ts';
import { ADA, CTX, DANIEL, startSandboxWithoutMicrosoft, type SandboxBase } from '../microsoft/harness.ts';

const PROFILE = 'Microsoft 365 (each user)';

let sandbox: SandboxBase;
let people: PanelBrowser;
let msOrigin: string;

before(async () => {
  // The sandbox process serves dist/client.
  await buildPanels();
  sandbox = await startSandboxWithoutMicrosoft();
  msOrigin = new URL(sandbox.msControl).origin;
  people = await launchPanelBrowser(sandbox.url, new URL(sandbox.soControl).origin);
});

after(async () => {
  await people?.close();
  await sandbox?.stop();
});

async function refreshTokens(linkId: string): Promise<Array<{ key_id: string; ciphertext: string }>> {
  return sandbox.db('credentials').where({ tenant_id: sandbox.tenantId, owner_type: 'link', owner_id: linkId, kind: 'graph_refresh_token' }).select('key_id', 'ciphertext');
}

/** Presses "Reconnect" and signs in on the Entra simulator's page as the account whose label matches `account`. */
async function reconnectAs(page: Page, panel: FrameLocator, account: RegExp): Promise<void> {
  const [popup] = await Promise.all([page.waitForEvent('popup'), panel.getByRole('button', { name: 'Reconnect' }).click()]);
  await popup.waitForURL(`${msOrigin}/**`);
  await popup.getByRole('heading', { name: 'Permissions requested' }).waitFor();
  // Our sign-in names the link's mailbox as login_hint, so the page offers Daniel first.
  assert.match((await popup.locator('label', { has: popup.locator('input[name="user"]:checked') }).textContent()) ?? '', /daniel\.okafor@demo-company\.example/);
  await popup.getByLabel(account).check();
  // The callback's page posts the outcome to the panel and closes itself.
  await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Accept' }).click()]);
}

test('a user connects their own Microsoft 365 calendar from their panel; another account is refused and stores nothing', async () => {
  // The administrator: a per-user profile, and Daniel linked to his own address.
  const adminContext = await people.context();
  try {
    const { page, problems } = await people.openShell(adminContext);
    await page.locator('#nav-panels button', { hasText: 'Calendar Sync admin' }).click();
    const admin = page.frameLocator('#main-frame');
    await people.signIn(page, admin, `${CTX}:${ADA.associateId}`);
    await admin.getByRole('heading', { name: 'Step 1 of 4: Calendar system' }).waitFor();
    await admin.getByRole('button', { name: 'Next' }).click();
    await admin.getByLabel('Profile name').fill(PROFILE);
    await admin.getByRole('radio', { name: /Each user connects/ }).check();
    await admin.getByRole('button', { name: 'Create profile' }).click();
    await admin.getByRole('heading', { name: 'Step 3 of 4: Consent and test' }).waitFor();
    await admin.getByRole('button', { name: 'Next: defaults' }).click();
    await admin.getByRole('button', { name: 'Finish: link users' }).click();
    await admin.getByRole('heading', { name: `Users of ${PROFILE}` }).waitFor();
    assert.equal(await admin.getByLabel('Mailbox for Daniel Okafor').inputValue(), DANIEL.mailbox, 'without a directory, the user\'s own address');
    await admin.getByLabel('Select Daniel Okafor').check();
    await admin.getByRole('button', { name: 'Link selected (1)' }).click();
    await admin.locator('.action-status-success', { hasText: 'Linked 1 user.' }).waitFor();
    assert.deepEqual(unexpected(problems), []);
  } finally {
    await adminContext.close();
  }
  const profile = await sandbox.db('profiles').where({ tenant_id: sandbox.tenantId, name: PROFILE }).first('id', 'connection');
  assert.equal((profile?.connection as { mode?: string } | undefined)?.mode, 'delegated');
  const link = (await sandbox.link(DANIEL))!;
  assert.deepEqual({ profile: link.profile_id, state: link.state }, { profile: profile!.id, state: 'needs_reconnect' });

  // Daniel, in his own browser and panel.
  const context = await people.context();
  try {
    const { page, problems } = await people.openShell(context, DANIEL);
    await page.locator('#nav-panels button', { hasText: /^\s*Calendar Sync\s*$/ }).click();
    const panel = page.frameLocator('#main-frame');
    await people.signIn(page, panel, `${CTX}:${DANIEL.associateId}`);
    await panel.locator('.todo-attention', { hasText: 'Choose "Reconnect" and sign in to Microsoft 365 with your own account' }).waitFor();

    // Ada's account on Microsoft's page: the popup tells the panel why in words; nothing is kept.
    await reconnectAs(page, panel, /ada\.lindqvist@demo-company\.example/);
    const refused = panel.locator('.action-status-error');
    await refused.waitFor();
    assert.equal(
      (await refused.textContent())?.trim(),
      `You signed in as ${ADA.mailbox}, but this link is for ${DANIEL.mailbox}. Sign in with that account.`,
    );
    assert.deepEqual(await refreshTokens(link.id), [], 'no token stored');
    assert.equal((await sandbox.link(DANIEL))?.state, 'needs_reconnect');
    const unchanged = await sandbox.db('profiles').where({ id: profile!.id }).first('connection');
    assert.equal((unchanged?.connection as { entraTenantId?: string }).entraTenantId, undefined, 'the profile learnt no organisation');

    // His own account: the panel claims the verified sign-in and says so.
    await reconnectAs(page, panel, /daniel\.okafor@demo-company\.example/);
    await panel.locator('.action-status-success', { hasText: `Your calendar ${DANIEL.mailbox} is connected; the first sync starts now.` }).waitFor();
    assert.equal((await sandbox.link(DANIEL))?.state, 'active');
    const [stored, ...more] = await refreshTokens(link.id);
    assert.equal(more.length, 0);
    assert.ok(stored, 'the refresh token is stored');
    assert.match(stored.ciphertext, new RegExp(`^v1\\.${stored.key_id}\\.[\\w-]+\\.[\\w-]+\\.[\\w-]+$`), 'sealed');
    const learnt = await sandbox.db('profiles').where({ id: profile!.id }).first('connection');
    assert.ok((learnt?.connection as { entraTenantId?: string }).entraTenantId, 'the profile learnt its organisation from the verified sign-in');

    // The token works: his panel turns to syncing, and his diary reaches his Outlook.
    await panel.locator('.link-state', { hasText: 'Syncing with Microsoft 365.' }).waitFor();
    const appointment = (await sandbox.diary(DANIEL))[0]!;
    await sandbox.eventually('Daniel\'s appointment in his Outlook', async () => ((await sandbox.outlook(DANIEL)).some((e) => e.subject === appointment.Title) ? true : undefined));
    assert.deepEqual(unexpected(problems), []);
  } finally {
    await context.close();
  }
});
