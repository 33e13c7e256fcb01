// The HTML of the simulated SuperID sign-in and consent page: pick one of the tenant's users, approve
// or cancel. Plain HTML and one form POST, no script, so it works the same in a popup, a tab or a
// headless browser.
import type { Associate, Tenant } from '../store.ts';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function consentPage(opts: {
  appName: string;
  action: string;
  /** Every authorize parameter, sent back unchanged as hidden fields. */
  params: Record<string, string>;
  tenants: Tenant[];
  users: (t: Tenant) => Associate[];
  /** `ctx:associateId` to preselect (from login_hint). */
  selected: string | null;
  /** Shown above the form after a refused attempt. */
  notice?: string;
}): string {
  const hidden = Object.entries(opts.params)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('\n    ');
  const groups = opts.tenants
    .map((t) => {
      const rows = opts
        .users(t)
        .map((u) => {
          const value = `${t.contextIdentifier}:${u.associateId}`;
          const checked = value === opts.selected ? ' checked' : '';
          const role = u.isAdministrator ? ' <small>(administrator)</small>' : '';
          return `<label><input type="radio" name="user" value="${esc(value)}"${checked} required> ${esc(u.firstName)} ${esc(u.lastName)} &lt;${esc(u.email)}&gt;${role}</label>`;
        })
        .join('\n      ');
      return `<fieldset><legend>${esc(t.companyName)} (${esc(t.contextIdentifier)})</legend>\n      ${rows}\n    </fieldset>`;
    })
    .join('\n    ');
  const notice = opts.notice ? `<p class="notice" role="alert">${esc(opts.notice)}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in to SuperOffice (simulator)</title>
  <style>
    body { font: 15px system-ui, sans-serif; max-width: 34rem; margin: 2rem auto; padding: 0 1rem; color: #1d2b36; }
    fieldset { border: 1px solid #c8d3db; border-radius: 6px; margin: 1rem 0; }
    label { display: block; padding: .3rem 0; }
    .notice { background: #fff3cd; padding: .6rem; border-radius: 4px; }
    button { font: inherit; padding: .45rem 1rem; margin-right: .5rem; }
  </style>
</head>
<body>
  <h1>SuperOffice sign-in</h1>
  <p><strong>${esc(opts.appName)}</strong> asks to sign you in and use SuperOffice on your behalf.</p>
  ${notice}
  <form method="post" action="${esc(opts.action)}">
    ${hidden}
    ${groups}
    <button type="submit" name="decision" value="approve">I approve</button>
    <button type="submit" name="decision" value="cancel" formnovalidate>Cancel</button>
  </form>
</body>
</html>`;
}

export function errorPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SuperOffice sign-in error</title></head>` +
    `<body><h1>Sign-in error</h1><p>${esc(message)}</p></body></html>`;
}
