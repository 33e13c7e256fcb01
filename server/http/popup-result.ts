// The last page of a popup the panels open (SuperOffice sign-in, Microsoft consent): words for the
// person, and a same-origin script that posts the outcome to the panel that opened the popup (its
// opener, at the app's own origin only) and closes the window. A one-time code in that message is
// what the panel claims with its own session; a page with no opener (a link opened elsewhere)
// posts nothing, so what it carries completes nowhere.
import { Router, type RequestHandler, type Response } from 'express';
import { htmlPage } from './html-page.ts';

export const POPUP_RESULT_SCRIPT = '/popup-result.js';

const RESULT_JS = `(function () {
  var d = document.currentScript.dataset;
  if (!window.opener) return;
  var msg = { source: 'calendar-sync', type: d.type };
  if (d.message) msg.message = d.message;
  if (d.code) msg.code = d.code;
  try { window.opener.postMessage(msg, d.targetOrigin); } catch (e) { return; }
  setTimeout(function () { window.close(); }, 200);
})();
`;

export function popupResultScript(): Router {
  const r = Router();
  r.get(POPUP_RESULT_SCRIPT, (_req, res) => {
    res.set('cache-control', 'no-cache').type('text/javascript').send(RESULT_JS);
  });
  return r;
}

/**
 * Every answer that lands in a popup must let it keep window.opener. The app's usual COOP
 * (same-origin-allow-popups) on a page reached from a document without it (the provider's pages)
 * would move the popup to a new browsing context group and sever the opener (chromium applies COOP
 * to redirects too).
 */
export const keepOpener: RequestHandler = (_req, res, next) => {
  res.set('cross-origin-opener-policy', 'unsafe-none');
  next();
};

export interface PopupResult {
  status: number;
  title: string;
  message: string;
  /** What the panel is told: e.g. 'signed-in' / 'sign-in-failed', 'consent-verified' / 'consent-failed'. */
  type: string;
  /** The one-time code the panel claims. */
  code?: string;
}

export function sendPopupResult(res: Response, publicUrl: string, r: PopupResult): void {
  res
    .status(r.status)
    .set('cache-control', 'no-store')
    .type('html')
    .send(
      htmlPage(r.title, [r.message, r.code ? 'This window closes by itself; if it stays open, close it and go back to the panel.' : 'You can close this window.'], {
        src: POPUP_RESULT_SCRIPT,
        data: { type: r.type, message: r.message, 'target-origin': new URL(publicUrl).origin, ...(r.code ? { code: r.code } : {}) },
      }),
    );
}
