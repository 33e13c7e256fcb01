// JSON errors for every route. The body names what went wrong and carries the request id to quote
// to support; it never holds a stack trace or an internal message of an unexpected error.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { PendingLoginsFull } from '../db/pending-logins.ts';

/** An error meant for the client: its status, code and message are shown as they are. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: 'not_found', message: `No route for ${req.method} ${req.path}`, requestId: req.id });
};

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
  /** http-errors' mark of an error meant for the client; zlib's failures on a bad Content-Encoding carry it with status 400. */
  expose?: boolean;
}

export function errorHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const e = err as BodyParserError;
    let status = 500;
    let code = 'internal_error';
    let message = 'Something went wrong on our side. The error was logged; quote the request id to support.';
    if (err instanceof HttpError) {
      ({ status, code, message } = err);
    } else if (err instanceof PendingLoginsFull) {
      // Anonymous traffic filled the table of sign-ins under way: refuse, never grow it or fail.
      status = 503;
      code = 'too_many_sign_ins';
      message = 'Too many sign-ins are under way right now. Try again in a minute.';
      res.set('retry-after', '60');
    } else if (e?.type === 'entity.too.large') {
      status = 413;
      code = 'payload_too_large';
      message = `The request body is larger than the limit of ${e.limit} bytes.`;
    } else if (e?.type === 'entity.parse.failed') {
      status = 400;
      code = 'malformed_json';
      message = 'The request body is not valid JSON.';
    } else if (e?.type && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      // Other body-parser rejections (unsupported charset, encoding, aborted request).
      status = e.status;
      code = e.type.replace(/\W+/g, '_');
      message = e.message;
    } else if (e?.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      // For example a body that does not decode as its Content-Encoding says (zlib's "incorrect
      // header check"): the client's fault, so a 4xx, in our words rather than zlib's.
      status = e.status;
      code = 'bad_request';
      message = 'The request could not be read (for example, its body does not match its Content-Encoding).';
    }
    if (status >= 500 && status !== 503) req.log?.error({ err }, 'request failed');
    else req.log?.warn({ status, code, reason: message }, 'request rejected');
    if (res.headersSent) return;
    res.status(status).json({ error: code, message, requestId: req.id });
  };
}
