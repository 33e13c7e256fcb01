// The panels' one way to the server (docs/panel-api.md): every request names the panel's tenant and
// user (X-Panel-Context, X-Panel-Associate, from the panel URL), sends the session cookie, and, when
// it changes something, the session's CSRF token. Error answers become an ApiError.
import { readPanelContext } from './panel-context.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface ApiIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The contract's code: signed_out, not_administrator, csrf, not_found, conflict, invalid, provider, internal... */
    readonly code: string,
    message: string,
    readonly issues?: ApiIssue[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const API_BASE = '/api/panel';
let csrfToken: string | null = null;
const signedOutListeners = new Set<() => void>();

/** Set by the session gate once it knows the session (null after sign-out). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called whenever a request answers 401 signed_out (the session expired meanwhile); returns the unsubscribe. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

function headersFor(method: Method, hasBody: boolean): Record<string, string> {
  const ctx = readPanelContext(window.location);
  const h: Record<string, string> = { accept: 'application/json' };
  if (ctx.contextIdentifier) h['x-panel-context'] = ctx.contextIdentifier;
  if (ctx.associateId) h['x-panel-associate'] = ctx.associateId;
  if (method !== 'GET' && csrfToken) h['x-csrf-token'] = csrfToken;
  if (hasBody) h['content-type'] = 'application/json';
  return h;
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  const b = (body ?? {}) as { error?: unknown; message?: unknown; issues?: unknown };
  const issues = Array.isArray(b.issues)
    ? b.issues
        .filter((i): i is { path?: unknown; message?: unknown } => typeof i === 'object' && i !== null)
        .map((i) => ({ path: Array.isArray(i.path) ? i.path.join('.') : String(i.path ?? ''), message: String(i.message ?? '') }))
    : undefined;
  return new ApiError(
    res.status,
    typeof b.error === 'string' ? b.error : `http_${res.status}`,
    typeof b.message === 'string' ? b.message : `Calendar Sync answered ${res.status} ${res.statusText}.`.trim(),
    issues,
  );
}

/** The raw response of `path` (relative to /api/panel), e.g. for the CSV export; throws ApiError on an error status. */
export async function apiFetch(method: Method, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${API_BASE}${path.startsWith('/') ? path : `/${path}`}`, {
    method,
    headers: headersFor(method, body !== undefined),
    credentials: 'include',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (res.ok) return res;
  const err = await errorOf(res);
  if (err.status === 401 && err.code === 'signed_out') for (const l of signedOutListeners) l();
  throw err;
}

/**
 * POST /panel-auth/claim: trades the sign-in popup's one-time code for the session cookie, which
 * its answer sets (the frame's own request, so the browser keeps the cookie in the frame's
 * partition). Throws ApiError when the server refuses the code.
 */
export async function claimSignIn(code: string): Promise<void> {
  const res = await fetch('/panel-auth/claim', {
    method: 'POST',
    headers: headersFor('POST', true),
    credentials: 'include',
    body: JSON.stringify({ code }),
  });
  if (!res.ok) throw await errorOf(res);
}

/** The JSON answer of `path` (relative to /api/panel); undefined for 204, the text for a non-JSON answer. */
export async function api<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const res = await apiFetch(method, path, body);
  if (res.status === 204) return undefined as T;
  if (!(res.headers.get('content-type') ?? '').includes('json')) return (await res.text()) as T;
  return (await res.json()) as T;
}
