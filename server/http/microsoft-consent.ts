// Where Microsoft sends people back: GET /microsoft/admin-consent/callback after a customer's
// administrator granted (or refused) tenant-wide consent, GET /microsoft/connect/callback after a
// user connected their own calendar on a per-user profile. Each page says what happened in words;
// the panels start the flows (beginAdminConsent, beginUserConsent) and show the state.
import { Router } from 'express';
import { ADMIN_CONSENT_CALLBACK, ConsentError, completeAdminConsent, type ConsentDeps } from '../microsoft/admin-consent.ts';
import { completeUserConsent, USER_CONSENT_CALLBACK, type UserConsentDeps } from '../microsoft/user-consent.ts';
import { htmlPage } from './html-page.ts';

const q = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function microsoftConsentRouter(deps: ConsentDeps, user: UserConsentDeps): Router {
  const r = Router();
  r.get(ADMIN_CONSENT_CALLBACK, async (req, res) => {
    try {
      const done = await completeAdminConsent(deps, {
        state: q(req.query.state),
        adminConsent: q(req.query.admin_consent),
        tenant: q(req.query.tenant),
        error: q(req.query.error),
        errorDescription: q(req.query.error_description),
      });
      req.log.info({ tenantId: done.tenantId, profileId: done.profileId, entraTenant: done.entraTenantId, users: done.users }, 'Microsoft 365 admin consent granted and verified');
      res.type('html').send(
        htmlPage('Microsoft 365 is connected', [
          `Calendar Sync can now read and write the calendars of your organisation (${done.users} users found in its directory).`,
          'Link users to their mailboxes in the administrator panel. You can close this window.',
        ]),
      );
    } catch (err) {
      if (!(err instanceof ConsentError)) throw err;
      req.log.warn({ code: err.code, reason: err.message }, 'Microsoft 365 admin consent not completed');
      res.status(400).type('html').send(htmlPage('Microsoft 365 is not connected', [err.message]));
    }
  });
  r.get(USER_CONSENT_CALLBACK, async (req, res) => {
    try {
      const done = await completeUserConsent(user, { state: q(req.query.state), code: q(req.query.code), error: q(req.query.error), errorDescription: q(req.query.error_description) });
      req.log.info({ tenantId: done.tenantId, linkId: done.linkId }, 'Microsoft 365 calendar connected by its user');
      res.type('html').send(htmlPage('Your calendar is connected', [`Calendar Sync now keeps ${done.username}'s calendar and SuperOffice diary in step. You can close this window.`]));
    } catch (err) {
      if (!(err instanceof ConsentError)) throw err;
      req.log.warn({ code: err.code, reason: err.message }, 'Microsoft 365 user consent not completed');
      res.status(400).type('html').send(htmlPage('Your calendar is not connected', [err.message]));
    }
  });
  return r;
}
