// A stand-in for the app's Graph notification routes, minus the queue: it echoes the validation
// token of a new subscription and keeps every notification body it is sent, by path.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validationTokenOf } from '../../server/providers/graph/subscription.ts';

export interface NotificationReceiver {
  /** http://127.0.0.1:PORT */
  base: string;
  received: Array<{ path: string; body: { value: Array<Record<string, unknown>> } }>;
  close(): Promise<void>;
}

export async function startNotificationReceiver(): Promise<NotificationReceiver> {
  const received: NotificationReceiver['received'] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const token = validationTokenOf(Object.fromEntries(url.searchParams));
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      if (token !== undefined) return void res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
      received.push({ path: url.pathname, body: JSON.parse(raw) });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
