// A webhook target for the simulator's tests: plain HTTP on 127.0.0.1, keeps every request's raw
// bytes and headers, and answers with whatever status the test's responder picks.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  body: Record<string, unknown>;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Status for the next request; default 200. */
  respond: (r: Received, index: number) => number;
  /** Resolves once `count` requests in all have arrived. */
  waitFor(count: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const waiters: { count: number; resolve: (r: Received[]) => void }[] = [];
  const receiver: Receiver = {
    url: '',
    received: [],
    respond: () => 200,
    waitFor(count) {
      if (receiver.received.length >= count) return Promise.resolve(receiver.received.slice(0, count));
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const r: Received = { headers: req.headers, raw, body: JSON.parse(raw.toString('utf8')) as Record<string, unknown> };
      const index = receiver.received.push(r) - 1;
      res.writeHead(receiver.respond(r, index), { 'content-type': 'text/plain' }).end('ok');
      for (const w of waiters.filter((x) => receiver.received.length >= x.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(receiver.received.slice(0, w.count));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}
