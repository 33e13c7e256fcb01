// The panel session's cookie, `cs_session_<ctx>` (docs/panel-api.md, "Signing in"): one per tenant,
// holding the session token. Only POST /panel-auth/claim sets it, the sliding refresh renews it and
// sign-out clears it, all with the same attributes.
import type { Request, Response } from 'express';
import { SESSION_TTL_MS } from '../panel/sessions.ts';

const cookieName = (ctx: string) => `cs_session_${ctx}`;

// SameSite=None because the panel reads it inside SuperOffice's frame (a third-party context);
// Secure is required with it, and browsers accept it from http://localhost in the sandbox.
// Partitioned (CHIPS): the browser keys it to the top-level site, SuperOffice's, and so keeps it in
// the frame even where third-party cookies are blocked. Every Set-Cookie of it carries the
// attribute, the refresh and the clearing too: without it, it would name another cookie.
const COOKIE_OPTIONS = { path: '/', secure: true, httpOnly: true, sameSite: 'none', partitioned: true } as const;

export function setSessionCookie(res: Response, ctx: string, token: string): void {
  res.cookie(cookieName(ctx), token, { ...COOKIE_OPTIONS, maxAge: SESSION_TTL_MS });
}

export function clearSessionCookie(res: Response, ctx: string): void {
  res.clearCookie(cookieName(ctx), COOKIE_OPTIONS);
}

/**
 * The tokens the request's Cookie header holds for the tenant `ctx`, in the order sent (at most
 * three). More than one when a browser keeps a partitioned and an unpartitioned cookie of that
 * name (one set before sessions were partitioned), which it sends side by side.
 */
export function sessionTokensOf(req: Request, ctx: string): string[] {
  const name = cookieName(ctx);
  const out: string[] = [];
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      out.push(decodeURIComponent(value));
    } catch {
      out.push(value);
    }
  }
  return out.slice(0, 3);
}
