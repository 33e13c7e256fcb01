// POST /microsoft/claim {code, confirm?}: the panel that opened a Microsoft consent popup claims the
// verified result the popup posted to it (server/microsoft/consent-claims.ts). Only the session that
// started the consent can claim it; an organisation's consent needs an administrator, and one that
// another SuperOffice installation already uses needs `confirm: true` after the first answer asked.
import { Router } from 'express';
import { z } from 'zod';
import { claimAdminConsent } from '../microsoft/admin-consent.ts';
import { ConsentError } from '../microsoft/consent-error.ts';
import { CLAIM_CODE } from '../microsoft/consent-claims.ts';
import { claimUserConsent } from '../microsoft/user-consent.ts';
import { requireMicrosoft, startedBy, type PanelContext } from './context.ts';
import { conflict, PanelError, parse } from './errors.ts';
import { sessionOf } from './session.ts';

const claimBody = z.strictObject({ code: z.string().regex(CLAIM_CODE, 'is not a consent code'), confirm: z.boolean().optional() });

export function microsoftClaimRoutes(c: PanelContext): Router {
  const r = Router();
  r.post('/microsoft/claim', async (req, res) => {
    const s = sessionOf(res);
    const body = parse(claimBody, req.body);
    const ms = requireMicrosoft(c);
    const by = startedBy(s);
    try {
      if (s.isAdministrator) {
        const done = await claimAdminConsent(ms.consent.admin, by, body.code, body.confirm === true).catch(async (err: unknown) => {
          // Not an organisation's consent of this session: it may be the administrator's own calendar.
          if (err instanceof ConsentError && err.code === 'unknown_claim') return undefined;
          throw err;
        });
        if (done?.status === 'needs_confirmation') return void res.json({ status: 'needs_confirmation', message: done.message });
        if (done) {
          return void res.json({ status: 'connected', message: `Microsoft 365 is connected: ${done.users} users found in the organisation's directory. Link users to their mailboxes on the Users tab.` });
        }
      }
      const user = await claimUserConsent(ms.consent.user, by, body.code);
      res.json({ status: 'connected', message: `Your calendar ${user.account} is connected; the first sync starts now.` });
    } catch (err) {
      if (!(err instanceof ConsentError)) throw err;
      if (err.code === 'unknown_claim') throw new PanelError(400, 'invalid_code', err.message);
      throw conflict(err.message);
    }
  });
  return r;
}
