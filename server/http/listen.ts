import { createServer, type Server, type RequestListener } from 'node:http';

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
  ) {
    super(`Port ${port} on ${host} is already in use: stop the other program or set PORT to a free port.`);
    this.name = 'PortInUseError';
  }
}

/**
 * Listens before the app is fully built, so /readyz can answer 503 while the database is still
 * coming up. `setHandler` swaps in the real application once it exists.
 */
export async function listen(
  port: number,
  host: string,
): Promise<{ server: Server; port: number; setHandler(h: RequestListener): void }> {
  let handler: RequestListener = (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ error: 'starting', message: 'The app is starting; try again in a moment.' }));
  };
  const server = createServer((req, res) => handler(req, res));
  // Keep-alive sockets must not outlive a shutdown by minutes.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, host) : err),
    );
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return {
    server,
    port: typeof addr === 'object' && addr ? addr.port : port,
    setHandler: (h) => {
      handler = h;
    },
  };
}
