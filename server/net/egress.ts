// Outbound HTTP goes through the proxy the operator names, so a customer can pin the app's egress
// to a known address. Called once at start-up, before any client is built, it makes both kinds of
// HTTP client in Node honour HTTP_PROXY / HTTPS_PROXY / NO_PROXY (lowercase forms too):
//   - fetch (and undici): the global dispatcher becomes undici's EnvHttpProxyAgent;
//   - node:http / node:https users (SDKs, older libraries): the global agents become proxy-agent.
// Both are fed the same settings, read and checked here once, so they cannot disagree about which
// host goes through the proxy. TLS trust is left alone: the default store plus NODE_EXTRA_CA_CERTS,
// or a per-request `ca` (node:https) / per-client `ca` (egressDispatcher) for the sandbox's CA.
import http from 'node:http';
import https from 'node:https';
import { EnvHttpProxyAgent, fetch as undiciFetch, setGlobalDispatcher, type Dispatcher } from 'undici';
import { ProxyAgent as NodeProxyAgent } from 'proxy-agent';

export interface EgressSettings {
  httpProxy: URL | null;
  /** Falls back to the HTTP proxy, as undici does: HTTP_PROXY alone still pins https traffic. */
  httpsProxy: URL | null;
  /** NO_PROXY as given: comma or space separated hosts, `.domain` suffixes, `host:port`, or `*`. */
  noProxy: string;
}

/** For the start-up log line: proxy URLs with any user name and password masked. */
export interface EgressDescription {
  /** The proxy https traffic goes through (else the http one), or null for direct egress. */
  proxy: string | null;
  httpProxy: string | null;
  httpsProxy: string | null;
  noProxy: string;
}

export class EgressConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EgressConfigError';
  }
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };

// Lowercase first, as curl and undici do; an empty value counts as not set.
function pick(env: NodeJS.ProcessEnv, name: string): { name: string; value: string } | null {
  for (const n of [name.toLowerCase(), name.toUpperCase()]) {
    const v = env[n]?.trim();
    if (v) return { name: n, value: v };
  }
  return null;
}

function parseProxy(found: { name: string; value: string } | null): URL | null {
  if (!found) return null;
  // The value may carry a password, so the message names the variable and never echoes it.
  const problem = `${found.name}: expected an http:// or https:// proxy URL such as http://proxy.example.com:3128`;
  let url: URL;
  try {
    url = new URL(found.value.includes('://') ? found.value : `http://${found.value}`);
  } catch {
    throw new EgressConfigError(problem);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) throw new EgressConfigError(problem);
  return url;
}

/** Reads and checks the proxy variables. Throws EgressConfigError naming a bad variable. */
export function resolveEgressSettings(env: NodeJS.ProcessEnv = process.env): EgressSettings {
  const httpProxy = parseProxy(pick(env, 'http_proxy'));
  const httpsProxy = parseProxy(pick(env, 'https_proxy')) ?? httpProxy;
  return { httpProxy, httpsProxy, noProxy: pick(env, 'no_proxy')?.value ?? '' };
}

/** Whether NO_PROXY exempts this host, with the rules undici applies to fetch. */
export function bypassesProxy(noProxy: string, hostname: string, port: number): boolean {
  const value = noProxy.trim().toLowerCase();
  if (!value) return false;
  if (value === '*') return true;
  const host = hostname.toLowerCase();
  return value.split(/[,\s]/).some((entry) => {
    if (!entry) return false;
    const m = /^(.+):(\d+)$/.exec(entry);
    const entryHost = (m ? m[1]! : entry).replace(/^\*?\./, '');
    if (m && Number(m[2]) !== port) return false;
    return host === entryHost || host.endsWith(`.${entryHost}`);
  });
}

/** The proxy URL a request to `target` goes through, or null for a direct connection. */
export function proxyFor(settings: EgressSettings, target: string | URL): URL | null {
  const url = typeof target === 'string' ? new URL(target) : target;
  // Keeps IPv6 brackets, as NO_PROXY entries write them.
  const hostname = url.host.replace(/:\d*$/, '');
  const port = Number(url.port) || DEFAULT_PORTS[url.protocol] || 0;
  if (bypassesProxy(settings.noProxy, hostname, port)) return null;
  return url.protocol === 'https:' || url.protocol === 'wss:' ? settings.httpsProxy : settings.httpProxy;
}

export function maskProxyUrl(url: URL | null): string | null {
  if (!url) return null;
  const auth = url.username || url.password ? '***:***@' : '';
  return `${url.protocol}//${auth}${url.host}`;
}

export function describeEgress(settings: EgressSettings): EgressDescription {
  return {
    proxy: maskProxyUrl(settings.httpsProxy ?? settings.httpProxy),
    httpProxy: maskProxyUrl(settings.httpProxy),
    httpsProxy: maskProxyUrl(settings.httpsProxy),
    noProxy: settings.noProxy,
  };
}

let installed: EgressSettings | null = null;

type ConnectOptions = Parameters<NodeProxyAgent['isSecureEndpoint']>[0];
type LooseConnectOptions = { secureEndpoint?: unknown; protocol?: unknown } | undefined;

// proxy-agent otherwise guesses http vs https from the call stack; the global agent it stands in
// for already says which one it is.
class GlobalProxyAgent extends NodeProxyAgent {
  constructor(
    private readonly secure: boolean,
    settings: EgressSettings,
  ) {
    super({ keepAlive: true, getProxyForUrl: (url: string) => proxyFor(settings, url)?.href ?? '' });
  }

  override isSecureEndpoint(connectOptions?: ConnectOptions): boolean {
    const options = connectOptions as LooseConnectOptions;
    if (typeof options?.secureEndpoint === 'boolean') return options.secureEndpoint;
    if (typeof options?.protocol === 'string') return options.protocol === 'https:';
    return this.secure;
  }
}

function undiciOptions(settings: EgressSettings): EnvHttpProxyAgent.Options {
  return {
    // An empty string stops undici from reading process.env behind our back.
    httpProxy: settings.httpProxy?.href ?? '',
    httpsProxy: settings.httpsProxy?.href ?? '',
    noProxy: settings.noProxy,
  };
}

/**
 * Routes every outbound HTTP call of this process through the configured proxy. Call once, at
 * start-up; returns what it configured, with credentials masked, for the log.
 */
export function installEgressProxy(env: NodeJS.ProcessEnv = process.env): EgressDescription {
  const settings = resolveEgressSettings(env);
  setGlobalDispatcher(new EnvHttpProxyAgent(undiciOptions(settings)));
  http.globalAgent = new GlobalProxyAgent(false, settings);
  https.globalAgent = new GlobalProxyAgent(true, settings) as unknown as https.Agent;
  installed = settings;
  return describeEgress(settings);
}

export interface EgressTls {
  ca?: string | Buffer | (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
}

/**
 * A fetch dispatcher with its own TLS trust (e.g. the sandbox CA) that still goes through the
 * proxy: passing a plain undici Agent as `dispatcher` would silently skip it.
 */
export function egressDispatcher(tls: EgressTls = {}): Dispatcher {
  const settings = installed ?? resolveEgressSettings();
  return new EnvHttpProxyAgent({ ...undiciOptions(settings), connect: { ...tls }, requestTls: { ...tls } });
}

/** A fetch bound to egressDispatcher(tls), with `close()` for its connections. */
export interface TrustingFetch {
  fetch: typeof fetch;
  close(): Promise<void>;
}

/**
 * fetch with its own TLS trust, through the proxy. It is undici's own fetch, because node 20's
 * built-in fetch bundles an older undici that does not accept this package's dispatcher.
 */
export function egressFetch(tls: EgressTls): TrustingFetch {
  const dispatcher = egressDispatcher(tls);
  const f = ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
  return { fetch: f, close: () => dispatcher.close() };
}
