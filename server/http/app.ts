// The Express application: security headers, request logging, body limits, the health routes, the
// routers the composition root hands in, then JSON 404 and the JSON error handler.
import type { IncomingMessage } from 'node:http';
import express, { type Router } from 'express';
import helmet from 'helmet';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { errorHandler, notFound } from './errors.ts';
import { healthRouter, httpMetrics, type ReadinessCheck } from './health.ts';
import { keepRawBody } from './raw-body.ts';
import { requestLogger } from './request-log.ts';

export interface HttpAppOptions {
  config: Pick<Config, 'frameAncestors' | 'BODY_LIMIT' | 'mode' | 'METRICS_TOKEN'>;
  log: Logger;
  readiness: () => ReadinessCheck[];
  routers?: Router[];
}

/** The only pages SuperOffice frames (manifest/app.json's web panels) and their assets. */
const FRAMED = /^\/panel\//;

/**
 * CSP frame-ancestors per request. In production only the panels may be framed, and only by the
 * configured SuperOffice hosts; every other page (sign-in popups, install, callbacks) by nobody. The
 * hosts cannot be narrowed to one tenant's: SuperOffice moves a tenant between hosts (sod2 to sod3)
 * to balance load, without telling the app (README, "Framing"). The sandbox shell frames its own
 * pages, so there everything keeps 'self'.
 */
function frameAncestorsFor(config: HttpAppOptions['config']): (req: IncomingMessage) => string {
  const panels = config.frameAncestors.join(' ');
  if (config.mode !== 'production') return () => panels;
  return (req) => (FRAMED.test(req.url ?? '') ? panels : "'none'");
}

export function createHttpApp(opts: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind a load balancer or TLS terminator, trust its X-Forwarded-* for req.secure and req.ip.
  app.set('trust proxy', opts.config.mode === 'production' ? 1 : false);
  app.use(requestLogger(opts.log));
  app.use(httpMetrics);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // The panels live inside SuperOffice's frames: only its hosts (or, in the sandbox, the
          // sandbox shell) may frame them, and nothing else may be framed at all.
          frameAncestors: [frameAncestorsFor(opts.config)],
          // Sign-in happens in a popup; the panel must still be able to talk to its opener.
          formAction: ["'self'"],
          // The sandbox is plain http on loopback: upgrading its requests to https would break it.
          upgradeInsecureRequests: opts.config.mode === 'production' ? [] : null,
        },
      },
      strictTransportSecurity: opts.config.mode === 'production',
      // X-Frame-Options cannot name another origin; CSP frame-ancestors replaces it.
      xFrameOptions: false,
      // The framed panel opens the sign-in popup and must keep window.opener.
      crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    }),
  );
  app.use(express.json({ limit: opts.config.BODY_LIMIT, verify: keepRawBody }));
  app.use(express.urlencoded({ extended: false, limit: opts.config.BODY_LIMIT }));
  const metrics = opts.config.METRICS_TOKEN
    ? { token: opts.config.METRICS_TOKEN }
    : opts.config.mode === 'production' ? { off: true as const } : { open: true as const };
  app.use(healthRouter(opts.readiness, metrics));
  for (const r of opts.routers ?? []) app.use(r);
  app.use(notFound);
  app.use(errorHandler());
  return app;
}
