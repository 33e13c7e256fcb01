// The exact bytes of a JSON request body, kept beside the parsed one: webhook signatures are
// computed over them, and re-serialised JSON would not match.
import type { IncomingMessage } from 'node:http';

const RAW = Symbol('rawBody');

type WithRaw = IncomingMessage & { [RAW]?: Buffer };

/** For express.json({ verify }). */
export function keepRawBody(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  (req as WithRaw)[RAW] = buf;
}

export function rawBodyOf(req: IncomingMessage): Buffer | undefined {
  return (req as WithRaw)[RAW];
}
