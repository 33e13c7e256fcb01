// Where Microsoft sends the consent popups back (server/microsoft/admin-consent.ts and user-consent.ts):
//  GET /microsoft/admin-consent/callback  after the admin-consent page: on to the proving sign-in
//  GET /microsoft/admin-consent/verify    after that sign-in: verified, handed to the panel to claim
//  GET /microsoft/connect/callback        after a user's own sign-in on a per-user profile
// Each last page tells the opener panel through popup-result.ts; the panel claims the result with its
// own session (panel-api/microsoft-claim.ts). Microsoft's error_description is logged, never shown:
// those words come from the URL, which anyone can write.
import { Router, type Request, type Response } from 'express';
import { ADMIN_CONSENT_CALLBACK, ADMIN_PROOF_CALLBACK, afterAdminConsent, completeAdminProof, type ConsentDeps } from '../microsoft/admin-consent.ts';
import { ConsentError } from '../microsoft/consent-error.ts';
import { completeUserConsent, USER_CONSENT_CALLBACK, type UserConsentDeps } from '../microsoft/user-consent.ts';
import { keepOpener, popupResultScript, sendPopupResult } from './popup-result.ts';

const q = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function microsoftConsentRouter(deps: ConsentDeps, user: UserConsentDeps): Router {
  const r = Router();
  r.use('/microsoft', keepOpener);
  r.use(popupResultScript());

  const refused = (req: Request, res: Response, err: unknown, what: string, title: string): void => {
    if (!(err instanceof ConsentError)) throw err;
    req.log.warn({ code: err.code, reason: err.message, providerDescription: q(req.query.error_description)?.slice(0, 500) }, `${what} not completed`);
    sendPopupResult(res, deps.publicUrl, { status: 400, title, message: err.message, type: 'consent-failed' });
  };

  r.get(ADMIN_CONSENT_CALLBACK, async (req, res) => {
    try {
      const next = await afterAdminConsent(deps, { state: q(req.query.state), adminConsent: q(req.query.admin_consent), tenant: q(req.query.tenant), error: q(req.query.error) });
      res.set('cache-control', 'no-store').redirect(302, next);
    } catch (err) {
      refused(req, res, err, 'Microsoft 365 admin consent', 'Microsoft 365 is not connected');
    }
  });

  /** A sign-in's last page: verified, its one-time code handed to the opener panel to claim. */
  const handOff = (what: string, title: string, failedTitle: string, finish: string, complete: (input: { state?: string; code?: string; error?: string }) => Promise<{ code: string; account: string }>) =>
    async (req: Request, res: Response) => {
      try {
        const done = await complete({ state: q(req.query.state), code: q(req.query.code), error: q(req.query.error) });
        req.log.info({ account: done.account }, `${what}: signed-in account verified; waiting for the panel to claim it`);
        sendPopupResult(res, deps.publicUrl, { status: 200, title, message: `Signed in as ${done.account}. ${finish}`, type: 'consent-verified', code: done.code });
      } catch (err) {
        refused(req, res, err, what, failedTitle);
      }
    };

  r.get(
    ADMIN_PROOF_CALLBACK,
    handOff('Microsoft 365 admin consent', 'Microsoft 365 consent verified', 'Microsoft 365 is not connected', 'Calendar Sync finishes the connection in the administrator panel.', (input) => completeAdminProof(deps, input)),
  );
  r.get(
    USER_CONSENT_CALLBACK,
    handOff('Microsoft 365 user consent', 'Microsoft 365 sign-in verified', 'Your calendar is not connected', 'Calendar Sync finishes connecting your calendar in your panel.', (input) => completeUserConsent(user, input)),
  );
  return r;
}
