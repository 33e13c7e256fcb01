// Graph v1.0 assembled: mailboxes, delta states, subscriptions and their notifier, the pipeline with
// every route, and the express adapter that feeds it HTTP requests under /v1.0. Bodies are read as
// text and parsed here, so a malformed one gets Graph's error envelope rather than express's page.
import express, { Router } from 'express';
import type { Directory, DirUser } from '../directory.ts';
import type { MsSettings } from '../settings.ts';
import { batchRoute } from './batch.ts';
import { calendarRoutes } from './calendars-routes.ts';
import type { GraphContext } from './context.ts';
import { DeltaStore, deltaRoutes } from './delta.ts';
import { errorBody, GraphError } from './errors.ts';
import { eventRoutes } from './events-routes.ts';
import { Mailboxes } from './mailboxes.ts';
import { Notifier } from './notifier.ts';
import { GraphPipeline, JSON_TYPE } from './pipeline.ts';
import { Subscriptions } from './subscriptions.ts';
import { userRoutes } from './users-routes.ts';

export interface GraphOptions {
  dir: Directory;
  settings: MsSettings;
  graphBase: () => string;
  caPem: string;
  allowHttpNotifications: boolean;
  mailboxZone: (user: DirUser) => string;
}

export interface GraphService {
  router: Router;
  ctx: GraphContext;
  pipeline: GraphPipeline;
  mailboxes: Mailboxes;
  delta: DeltaStore;
  subscriptions: Subscriptions;
  notifier: Notifier;
  close(): Promise<void>;
}

export function createGraph(opts: GraphOptions): GraphService {
  const mailboxes = new Mailboxes(opts.dir, opts.mailboxZone);
  const ctx: GraphContext = { dir: opts.dir, settings: opts.settings, mailboxes, graphBase: opts.graphBase };
  const notifier = new Notifier(opts.settings, opts.caPem);
  const subscriptions = new Subscriptions(ctx, notifier, opts.allowHttpNotifications);
  mailboxes.onChange((c) => subscriptions.onChange(c));
  const delta = new DeltaStore(ctx);
  const pipeline = new GraphPipeline(ctx);
  pipeline.addRoutes([...userRoutes(ctx), ...calendarRoutes(ctx), ...eventRoutes(ctx), ...deltaRoutes(delta), ...subscriptions.routes(), batchRoute(pipeline)]);

  const router = Router();
  router.use('/v1.0', express.text({ type: () => true, limit: '4mb' }), async (req, res) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    let body: unknown;
    const text = typeof req.body === 'string' ? req.body : '';
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch {
        const e = new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
        res.status(400).type(JSON_TYPE).send(JSON.stringify(errorBody(e, 'n/a', headers['client-request-id'], opts.dir.now())));
        return;
      }
    }
    const out = await pipeline.handleHttp({ method: req.method, url: req.url, headers, body });
    res.status(out.status).set(out.headers ?? {});
    if (out.body === undefined) res.end();
    else res.send(JSON.stringify(out.body));
  });
  return {
    router, ctx, pipeline, mailboxes, delta, subscriptions, notifier,
    close: () => notifier.close(),
  };
}
