// The simulated Entra ID's browser session: whoever accepted a consent or signed in on its pages is
// remembered by a cookie on its origin, as Entra's session cookie does, so a sign-in that asks for
// nothing new (an id_token after an administrator's admin consent) completes without a page.
// `prompt=login|select_account|consent` always shows the page.
import type { Request, Response } from 'express';
import type { DirUser } from '../directory.ts';
import type { IdentityContext } from './context.ts';

const COOKIE = 'sim_sso';
/** Scopes a signed-in user needs no consent page for (sign-in itself). */
const SIGN_IN_ONLY = new Set(['openid', 'profile', 'email', 'offline_access']);

export function rememberSignIn(res: Response, user: DirUser): void {
  res.cookie(COOKIE, user.id, { httpOnly: true, secure: true, sameSite: 'lax', path: '/' });
}

function cookieUser(ctx: IdentityContext, req: Request): DirUser | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === COOKIE && value) return ctx.dir.user(decodeURIComponent(value));
  }
  return undefined;
}

/** The session's user when this request may complete without a page, else undefined. */
export function silentUser(ctx: IdentityContext, req: Request, scopes: string[], prompt: string | undefined): DirUser | undefined {
  if (prompt === 'login' || prompt === 'select_account' || prompt === 'consent') return undefined;
  const user = cookieUser(ctx, req);
  if (!user) return undefined;
  const consented = ctx.dir.userConsents.get(user.id) ?? new Set<string>();
  return scopes.every((s) => SIGN_IN_ONLY.has(s) || consented.has(s)) ? user : undefined;
}
