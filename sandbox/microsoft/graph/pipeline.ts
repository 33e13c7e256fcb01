// What every Graph request goes through, whether it came over HTTPS or inside a $batch: bearer
// token check (top level only; members inherit the batch's caller), `/me` resolution, routing,
// injected faults, the per-mailbox throttle, the latency knob and the pause gate, the handler, and
// the request log. Responses carry request-id / client-request-id as Graph's do.
import { randomUUID } from 'node:crypto';
import { checkAccessToken, type Principal } from '../identity/tokens.ts';
import { safeDecode, type GraphContext, type GraphRequest, type GraphResponse, type Route } from './context.ts';
import { badRequest, errorBody, GraphError } from './errors.ts';
import { parsePrefer } from './odata.ts';
import { RequestLog } from './request-log.ts';
import { Throttle } from './throttle.ts';

export interface RawRequest {
  method: string;
  /** Path and query below /v1.0 (a leading `/v1.0` is tolerated, as in batch member urls). */
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface GraphFault {
  status: 429 | 503 | 504;
  count: number;
  retryAfterS: number;
  /** Only requests against this mailbox (user id); default any. */
  mailboxId?: string;
  /** Only this endpoint (`GET /users/:user/events`); default any. */
  endpoint?: string;
}

interface Compiled extends Route {
  parts: string[];
}

const FAULT_CODES: Record<number, [string, string]> = {
  429: ['TooManyRequests', 'Please retry again later.'],
  503: ['ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.'],
  504: ['GatewayTimeout', 'The gateway did not receive a response in time.'],
};

export const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class GraphPipeline {
  readonly log = new RequestLog();
  readonly throttle: Throttle;
  faults: GraphFault[] = [];
  private readonly routes: Compiled[] = [];
  private gate: { promise: Promise<void>; open: () => void } | null = null;

  constructor(private readonly ctx: GraphContext) {
    this.throttle = new Throttle(ctx.settings, ctx.dir.now);
  }

  addRoutes(routes: Route[]): void {
    for (const r of routes) this.routes.push({ ...r, parts: r.pattern.split('/').filter(Boolean) });
  }

  /** Holds every Graph request (after admission) until the returned function is called. */
  pause(): () => void {
    if (!this.gate) {
      let open = () => {};
      const promise = new Promise<void>((r) => (open = r));
      this.gate = { promise, open };
    }
    const g = this.gate;
    return () => {
      if (this.gate === g) this.gate = null;
      g.open();
    };
  }

  private match(method: string, segments: string[]): { route: Compiled; params: Record<string, string> } | 'method' | null {
    let methodMismatch = false;
    for (const route of this.routes) {
      if (route.parts.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const ok = route.parts.every((p, i) => {
        if (p.startsWith(':')) return (params[p.slice(1)] = segments[i]!), true;
        return p.toLowerCase() === segments[i]!.toLowerCase();
      });
      if (!ok) continue;
      if (route.method === method) return { route, params };
      methodMismatch = true;
    }
    return methodMismatch ? 'method' : null;
  }

  /** A request as it arrives over HTTP: authenticated from its Authorization header. */
  async handleHttp(raw: RawRequest): Promise<GraphResponse> {
    const auth = /^Bearer\s+(\S+)$/i.exec(raw.headers.authorization ?? '');
    if (!auth) return this.handle(raw, { error: 'Access token is empty.' }, false);
    const check = checkAccessToken(this.ctx.dir, auth[1]!);
    return this.handle(raw, check.ok ? check.principal : { error: check.message }, false);
  }

  async handle(raw: RawRequest, who: Principal | { error: string }, member: boolean): Promise<GraphResponse> {
    const requestId = randomUUID();
    const clientRequestId = raw.headers['client-request-id'];
    const url = new URL(raw.url.replace(/^\/?(v1\.0\/)?/i, '/'), 'https://graph.invalid');
    let segments = url.pathname.split('/').filter(Boolean).map(safeDecode);
    const method = raw.method.toUpperCase();
    const retry = Number(raw.headers['retry-attempt']);
    let endpoint = `${method} (unmatched)`;
    let mailbox: string | null = null;
    let release: (() => void) | null = null;
    const prefer = parsePrefer(raw.headers.prefer);
    let res: GraphResponse;
    try {
      if ('error' in who) {
        throw new GraphError(401, 'InvalidAuthenticationToken', who.error, {
          'www-authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
        });
      }
      if (segments[0]?.toLowerCase() === 'me') {
        if (who.kind !== 'user') throw badRequest('/me request is only valid with delegated authentication flow.');
        segments = ['users', who.userId, ...segments.slice(1)];
      }
      const hit = this.match(method, segments);
      if (hit === 'method') throw new GraphError(405, 'Request_BadRequest', `The HTTP method '${method}' is not supported on this resource.`);
      if (!hit) throw badRequest(`Resource not found for the segment '${segments[segments.length - 1] ?? ''}'.`);
      endpoint = `${method} ${hit.route.pattern}`;
      const userRef = hit.route.pattern.startsWith('/users/:user/') ? hit.params.user : undefined;
      const user = userRef !== undefined ? this.ctx.dir.user(userRef) : undefined;
      if (userRef !== undefined) mailbox = user?.userPrincipalName ?? userRef.toLowerCase();
      const fault = this.takeFault(endpoint, user?.id);
      if (fault) {
        const [code, message] = FAULT_CODES[fault.status]!;
        throw new GraphError(fault.status, code, message, { 'retry-after': String(fault.retryAfterS) });
      }
      if (user) {
        const a = this.throttle.admit(`${user.id}|${who.appId}`);
        if (!a.ok) throw new GraphError(429, 'ApplicationThrottled', a.message, { 'retry-after': String(a.retryAfterS) });
        release = a.release;
      }
      const isBatch = endpoint === 'POST /$batch';
      if (!isBatch && this.ctx.settings.latencyMs > 0) await sleep(this.ctx.settings.latencyMs);
      if (!isBatch && this.gate) await this.gate.promise;
      const req: GraphRequest = {
        // Links answer in the form asked (`/me/...` stays `/me/...`).
        method, path: url.pathname.replace(/\/+$/, ''), query: url.searchParams, headers: raw.headers, body: raw.body,
        principal: who, prefer, params: hit.params,
      };
      res = await hit.route.handler(req);
      if (prefer.applied.length) res.headers = { 'preference-applied': prefer.applied.join(', '), ...res.headers };
    } catch (err) {
      let e = err instanceof GraphError ? err : new GraphError(500, 'InternalServerError', `Simulator error: ${(err as Error).message}`);
      // The status of MailboxNotEnabledForRESTAPI is undocumented (404 as commonly reported).
      const noMailbox = this.ctx.settings.mailboxNotEnabledStatus;
      if (e.code === 'MailboxNotEnabledForRESTAPI' && e.status !== noMailbox) e = new GraphError(noMailbox, e.code, e.message, e.headers);
      res = { status: e.status, headers: e.headers, body: errorBody(e, requestId, clientRequestId, this.ctx.dir.now()) };
    } finally {
      release?.();
    }
    res.headers = {
      ...(res.body !== undefined ? { 'content-type': JSON_TYPE } : {}),
      ...res.headers,
      'request-id': requestId,
      'client-request-id': clientRequestId ?? requestId,
    };
    this.log.record({ method, endpoint, mailbox, status: res.status, batchMember: member, retryAttempt: Number.isInteger(retry) && retry > 0 ? retry : null, at: new Date() });
    return res;
  }

  private takeFault(endpoint: string, mailboxId: string | undefined): GraphFault | null {
    const i = this.faults.findIndex((f) => (!f.mailboxId || f.mailboxId === mailboxId) && (!f.endpoint || f.endpoint === endpoint));
    const f = this.faults[i];
    if (!f) return null;
    if (--f.count <= 0) this.faults.splice(i, 1);
    return f;
  }
}
