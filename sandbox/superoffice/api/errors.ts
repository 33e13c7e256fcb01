// NetServer's error body, `{Error, ErrorType, Message, ErrorSource}` (specs/superoffice.md 6.1), for
// every failure the tenant API answers, including malformed JSON.
import type { ErrorRequestHandler, Response } from 'express';

const ERROR_SOURCE = 'SuperOffice.Services.Implementation';

export class SoApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

export function sendSoError(res: Response, status: number, errorType: string, message: string): void {
  res.status(status).json({ Error: true, ErrorType: errorType, Message: message, ErrorSource: ERROR_SOURCE });
}

export function notFound(entity: string, id: number | string): SoApiError {
  return new SoApiError(404, 'SoNotFoundException', `${entity} with id ${id} not found`);
}

export const soErrorHandler: ErrorRequestHandler = (err, _req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  if (err instanceof SoApiError) {
    sendSoError(res, err.status, err.errorType, err.message);
    return;
  }
  const e = err as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.parse.failed') {
    sendSoError(res, 400, 'JsonReaderException', `Request body is not valid JSON: ${e.message ?? ''}`);
    return;
  }
  if (e.type === 'entity.too.large') {
    sendSoError(res, 413, 'RequestEntityTooLarge', 'Request body too large');
    return;
  }
  sendSoError(res, 500, 'Exception', 'Internal error in the SuperOffice simulator');
};
