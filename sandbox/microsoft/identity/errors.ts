// Entra ID's OAuth error answers: `{error, error_description, error_codes, timestamp, trace_id,
// correlation_id}`, the description starting with the AADSTS code and ending with the ids, which is
// what msal-node parses into its ServerError / InteractionRequiredAuthError.
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';

export class AadError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    message: string,
    readonly suberror?: string,
  ) {
    super(message);
  }
}

function timestamp(now: number): string {
  return new Date(now).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function sendAadError(res: Response, err: AadError, now: number, correlationId?: string): void {
  const trace = randomUUID();
  const correlation = correlationId || randomUUID();
  const ts = timestamp(now);
  res
    .status(err.status)
    .set({ 'cache-control': 'no-store, no-cache', pragma: 'no-cache' })
    .json({
      error: err.error,
      error_description: `AADSTS${err.code}: ${err.message} Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: ${ts}`,
      error_codes: [err.code],
      timestamp: ts,
      trace_id: trace,
      correlation_id: correlation,
      ...(err.suberror ? { suberror: err.suberror } : {}),
      error_uri: `https://login.microsoftonline.com/error?code=${err.code}`,
    });
}

export const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** What Entra shows instead of redirecting when the client or redirect URI cannot be trusted. */
export function errorPage(code: number, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title></head>` +
    `<body><h1>Sorry, but we’re having trouble signing you in.</h1><p>AADSTS${code}: ${esc(message)}</p></body></html>`;
}
