// Debian's chromium driven by playwright-core: never a downloaded browser. Each launch gets a fresh
// temporary profile (playwright's own, removed on close), so no test sees another's cookies.
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * Collects what would otherwise vanish silently in a headless page: uncaught errors, console errors
 * (CSP violations land there), failed requests and error responses. Assert it is empty at the end of a test.
 */
export function pageProblems(page: Page): string[] {
  const problems: string[] = [];
  const watch = (p: Page) => {
    p.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    p.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`));
    // Console errors about failed loads do not say which URL; this does.
    p.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
  };
  watch(page);
  return problems;
}
