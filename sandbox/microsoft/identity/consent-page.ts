// The simulated Microsoft sign-in and consent page: pick an account, see the permissions asked for,
// Accept or Cancel. One plain form POST and no script, so it works in a popup, a frame, a tab or a
// headless browser alike. Used for a user's delegated consent and for an administrator's admin consent.
import type { Response } from 'express';
import type { DirUser } from '../directory.ts';
import { esc } from './errors.ts';

export interface ConsentPageOptions {
  heading: string;
  appName: string;
  action: string;
  /** Every request parameter, sent back unchanged as hidden fields. */
  params: Record<string, string>;
  users: DirUser[];
  selectedUserId: string | null;
  permissions: string[];
  notice?: string;
}

export function sendConsentPage(res: Response, o: ConsentPageOptions): void {
  const hidden = Object.entries(o.params)
    .filter(([k]) => k !== 'user' && k !== 'decision')
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('\n    ');
  const users = o.users
    .map((u) => {
      const checked = u.id === o.selectedUserId ? ' checked' : '';
      const role = u.isAdmin ? ' <small>(Global administrator)</small>' : '';
      return `<label><input type="radio" name="user" value="${esc(u.id)}"${checked} required> ${esc(u.displayName)} &lt;${esc(u.userPrincipalName)}&gt;${role}</label>`;
    })
    .join('\n      ');
  const perms = o.permissions.map((p) => `<li>${esc(p)}</li>`).join('');
  const notice = o.notice ? `<p class="notice" role="alert">${esc(o.notice)}</p>` : '';
  res
    .status(200)
    .type('html')
    .set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; base-uri 'none'")
    .send(`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${esc(o.heading)} (Microsoft simulator)</title>
  <style>
    body { font: 15px "Segoe UI", system-ui, sans-serif; max-width: 30rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
    fieldset { border: 1px solid #ccc; border-radius: 4px; margin: 1rem 0; }
    label { display: block; padding: .3rem 0; }
    .notice { background: #fde7e9; padding: .6rem; }
    button { font: inherit; padding: .4rem 1.2rem; margin-right: .5rem; }
  </style>
</head>
<body>
  <h1>${esc(o.heading)}</h1>
  <p><strong>${esc(o.appName)}</strong> needs permission to:</p>
  <ul>${perms}</ul>
  ${notice}
  <form method="post" action="${esc(o.action)}">
    ${hidden}
    <fieldset><legend>Sign in as</legend>
      ${users}
    </fieldset>
    <button type="submit" name="decision" value="accept">Accept</button>
    <button type="submit" name="decision" value="cancel" formnovalidate>Cancel</button>
  </form>
</body>
</html>`);
}
