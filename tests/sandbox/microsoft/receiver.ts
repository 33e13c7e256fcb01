// A notification endpoint for the simulator's tests: plain HTTP on 127.0.0.1 (the simulator allows
// loopback http when told to), answering Graph's validation handshake by echoing the token as
// text/plain and recording every notification. The test's responder picks the status (and a delay).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Notification {
  path: string;
  body: { value: Array<Record<string, unknown>> };
}

export interface Receiver {
  /** Base URL; post to `${url}/changes`, `${url}/lifecycle` etc. */
  url: string;
  validations: string[];
  received: Notification[];
  /** How to answer a notification: status and optional delay. Default 202 at once. */
  respond: (n: Notification, index: number) => { status: number; delayMs?: number };
  /** How to answer a validation: default echo the token. */
  validate: (token: string) => { status: number; body: string; type?: string };
  /** Resolves once `count` notifications have arrived at `path`. */
  waitFor(path: string, count: number): Promise<Notification[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const waiters: Array<{ path: string; count: number; resolve: (n: Notification[]) => void }> = [];
  const timers = new Set<NodeJS.Timeout>();
  const at = (path: string) => r.received.filter((n) => n.path === path);
  const r: Receiver = {
    url: '',
    validations: [],
    received: [],
    respond: () => ({ status: 202 }),
    validate: (token) => ({ status: 200, body: token }),
    waitFor(path, count) {
      if (at(path).length >= count) return Promise.resolve(at(path).slice(0, count));
      return new Promise((resolve) => waiters.push({ path, count, resolve }));
    },
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const token = url.searchParams.get('validationToken');
      if (token !== null) {
        r.validations.push(url.pathname);
        const v = r.validate(token);
        res.writeHead(v.status, { 'content-type': v.type ?? 'text/plain; charset=utf-8' }).end(v.body);
        return;
      }
      const n: Notification = { path: url.pathname, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notification['body'] };
      const index = r.received.push(n) - 1;
      const answer = r.respond(n, index);
      const reply = () => {
        if (!res.destroyed) res.writeHead(answer.status).end();
      };
      if (answer.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          reply();
        }, answer.delayMs);
        timers.add(t);
      } else reply();
      for (const w of waiters.filter((x) => at(x.path).length >= x.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(at(w.path).slice(0, w.count));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
}
