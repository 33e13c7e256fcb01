// What the panels' browser tests share against a running sandbox process: the built panels it serves,
// a person's browser context, the sandbox shell (which frames the panels as SuperOffice does), and
// "Sign in with SuperOffice" through the simulator's popup.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import { build } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH, pageProblems } from './browser.ts';

const DIST_CLIENT = fileURLToPath(new URL('../../dist/client/', import.meta.url));

/**
 * Builds today's panels into dist/client, which the sandbox process serves, as `npm start` does. Two
 * test files may do this at once while the other's sandbox serves the folder, so each builds into a
 * folder of its own and then writes over dist/client only the files that differ, each by an atomic
 * rename and index.html last: a page never names an asset that is not there yet.
 */
export async function buildPanels(): Promise<void> {
  const out = await mkdtemp(join(tmpdir(), 'calsync-dist-client-'));
  try {
    await build({
      configFile: fileURLToPath(new URL('../../vite.config.ts', import.meta.url)),
      logLevel: 'silent',
      build: { outDir: out, emptyOutDir: true },
    });
    const files = (await readdir(out, { recursive: true, withFileTypes: true }))
      .filter((f) => f.isFile())
      .map((f) => relative(out, join(f.parentPath, f.name)))
      .sort((a, b) => Number(a === 'index.html') - Number(b === 'index.html'));
    for (const file of files) {
      const content = await readFile(join(out, file));
      const target = join(DIST_CLIENT, file);
      const old = await readFile(target).catch(() => undefined);
      if (old?.equals(content)) continue;
      await mkdir(dirname(target), { recursive: true });
      const temporary = `${target}.${process.pid}.tmp`;
      await writeFile(temporary, content);
      await rename(temporary, target);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

export interface PanelBrowser {
  browser: Browser;
  /** A person's own browser: the simulators' https pages chain to the sandbox's CA, which it does not know. */
  context(viewport?: { width: number; height: number }): Promise<BrowserContext>;
  /** The sandbox shell, as the SuperOffice user `as` (its default user without). */
  openShell(context: BrowserContext, as?: { associateId: number }): Promise<{ page: Page; problems: string[] }>;
  /**
   * "Sign in with SuperOffice" in `gate` (a panel, framed or not): the popup shows the simulator's
   * sign-in page, which offers the shell's user (`user`, as ctx:associateId) first, or, away from
   * the shell (`pick`), has the person pick them; approving closes it.
   */
  signIn(page: Page, gate: FrameLocator | Page, user: string, pick?: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Debian's chromium for people using the sandbox at `appUrl`, whose SuperOffice simulator is at `soOrigin`. */
export async function launchPanelBrowser(appUrl: string, soOrigin: string): Promise<PanelBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  return {
    browser,
    context: (viewport = { width: 1280, height: 900 }) => browser.newContext({ ignoreHTTPSErrors: true, viewport }),
    async openShell(context, as) {
      const page = await context.newPage();
      const problems = pageProblems(page);
      await page.goto(`${appUrl}/sandbox${as ? `?as=${as.associateId}` : ''}`);
      await page.locator('body.ready').waitFor();
      return { page, problems };
    },
    async signIn(page, gate, user, pick = false) {
      const button = gate.locator('[data-gate] [data-action="sign-in"]');
      await button.waitFor();
      const [popup] = await Promise.all([page.waitForEvent('popup'), button.click()]);
      await popup.waitForURL(`${soOrigin}/**`);
      if (pick) await popup.locator(`input[name="user"][value="${user}"]`).check();
      else assert.equal(await popup.locator('input[name="user"]:checked').getAttribute('value'), user, 'the sign-in page offers the shell\'s user');
      await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'I approve' }).click()]);
      await button.waitFor({ state: 'detached' });
    },
    close: () => browser.close(),
  };
}

/** Problems other than the expected 401 of each panel's first look at its session. */
export const unexpected = (problems: string[]): string[] =>
  problems.filter((p) => !(/^HTTP 401: .*\/api\/panel\/session$/.test(p) || /^console error: Failed to load resource: .* 401 /.test(p)));
