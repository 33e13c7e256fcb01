// A push receiver (SuperOffice webhooks, Graph notifications) served as production serves it, on a
// test's database with the real queue (enqueue only, no worker), its log captured line by line so
// a test can say what was logged at which level.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import type { Router } from 'express';
import { createHttpApp } from '../../server/http/app.ts';
import { createQueue, type Queue } from '../../server/jobs/queue.ts';
import { createLogger } from '../../server/log.ts';
import type { MigratedDatabase } from './db.ts';

export interface Receiver {
  /** The receiver's URL (`path` on the test server). */
  url: string;
  logLines: string[];
  close(): Promise<void>;
}

export async function serveReceiver(t: MigratedDatabase, path: string, router: (queue: Queue) => Router): Promise<Receiver> {
  const logLines: string[] = [];
  const queue = createQueue({ databaseUrl: t.url, db: t.db, log: createLogger('silent'), concurrency: 1, runWorker: false });
  await queue.start();
  const app = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'production' },
    log: createLogger('info', new Writable({ write: (c, _e, cb) => (logLines.push(String(c)), cb()) })),
    readiness: () => [],
    routers: [router(queue)],
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    logLines,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await queue.stop(1000);
    },
  };
}
