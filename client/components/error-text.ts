// An error from a request, in words for a person: the server's own message when it sent one, a
// plain sentence otherwise. Never a stack trace.
import { ApiError } from '../api.ts';

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message || `The request failed (${err.status}).`;
  if (err instanceof TypeError) return 'Calendar Sync could not be reached. Check the connection and try again.';
  return 'Something went wrong. Try again in a moment.';
}

/** The server's 422 issues, keyed by the field path without a leading "settings." or "overrides.". */
export function issuesByPath(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(err instanceof ApiError) || !err.issues) return out;
  for (const issue of err.issues) {
    const path = issue.path.replace(/^(settings|overrides)\.?/, '');
    out[path] = out[path] ? `${out[path]} ${issue.message}` : issue.message;
  }
  return out;
}
