// Rate limits of the routes anyone can reach without signing in, per client address (IPv6 per /56),
// counted in PostgreSQL so the limit holds however many web nodes there are. Sign-in starts write a
// row each (pending_logins), so they get a tight limit and, past PENDING_LOGINS_MAX sign-ins under
// way from everyone together, a 503; the callbacks and the session claim a generous one.
//
// Not limited by address, on purpose: webhooks and Graph notifications (they come from a handful of
// SuperOffice and Microsoft addresses carrying every tenant's traffic; each is verified before it
// writes anything), /api/panel (signed-in only; a whole office polls from one address), the panels'
// static files and the health routes.
import { Router, type RequestHandler } from 'express';
import { rateLimit, type Options } from 'express-rate-limit';
import type { Knex } from 'knex';
import { PendingLoginsFull, pendingLoginsFull } from '../db/pending-logins.ts';
import { PostgresRateLimitStore } from '../db/rate-limit-store.ts';
import { ADMIN_CONSENT_CALLBACK } from '../microsoft/admin-consent.ts';
import { USER_CONSENT_CALLBACK } from '../microsoft/user-consent.ts';
import { CALLBACK_PATH, INSTALL_PATH } from './superoffice-install.ts';

export interface PublicLimits {
  windowMs: number;
  /** Sign-in starts per address per window. */
  signIn: number;
  /** Other unauthenticated requests per address per window. */
  public: number;
  /** Sign-ins under way from everyone together before a start is refused. */
  pendingLoginsMax: number;
}

/** Each starts a sign-in, which is a pending_logins row until it completes or expires. */
const SIGN_IN_STARTS = [INSTALL_PATH, '/panel-auth/start'];
/** Where a sign-in or consent comes back, and where the framed panel claims its session (panel-auth.ts). */
const CALLBACKS = [CALLBACK_PATH, '/panel-auth/callback', '/panel-auth/claim', ADMIN_CONSENT_CALLBACK, USER_CONSENT_CALLBACK];

function limiter(db: Knex, name: string, windowMs: number, limit: number): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    store: new PostgresRateLimitStore(db, `${name}:`),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, res, _next, options: Options) => {
      const info = (req as typeof req & { rateLimit?: { used: number; limit: number; resetTime?: Date } }).rateLimit;
      // Logged once per address and window, not for every refused request of a flood.
      if (info && info.used === info.limit + 1) req.log?.warn({ limit: name, max: info.limit, windowMs }, 'rate limit reached');
      const seconds = Math.max(1, Math.ceil(((info?.resetTime?.getTime() ?? Date.now() + windowMs) - Date.now()) / 1000));
      res.set('retry-after', String(seconds));
      res.status(options.statusCode).json({
        error: 'rate_limited',
        message: `Too many requests from your address. Try again in ${seconds} seconds.`,
        requestId: req.id,
      });
    },
  });
}

export function publicRateLimits(db: Knex, limits: PublicLimits): Router {
  const r = Router();
  const gate: RequestHandler = async (_req, _res, next) => {
    next((await pendingLoginsFull(db, limits.pendingLoginsMax)) ? new PendingLoginsFull(limits.pendingLoginsMax) : undefined);
  };
  r.use(SIGN_IN_STARTS, limiter(db, 'sign-in', limits.windowMs, limits.signIn), gate);
  r.use(CALLBACKS, limiter(db, 'public', limits.windowMs, limits.public));
  return r;
}
