// Serves the built Preact panels (vite build -> dist/client) at the paths manifest/app.json gives
// SuperOffice: /panel/admin, /panel/user, /panel/appointment, and their hashed assets under
// /panel/assets/. If nobody has run the build, every panel path says so with a 503 instead of a
// confusing 404 inside a SuperOffice frame.
import express, { Router, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the panels live; vite.config.ts builds with the same base. */
const PANEL_BASE = '/panel';
/** The panel pages; each serves the one index.html, whose script picks the panel by path. */
const PANEL_PAGES = ['admin', 'user', 'appointment'] as const;

function notBuilt(req: Request, res: Response): void {
  const message =
    'The web panels are not built yet. Run `npm run build` (or `npx vite build`) and reload; `npm start` builds them for you.';
  res.status(503).set('retry-after', '10').set('cache-control', 'no-store');
  if (req.accepts(['html', 'json']) === 'html') {
    res
      .type('html')
      .send(
        '<!doctype html><meta charset="utf-8"><title>Calendar Sync for SuperOffice</title>' +
          '<body style="font-family:system-ui,sans-serif;margin:24px;color:#1e2a33">' +
          '<h1 style="font-size:18px">Calendar Sync for SuperOffice</h1>' +
          `<p>${message.replace(/`([^`]+)`/g, '<code>$1</code>')}</p></body>`,
      );
    return;
  }
  res.json({ error: 'panels_not_built', message });
}

export function panelsRouter(distDir: string): Router {
  const dir = resolve(distDir);
  const index = join(dir, 'index.html');
  const r = Router();
  // Checked per request, so building while the server runs is enough; no restart needed.
  r.use(PANEL_BASE, (req, res, next) => (existsSync(index) ? next() : notBuilt(req, res)));
  // Vite puts a content hash in every asset name, so these can be cached for good.
  r.use(`${PANEL_BASE}/assets`, express.static(join(dir, 'assets'), { immutable: true, maxAge: '1y', index: false }));
  r.get(
    PANEL_PAGES.map((p) => `${PANEL_BASE}/${p}`),
    (_req, res) => {
      // The page names the current asset hashes: revalidate it on every open.
      res.set('cache-control', 'no-cache');
      res.sendFile(index);
    },
  );
  return r;
}
