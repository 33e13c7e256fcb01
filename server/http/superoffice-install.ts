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

/** OAuth error codes (RFC 6749 4.1.2.1) in our words; any other code is only named. */
const PROVIDER_ERRORS: Record<string, string> = {
  access_denied: 'The consent was declined or cancelled in SuperOffice.',
  temporarily_unavailable: 'SuperOffice\'s sign-in is temporarily unavailable.',
  server_error: 'SuperOffice\'s sign-in ran into an error.',
};

/**
 * The page for an error SuperOffice sent back in the redirect. Anyone can send a browser to the
 * callback with any error_description ("call this number"): it is logged, never shown; the code is
 * shown only when it looks like a code.
 */
function providerErrorText(code: string): string {
  const known = PROVIDER_ERRORS[code];
  const named = /^[a-z_]{1,40}$/.test(code) ? ` (error code ${code})` : '';
  return `${known ?? `SuperOffice did not grant consent${named}.`} Calendar Sync was not installed; start the installation again from SuperOffice.`;
}

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
      const providerError = q(req.query.error);
      if (err instanceof InstallError && providerError !== undefined && code === providerError) {
        req.log.warn({ code: code.slice(0, 100), description: q(req.query.error_description)?.slice(0, 500) }, 'installation refused: SuperOffice answered with an error');
        res.status(400).type('html').send(htmlPage('Calendar Sync was not installed', [providerErrorText(code)]));
        return;
      }
      req.log.warn({ code, reason: err.message }, 'installation refused');
      res.status(400).type('html').send(htmlPage('Calendar Sync was not installed', [err.message]));
    }
  });
  return r;
}
