// The Graph calls the Microsoft 365 side makes, through @microsoft/microsoft-graph-client, with
// every failure classified here (errors.ts) so the engine never sees a GraphError or a status.
//
// One client per profile, built once: its own middleware chain of
//   AuthenticationHandler -> TelemetryHandler -> a fetch handler using egressFetch (proxy + CA),
// deliberately without the SDK's RetryHandler. That handler would sleep up to 3 x Retry-After
// inside a sync run and retry 429/503/504 on its own; the queue already reschedules the link by
// the Retry-After we report as RateLimited, and two retry loops stacked would multiply the wait and
// the load on a mailbox Graph is asking us to leave alone. For the same reason `$batch` members that
// come back 429 are not retried here either.
//
// The token is fetched before the SDK runs (and handed to it per request), so a refused sign-in
// reaches the caller as AuthorizationRevoked instead of a GraphError wrapping msal's error.
import {
  AuthenticationHandler, AuthenticationHandlerOptions, Client, GraphError, TelemetryHandler,
  type Context, type Middleware,
} from '@microsoft/microsoft-graph-client';
import { egressFetch, type EgressTls } from '../../net/egress.ts';
import { applicationTokens, delegatedTokens, type AppRegistration, type RefreshTokenStore, type SignInOptions, type TokenSource } from './auth.ts';
import { MailboxNotEnabled, classifyGraphFailure, type FailureContext } from './errors.ts';

const DEFAULT_GRAPH_BASE = 'https://graph.microsoft.com';
/** Outlook allows 4 concurrent requests per app and mailbox (graph-ews spec 5.1). */
const MAILBOX_CONCURRENCY = 4;
/** At most 20 requests per `$batch` (graph-ews spec 5.2). */
const BATCH_SIZE = 20;

export interface GraphClientsOptions {
  /** Default https://login.microsoftonline.com. */
  authorityBase?: string;
  /** Default https://graph.microsoft.com; a trailing /v1.0 is accepted (the simulator's graphUrl). */
  graphBase?: string;
  /** Extra TLS trust (the sandbox CA) for both sign-in and Graph. */
  tls?: EgressTls;
  /** Replaces egressFetch (tests); then `tls` is not used. */
  fetch?: typeof fetch;
  /** Requests in flight per mailbox; default 4. */
  mailboxConcurrency?: number;
}

/** A profile's app registration, with the profile id its msal app and token cache are kept under. */
export interface GraphProfile extends AppRegistration {
  id: string;
}

export interface GraphRequest extends FailureContext {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the version root (`/users/x/events`) or an absolute link Graph handed out. */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export type BatchResult = { ok: true; status: number; body: unknown } | { ok: false; error: Error };

export interface GraphConnection {
  request<T = unknown>(req: GraphRequest): Promise<T>;
  /** Relative requests sent as `$batch` calls of 20; one result per request, in order. */
  batch(reqs: readonly GraphRequest[]): Promise<BatchResult[]>;
  /** The same access with requests about `mailbox` held to the per-mailbox limit. */
  forMailbox(mailbox: string): GraphConnection;
  /** The mailbox this connection is bound to, if any. */
  readonly mailbox?: string;
}

export interface GraphClients {
  /** App-only access (admin consent): one msal app and token cache per profile, reused. */
  application(profile: GraphProfile): GraphConnection;
  /**
   * One user's access (delegated consent); the refresh token lives in `tokens`. The access token
   * is kept per `userKey` (the link id) across calls, so a sync run does not refresh it each time.
   */
  delegated(profile: GraphProfile, userKey: string, tokens: RefreshTokenStore): GraphConnection;
  /** What auth.ts needs for the consent steps of the delegated flow. */
  readonly signIn: SignInOptions;
  close(): Promise<void>;
}

/**
 * A FIFO counting semaphore: the per-mailbox limit inside this process. Across nodes the queue
 * runs one sync per link at a time, so one mailbox is not worked on by two processes at once.
 */
class Limiter {
  private active = 0;
  private readonly waiting: Array<{ n: number; go: () => void }> = [];
  constructor(private readonly size: number) {}

  async run<T>(n: number, fn: () => Promise<T>): Promise<T> {
    const want = Math.min(n, this.size);
    if (this.waiting.length > 0 || this.active + want > this.size) await new Promise<void>((go) => this.waiting.push({ n: want, go }));
    else this.active += want;
    try {
      return await fn();
    } finally {
      this.active -= want;
      while (this.waiting[0] && this.active + this.waiting[0].n <= this.size) {
        const next = this.waiting.shift()!;
        this.active += next.n;
        next.go();
      }
    }
  }
}

class FetchHandler implements Middleware {
  constructor(private readonly fetchImpl: typeof fetch) {}
  async execute(context: Context): Promise<void> {
    context.response = await this.fetchImpl(context.request as string, context.options as RequestInit);
  }
}

function headerOf(headers: Headers | Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : (headers as Record<string, string>)[key];
}

function errorOf(body: unknown): { code?: string; message?: string } {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | null | undefined)?.error;
  return { code: typeof e?.code === 'string' ? e.code : undefined, message: typeof e?.message === 'string' ? e.message : undefined };
}

/** Graph refused the token itself (401): worth one more try with a new one. */
class TokenRefused extends Error {
  constructor(readonly error: Error) {
    super(error.message);
  }
}

/** A failed SDK call in the engine's terms. */
function classifyThrown(err: unknown, ctx: FailureContext): Error {
  if (err instanceof GraphError) {
    return classifyGraphFailure({ status: err.statusCode, code: err.code, message: err.message, retryAfter: headerOf(err.headers, 'retry-after') }, ctx);
  }
  return classifyGraphFailure({ status: 0, message: err instanceof Error ? err.message : String(err) }, ctx);
}

function splitBase(graphBase: string): { baseUrl: string; version: string } {
  const u = new URL(graphBase);
  const m = /^(.*?)\/(v1\.0|beta)\/?$/.exec(u.pathname);
  return { baseUrl: `${u.origin}${m ? m[1] : u.pathname.replace(/\/+$/, '')}`, version: m?.[2] ?? 'v1.0' };
}

export function createGraphClients(opts: GraphClientsOptions = {}): GraphClients {
  const trusting = opts.fetch ? undefined : egressFetch(opts.tls ?? {});
  const fetchImpl = opts.fetch ?? trusting!.fetch;
  const { baseUrl, version } = splitBase(opts.graphBase ?? DEFAULT_GRAPH_BASE);
  const signIn: SignInOptions = { authorityBase: opts.authorityBase, fetch: fetchImpl };
  const client = Client.initWithMiddleware({
    baseUrl,
    defaultVersion: version,
    // The SDK attaches the token only to https Graph hosts or these (bare host names, no port).
    customHosts: new Set([new URL(baseUrl).hostname]),
    middleware: [
      new AuthenticationHandler({ getAccessToken: () => Promise.reject(new Error('every Graph request carries its own token')) }),
      new TelemetryHandler(),
      new FetchHandler(fetchImpl),
    ],
  });
  const limiters = new Map<string, Limiter>();
  const appTokens = new Map<string, { key: string; tokens: TokenSource }>();
  const userTokens = new Map<string, { key: string; tokens: TokenSource }>();
  const cached = (map: typeof appTokens, id: string, profile: GraphProfile, make: () => TokenSource): TokenSource => {
    const key = `${profile.tenantId}|${profile.clientId}|${profile.clientSecret}`;
    let entry = map.get(id);
    // A new secret (or tenant) replaces the msal app and its token cache.
    if (!entry || entry.key !== key) map.set(id, (entry = { key, tokens: make() }));
    return entry.tokens;
  };

  const connect = (tokens: TokenSource, appId: string, mailbox?: string): GraphConnection => {
    // Graph counts per app and mailbox.
    const limiterKey = mailbox ? `${appId}|${mailbox.toLowerCase()}` : undefined;
    const limiter = limiterKey ? (limiters.get(limiterKey) ?? limiters.set(limiterKey, new Limiter(opts.mailboxConcurrency ?? MAILBOX_CONCURRENCY)).get(limiterKey)!) : undefined;
    const limited = <T>(slots: number, fn: () => Promise<T>) => (limiter ? limiter.run(slots, fn) : fn());

    const send = async <T>(req: GraphRequest, token: string): Promise<T> => {
      let api = client.api(req.url).middlewareOptions([new AuthenticationHandlerOptions({ getAccessToken: async () => token })]);
      for (const [k, v] of Object.entries(req.headers ?? {})) api = api.header(k, v);
      try {
        switch (req.method ?? 'GET') {
          case 'GET': return (await api.get()) as T;
          case 'POST': return (await api.post(req.body ?? {})) as T;
          case 'PATCH': return (await api.patch(req.body ?? {})) as T;
          case 'DELETE': return (await api.delete()) as T;
        }
      } catch (err) {
        const error = classifyThrown(err, { mailbox, ...req });
        // A 401 naming a mailbox without Exchange Online is about the user, not the token.
        throw err instanceof GraphError && err.statusCode === 401 && !(error instanceof MailboxNotEnabled) ? new TokenRefused(error) : error;
      }
    };

    /**
     * One call with a token; a token Graph refuses before it expires is replaced once. msal would
     * otherwise hand out the refused one from its cache until its hour is up.
     */
    const authorized = async <T>(slots: number, req: GraphRequest): Promise<T> => {
      for (let fresh = false; ; fresh = true) {
        const token = await tokens.token(fresh);
        try {
          return await limited(slots, () => send<T>(req, token));
        } catch (err) {
          if (!(err instanceof TokenRefused)) throw err;
          if (fresh) throw err.error;
        }
      }
    };

    const conn: GraphConnection = {
      mailbox,
      request: <T>(req: GraphRequest) => authorized<T>(1, req),
      async batch(reqs: readonly GraphRequest[]): Promise<BatchResult[]> {
        const out: BatchResult[] = [];
        for (let i = 0; i < reqs.length; i += BATCH_SIZE) {
          const chunk = reqs.slice(i, i + BATCH_SIZE);
          const body = {
            requests: chunk.map((r, j) => ({
              id: String(j),
              method: r.method ?? 'GET',
              url: r.url.startsWith('/') ? r.url : `/${r.url}`,
              ...(r.body !== undefined ? { body: r.body, headers: { 'Content-Type': 'application/json', ...r.headers } } : r.headers ? { headers: r.headers } : {}),
            })),
          };
          // Graph runs up to four members at a time against the mailbox: the batch takes every slot.
          const answer = await authorized<{ responses?: unknown }>(MAILBOX_CONCURRENCY, { method: 'POST', url: '/$batch', body });
          const responses = Array.isArray(answer?.responses) ? (answer.responses as Array<{ id?: unknown; status?: unknown; headers?: Record<string, string>; body?: unknown }>) : [];
          chunk.forEach((r, j) => {
            const res = responses.find((x) => String(x.id) === String(j));
            const status = typeof res?.status === 'number' ? res.status : 0;
            if (status >= 200 && status < 300) out.push({ ok: true, status, body: res?.body });
            else {
              const e = errorOf(res?.body);
              const message = e.message ?? (res ? undefined : 'missing from the $batch answer');
              out.push({ ok: false, error: classifyGraphFailure({ status, code: e.code, message, retryAfter: headerOf(res?.headers, 'retry-after') }, { mailbox, ...r }) });
            }
          });
        }
        return out;
      },
      forMailbox: (m: string) => connect(tokens, appId, m),
    };
    return conn;
  };

  return {
    signIn,
    application(profile) {
      return connect(cached(appTokens, profile.id, profile, () => applicationTokens(profile, signIn)), profile.clientId);
    },
    delegated(profile, userKey, store) {
      return connect(cached(userTokens, `${profile.id}|${userKey}`, profile, () => delegatedTokens(profile, signIn, store)), profile.clientId);
    },
    close: async () => {
      await trusting?.close();
    },
  };
}
