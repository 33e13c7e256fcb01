// What every identity route needs: the directory, the settings, the simulator's public base URL
// (known only once it listens), and the token endpoint's injected faults.
import type { Request } from 'express';
import type { AppRegistration, Directory } from '../directory.ts';
import type { MsSettings } from '../settings.ts';

/** A fault the token endpoint answers with, `count` times (spec: 429/5xx with Retry-After, forced errors). */
export type LoginFault =
  | { kind: 'status'; status: 429 | 500 | 503; retryAfterS: number; count: number }
  | { kind: 'error'; error: 'invalid_grant' | 'interaction_required'; count: number };

export interface IdentityContext {
  dir: Directory;
  settings: MsSettings;
  baseUrl(): string;
  loginFaults: LoginFault[];
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Exact match against the registration, or (registration without a list) any loopback http(s) URI. */
export function redirectUriAllowed(app: AppRegistration, uri: string): boolean {
  if (app.redirectUris) return app.redirectUris.includes(uri);
  try {
    const u = new URL(uri);
    return (u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK.has(u.hostname);
  } catch {
    return false;
  }
}

/** A single string query or form parameter; repeated or missing ones read as undefined. */
export function param(source: unknown, name: string): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const v = (source as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/** The tenant id for issuer and endpoint URLs: ours for any tenant segment we answer to. */
export function issuerFor(ctx: IdentityContext): string {
  return `${ctx.baseUrl()}/${ctx.dir.tenantId}/v2.0`;
}

export function tenantSegment(req: Request): string {
  return String(req.params.tenant ?? '');
}
