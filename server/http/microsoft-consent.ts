// GET /microsoft/admin-consent/callback: where Microsoft's admin-consent page sends the customer's
// administrator back. The page says what happened in words; the administrator panel starts the
// consent (beginAdminConsent) and shows the profile's connection state.
import { Router } from 'express';
import { ADMIN_CONSENT_CALLBACK, ConsentError, completeAdminConsent, type ConsentDeps } from '../microsoft/admin-consent.ts';
import { htmlPage } from './html-page.ts';

const q = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function microsoftConsentRouter(deps: ConsentDeps): Router {
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
  return r;
}
