// server/http/panels.ts: the built panels at the manifest's paths, and an honest 503 before the build.
// The client is built into a temporary directory by vite's own API, so the test checks today's sources
// and never races another process over dist/client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { loadManifest, renderPanelUrl } from '../../manifest/manifest.ts';
import { createHttpApp } from '../../server/http/app.ts';
import { panelsRouter } from '../../server/http/panels.ts';
import { createLogger } from '../../server/log.ts';

let outDir: string;
let server: Server;
let base: string;

before(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'calsync-panels-'));
  const app = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'sandbox' },
    log: createLogger('silent'),
    readiness: () => [],
    routers: [panelsRouter(outDir)],
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(outDir, { recursive: true, force: true });
});

test('before the client is built, panel paths answer 503 with a message saying how to build it', async () => {
  const json = await fetch(`${base}/panel/user?ctx=Cust12345&assoc=5`, { headers: { accept: 'application/json' } });
  assert.equal(json.status, 503);
  const body = (await json.json()) as { error: string; message: string };
  assert.equal(body.error, 'panels_not_built');
  assert.match(body.message, /npm run build/);

  const html = await fetch(`${base}/panel/appointment`, { headers: { accept: 'text/html' } });
  assert.equal(html.status, 503);
  assert.match(html.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await html.text(), /not built yet/);
});

test('once built (no restart), every manifest panel URL serves the panel page and its assets', async () => {
  await build({
    configFile: fileURLToPath(new URL('../../vite.config.ts', import.meta.url)),
    build: { outDir, emptyOutDir: true },
    logLevel: 'silent',
  });
  const manifest = loadManifest();
  for (const p of manifest.webPanels) {
    const url = renderPanelUrl(p.url, base, { uctx: 'Cust12345', usid: 5, baid: 1001, lani: 'en' });
    const res = await fetch(url);
    assert.equal(res.status, 200, `${p.key}: ${url}`);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    // The app's CSP allows framing by the sandbox shell ('self'), which is what makes it a panel.
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'self'/);
    const html = await res.text();
    const script = html.match(/<script type="module"[^>]*src="([^"]+)"/)?.[1];
    assert.ok(script?.startsWith('/panel/assets/'), `${p.key} loads its script from /panel/assets/`);
    const asset = await fetch(`${base}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    await asset.arrayBuffer();
  }

  const unknown = await fetch(`${base}/panel/nope`);
  assert.equal(unknown.status, 404, 'a path that is no panel is the app’s ordinary JSON 404');
  assert.equal(((await unknown.json()) as { error: string }).error, 'not_found');
});
