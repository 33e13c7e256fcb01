// Graph's error envelope: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`
// (https://learn.microsoft.com/graph/errors). Handlers throw GraphError; the pipeline writes it.

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorBody(err: GraphError, requestId: string, clientRequestId: string | undefined, now: number): Record<string, unknown> {
  return {
    error: {
      code: err.code,
      message: err.message,
      innerError: { date: new Date(now).toISOString().replace(/\.\d+Z$/, ''), 'request-id': requestId, 'client-request-id': clientRequestId ?? requestId },
    },
  };
}

export const badRequest = (message: string, code = 'BadRequest') => new GraphError(400, code, message);
export const invalidParameter = (message: string) => new GraphError(400, 'ErrorInvalidParameter', message);
export const itemNotFound = () => new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
export const accessDenied = () => new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
export const mailboxNotEnabled = () =>
  new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
export const invalidUser = (ref: string) => new GraphError(404, 'ErrorInvalidUser', `The requested user '${ref}' is invalid.`);
