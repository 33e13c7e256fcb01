// GET /superoffice/install starts the administrator's consent (in a popup or a tab: SuperOffice's
// sign-in pages cannot be framed); GET /superoffice/callback completes it.
import { Router } from 'express';
import { InstallError, beginInstall, completeInstall, type InstallDeps } from '../superoffice/install.ts';
import { InvalidSuperOfficeToken } from '../superoffice/errors.ts';
import { htmlPage } from './html-page.ts';

export const INSTALL_PATH = '/superoffice/install';
export const CALLBACK_PATH = '/superoffice/callback';

const CTX_RE = /^[A-Za-z0-9_-]{1,64}$/;
const q = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function superOfficeInstallRouter(deps: InstallDeps): Router {
  const r = Router();
  r.get(INSTALL_PATH, async (req, res) => {
    const ctx = q(req.query.ctx);
    if (ctx !== undefined && !CTX_RE.test(ctx)) {
      res.status(400).type('html').send(htmlPage('Not a SuperOffice customer id', ['The ctx parameter should look like Cust12345.']));
      return;
    }
    res.redirect(302, await beginInstall(deps, ctx));
  });
  r.get(CALLBACK_PATH, async (req, res) => {
    try {
      const done = await completeInstall(deps, {
        state: q(req.query.state),
        code: q(req.query.code),
        error: q(req.query.error),
        errorDescription: q(req.query.error_description),
      });
      req.log.info({ tenant: done.contextIdentifier, reinstall: done.reinstall }, 'installed for a SuperOffice tenant');
      res.type('html').send(
        htmlPage('Calendar Sync is installed', [
          `Calendar Sync for SuperOffice is ${done.reinstall ? 'reconnected to' : 'installed for'} ${done.companyName ?? done.contextIdentifier} (${done.contextIdentifier}).`,
          'Its panels and its webhook are being set up in SuperOffice now. You can close this window.',
        ]),
      );
    } catch (err) {
      if (!(err instanceof InstallError) && !(err instanceof InvalidSuperOfficeToken)) throw err;
      const code = err instanceof InstallError ? err.code : 'invalid_token';
      req.log.warn({ code, reason: err.message }, 'installation refused');
      res.status(400).type('html').send(htmlPage('Calendar Sync was not installed', [err.message]));
    }
  });
  return r;
}
