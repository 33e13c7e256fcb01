// Liveness, readiness and metrics. /healthz says the process is up; /readyz says it can do its
// work (database and queue answer) and is what a load balancer should route on. Both are public, so
// /readyz names its checks and their status only: why a check failed goes to the log. /metrics
// tells how busy each route is and is only for the operator's scraper (see MetricsAccess).
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { Histogram } from 'prom-client';
import type { Request, RequestHandler } from 'express';
import { registry } from '../metrics.ts';

export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

/** How long one check may take before it counts as failed: a hung database must not hang /readyz. */
const CHECK_TIMEOUT_MS = 3000;

async function runCheck(c: ReadinessCheck): Promise<{ name: string; ok: boolean; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: false; detail: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
  });
  try {
    const r = await Promise.race([c.check().catch((e: Error) => ({ ok: false, detail: e.message })), timeout]);
    return { name: c.name, ...r };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Who may read /metrics: everyone (the sandbox on loopback), whoever sends this bearer token (401
 * otherwise), or nobody (production without METRICS_TOKEN: the same 404 as an unknown path).
 */
export type MetricsAccess = { open: true } | { token: string } | { off: true };

function bearerMatches(req: Request, token: string): boolean {
  const m = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '');
  if (!m) return false;
  // Digests make the lengths equal, so the comparison time says nothing about the token.
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(m[1]!.trim()), digest(token));
}

export function healthRouter(getChecks: () => ReadinessCheck[], metrics: MetricsAccess): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (req, res) => {
    const checks = getChecks();
    const results = checks.length
      ? await Promise.all(checks.map(runCheck))
      : [{ name: 'startup', ok: false, detail: 'still starting' }];
    const ok = results.every((x) => x.ok);
    const failed = results.filter((x) => !x.ok);
    if (failed.length) req.log?.warn({ checks: failed }, 'not ready');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready', checks: results.map(({ name, ok }) => ({ name, ok })) });
  });
  if (!('off' in metrics)) {
    r.get('/metrics', async (req, res) => {
      if ('token' in metrics && !bearerMatches(req, metrics.token)) {
        res.status(401).set('www-authenticate', 'Bearer').json({ error: 'unauthorized', message: 'GET /metrics needs the bearer token set in METRICS_TOKEN.', requestId: req.id });
        return;
      }
      res.setHeader('Content-Type', registry.contentType);
      res.send(await registry.metrics());
    });
  }
  return r;
}

const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP requests by method, matched route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

/** Labels by the matched route pattern, never the raw path, so ids in URLs don't explode cardinality. */
export const httpMetrics: RequestHandler = (req, res, next) => {
  const end = httpDuration.startTimer();
  res.on('finish', () => {
    const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
    end({ method: req.method, route, status: String(res.statusCode) });
  });
  next();
};
