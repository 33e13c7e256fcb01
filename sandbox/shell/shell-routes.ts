// Serves the "SuperOffice shell" page and the one endpoint it reads. The page is plain HTML, CSS and
// an ES module served as files: the app's CSP forbids inline script, and the shell is not part of the
// product, so it gets no build step of its own.
import express, { Router, type Request, type Response } from 'express';
import { fileURLToPath } from 'node:url';
import type { AppManifest } from '../../manifest/manifest.ts';
import type { DemoTenant } from '../demo.ts';
import { shellState, UnknownUserError } from './state.ts';

export interface ShellRoutesOptions {
  publicUrl: string;
  manifest: AppManifest;
  /** The tenant, users and diary to show; the single seam where simulator data replaces the demo. */
  data: () => DemoTenant | Promise<DemoTenant>;
  /** Whether the edit routes are mounted; the page shows its Save, Delete and New buttons only then. */
  editable?: boolean;
  /** Where a simulator shows a mailbox "as in Outlook"; the shell links the user's calendar chip there. */
  mailboxPage?: (calendarSystem: string, mailbox: string) => string | null;
  /** Tells the SuperOffice simulator who now uses the web client, so its sign-in page offers that user. */
  signedIn?: (associateId: number) => void;
}

const FILES = {
  'shell.html': 'text/html; charset=utf-8',
  'shell.css': 'text/css; charset=utf-8',
  'shell.js': 'text/javascript; charset=utf-8',
} as const;

function sendShellFile(res: Response, name: keyof typeof FILES): void {
  res.type(FILES[name]);
  // The shell is a development tool: always serve what is on disk now.
  res.set('cache-control', 'no-cache');
  res.sendFile(fileURLToPath(new URL(`./${name}`, import.meta.url)));
}

export function shellRoutes(opts: ShellRoutesOptions): Router {
  const publicUrl = opts.publicUrl.replace(/\/+$/, '');
  const publicHost = new URL(publicUrl).host;
  const r = Router();

  r.get('/sandbox', (req: Request, res: Response) => {
    // The panels allow framing by 'self' only, so the shell must be opened on the app's own origin
    // (localhost and 127.0.0.1 are different origins to a browser).
    if (req.get('host') !== publicHost) {
      const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
      res.redirect(302, `${publicUrl}/sandbox${query}`);
      return;
    }
    sendShellFile(res, 'shell.html');
  });
  r.get('/sandbox/shell.css', (_req, res) => sendShellFile(res, 'shell.css'));
  r.get('/sandbox/shell.js', (_req, res) => sendShellFile(res, 'shell.js'));

  r.get('/sandbox/api/state', async (req: Request, res: Response) => {
    const raw = typeof req.query.as === 'string' && req.query.as !== '' ? req.query.as : undefined;
    const associateId = raw === undefined ? undefined : Number(raw);
    if (associateId !== undefined && !Number.isInteger(associateId)) {
      res.status(400).json({ error: 'bad_request', message: `?as= must be an associate id, got ${JSON.stringify(raw)}` });
      return;
    }
    try {
      const state = shellState(await opts.data(), opts.manifest, publicUrl, associateId);
      const u = state.currentUser;
      const mailboxPage = u.calendarSystem && u.mailbox ? (opts.mailboxPage?.(u.calendarSystem, u.mailbox) ?? null) : null;
      res.set('cache-control', 'no-store').json({ ...state, editable: opts.editable ?? false, mailboxPage });
    } catch (err) {
      if (!(err instanceof UnknownUserError)) throw err;
      res.status(404).json({ error: 'unknown_user', message: err.message });
    }
  });

  // The shell's "Signed in as" is who uses SuperOffice; a panel's sign-in popup then offers them.
  r.post('/sandbox/api/signed-in', express.json({ limit: '1kb' }), async (req: Request, res: Response) => {
    const associateId = Number((req.body as { associateId?: unknown } | undefined)?.associateId);
    const users = (await opts.data()).users;
    if (!users.some((u) => u.associateId === associateId)) {
      res.status(404).json({ error: 'unknown_user', message: `No demo user has associate id ${JSON.stringify(associateId)}` });
      return;
    }
    opts.signedIn?.(associateId);
    res.status(204).end();
  });
  return r;
}
