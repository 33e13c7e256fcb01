// Starts one local simulator (SuperOffice, Entra ID + Graph, EWS, Google) on a free port, over HTTPS
// signed by the sandbox CA or over plain HTTP.
//
// The URL always says `localhost`, because that is the name the certificates carry and the one an SDK
// is configured with. `localhost` may resolve to 127.0.0.1 or to ::1 depending on the machine, so by
// default the simulator listens on both loopback addresses with the same port.
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIPv6 } from 'node:net';
import { LOCAL_HOSTNAMES, type Ca } from './ca.ts';

export interface SimulatorOptions {
  https: boolean;
  /** Required when `https` is true: it signs the simulator's certificate. */
  ca?: Ca;
  /** Bind one address only (e.g. '0.0.0.0' to reach it from another machine). Default: both loopbacks. */
  host?: string;
  /** A fixed port; default 0, a free one chosen by the kernel. */
  port?: number;
}

export interface Simulator {
  /** `https://localhost:PORT` (or http), without a trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** How many times a port taken on ::1 (but free on 127.0.0.1) is given back and another one tried. */
const PORT_ATTEMPTS = 5;

function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Keep-alive connections from SDK agents would otherwise hold close() open indefinitely.
    server.closeAllConnections();
  });
}

/** Errors meaning "this machine has no IPv6 loopback", after which IPv4 alone is fine. */
function noIpv6(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT';
}

export async function startSimulator(handler: RequestListener, opts: SimulatorOptions): Promise<Simulator> {
  const scheme = opts.https ? 'https' : 'http';
  let tls: { key: string; cert: string } | undefined;
  if (opts.https) {
    if (!opts.ca) throw new Error('startSimulator: an https simulator needs the sandbox CA (opts.ca)');
    const names = opts.host && !LOCAL_HOSTNAMES.includes(opts.host) && !['0.0.0.0', '::'].includes(opts.host)
      ? [...LOCAL_HOSTNAMES, opts.host]
      : LOCAL_HOSTNAMES;
    tls = opts.ca.issueServerCert(names);
  }
  const make = (): Server => {
    const server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createHttpServer(handler);
    server.keepAliveTimeout = 5_000;
    return server;
  };

  if (opts.host) {
    const server = make();
    const port = await listenOn(server, opts.port ?? 0, opts.host);
    const wildcard = opts.host === '0.0.0.0' || opts.host === '::';
    const shown = wildcard ? 'localhost' : isIPv6(opts.host) ? `[${opts.host}]` : opts.host;
    return { url: `${scheme}://${shown}:${port}`, port, close: () => closeServer(server) };
  }

  for (let attempt = 1; ; attempt++) {
    const v4 = make();
    const port = await listenOn(v4, opts.port ?? 0, '127.0.0.1');
    const v6 = make();
    try {
      await listenOn(v6, port, '::1');
    } catch (err) {
      if (noIpv6(err)) {
        return { url: `${scheme}://localhost:${port}`, port, close: () => closeServer(v4) };
      }
      await closeServer(v4);
      // Someone else holds this port on ::1 only; a fixed port cannot be helped, a random one can.
      if (opts.port || attempt >= PORT_ATTEMPTS) throw err;
      continue;
    }
    return {
      url: `${scheme}://localhost:${port}`,
      port,
      close: async () => {
        await Promise.all([closeServer(v4), closeServer(v6)]);
      },
    };
  }
}
