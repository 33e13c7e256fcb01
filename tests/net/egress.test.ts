import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import {
  EgressConfigError,
  bypassesProxy,
  describeEgress,
  proxyFor,
  resolveEgressSettings,
} from '../../server/net/egress.ts';
import { envWithout, runScript } from '../helpers/run-script.ts';

const PROXY_USER = 'egress';
const PROXY_PASSWORD = 's3cret-pw';

// ---- pure settings ---------------------------------------------------------------------------

test('proxy settings: lowercase wins, empty means unset, a bare host:port is http, HTTPS falls back to HTTP', () => {
  const s = resolveEgressSettings({
    https_proxy: 'http://lower.example:3128',
    HTTPS_PROXY: 'http://upper.example:3128',
    http_proxy: '',
    HTTP_PROXY: 'proxy.example:8080',
    NO_PROXY: 'localhost,.corp.example',
  });
  assert.equal(s.httpsProxy?.href, 'http://lower.example:3128/');
  assert.equal(s.httpProxy?.href, 'http://proxy.example:8080/');
  assert.equal(s.noProxy, 'localhost,.corp.example');

  const onlyHttp = resolveEgressSettings({ HTTP_PROXY: 'http://only.example:1' });
  assert.equal(onlyHttp.httpsProxy?.host, 'only.example:1');
  assert.equal(proxyFor(onlyHttp, 'https://graph.microsoft.com/v1.0/me')?.host, 'only.example:1');

  const none = resolveEgressSettings({});
  assert.deepEqual(describeEgress(none), { proxy: null, httpProxy: null, httpsProxy: null, noProxy: '' });
  assert.equal(proxyFor(none, 'https://example.com/'), null);
});

test('a bad proxy URL is refused naming the variable, never echoing its value', () => {
  for (const [name, value] of [
    ['HTTPS_PROXY', 'socks5://user:hunter2@10.0.0.1:1080'],
    ['http_proxy', 'http://user:hunter2@[not a host'],
  ] as const) {
    assert.throws(
      () => resolveEgressSettings({ [name]: value }),
      (err: unknown) => err instanceof EgressConfigError && err.message.startsWith(`${name}: expected`) && !err.message.includes('hunter2'),
    );
  }
});

test('NO_PROXY matching follows undici: exact hosts, domain suffixes, ports and *', () => {
  const np = 'localhost, .corp.example,*.svc.local, api.example.com:8443 ,[::1]';
  assert.equal(bypassesProxy(np, 'localhost', 80), true);
  assert.equal(bypassesProxy(np, 'a.b.corp.example', 443), true);
  assert.equal(bypassesProxy(np, 'corp.example', 443), true);
  assert.equal(bypassesProxy(np, 'notcorp.example', 443), false);
  assert.equal(bypassesProxy(np, 'x.svc.local', 443), true);
  assert.equal(bypassesProxy(np, 'api.example.com', 8443), true);
  assert.equal(bypassesProxy(np, 'api.example.com', 443), false);
  assert.equal(bypassesProxy(np, '[::1]', 443), true);
  assert.equal(bypassesProxy('*', 'anything.example', 1), true);
  assert.equal(bypassesProxy('', 'anything.example', 1), false);
  const s = resolveEgressSettings({ HTTPS_PROXY: 'http://p.example:1', NO_PROXY: np });
  assert.equal(proxyFor(s, 'https://[::1]:9999/'), null);
  assert.equal(proxyFor(s, 'https://API.example.com:8443/x'), null);
  assert.equal(proxyFor(s, 'https://api.example.com/x')?.host, 'p.example:1');
});

test('the description masks proxy credentials', () => {
  const d = describeEgress(resolveEgressSettings({ HTTPS_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@proxy.example:3128` }));
  assert.equal(d.proxy, 'http://***:***@proxy.example:3128');
  assert.equal(d.httpsProxy, d.proxy);
  assert.equal(d.httpProxy, null);
});

// ---- real processes --------------------------------------------------------------------------

interface Tls {
  caPem: string;
  caFile: string;
  key: string;
  cert: string;
  dir: string;
}

/** A throwaway CA and a server certificate for *.example.test and 127.0.0.1. */
function makeTls(): Tls {
  const keys = () => {
    const k = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    });
    return { pem: k.privateKey, priv: forge.pki.privateKeyFromPem(k.privateKey), pub: forge.pki.publicKeyFromPem(k.publicKey) };
  };
  const validity = (c: forge.pki.Certificate) => {
    c.validity.notBefore = new Date(Date.now() - 3_600_000);
    c.validity.notAfter = new Date(Date.now() + 86_400_000);
  };
  const caKeys = keys();
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.pub;
  ca.serialNumber = '01';
  validity(ca);
  const caName = [{ name: 'commonName', value: 'egress test CA' }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.priv, forge.md.sha256.create());

  const leafKeys = keys();
  const leaf = forge.pki.createCertificate();
  leaf.publicKey = leafKeys.pub;
  leaf.serialNumber = '02';
  validity(leaf);
  leaf.setSubject([{ name: 'commonName', value: 'egress test target' }]);
  leaf.setIssuer(caName);
  leaf.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: '*.example.test' }, { type: 7, ip: '127.0.0.1' }] },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  leaf.sign(caKeys.priv, forge.md.sha256.create());

  const dir = mkdtempSync(join(tmpdir(), 'egress-'));
  const caPem = forge.pki.certificateToPem(ca);
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, caPem);
  return { caPem, caFile, key: leafKeys.pem, cert: forge.pki.certificateToPem(leaf), dir };
}

interface Relayed {
  /** CONNECT for tunnels (https, and http from undici), GET for absolute-URI forwarding. */
  method: string;
  /** host:port the client asked the proxy for. */
  target: string;
  authorized: boolean;
}

interface Servers {
  httpPort: number;
  httpsPort: number;
  proxyPort: number;
  relayed: Relayed[];
  /** Requests the targets answered: Host header and path. */
  served: { host: string; path: string }[];
  tls: Tls;
  close(): Promise<void>;
}

const listen = (server: net.Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));

/**
 * The targets (one http, one https) and a minimal authenticating forward proxy. The proxy resolves
 * every host to 127.0.0.1 itself: the child cannot resolve *.example.test, so any request for such
 * a host that succeeds must have gone through the proxy.
 */
async function startServers(): Promise<Servers> {
  const tls = makeTls();
  const relayed: Relayed[] = [];
  const served: Servers['served'] = [];
  const handler: http.RequestListener = (req, res) => {
    served.push({ host: req.headers.host ?? '', path: req.url ?? '' });
    res.setHeader('content-type', 'text/plain');
    res.end(`served ${req.url}`);
  };
  const target = http.createServer(handler);
  const secureTarget = https.createServer({ key: tls.key, cert: tls.cert }, handler);

  const expectedAuth = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
  const proxy = http.createServer((req, res) => {
    // Absolute-URI forwarding, as http-proxy-agent does for http:// targets.
    const authorized = req.headers['proxy-authorization'] === expectedAuth;
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URI expected');
      return;
    }
    relayed.push({ method: req.method ?? '', target: `${url.hostname}:${url.port || 80}`, authorized });
    if (!authorized) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="egress"' }).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(
      { host: '127.0.0.1', port: Number(url.port || 80), method: req.method, path: url.pathname + url.search, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const authorized = req.headers['proxy-authorization'] === expectedAuth;
    const [, port] = /:(\d+)$/.exec(req.url ?? '') ?? [];
    relayed.push({ method: 'CONNECT', target: req.url ?? '', authorized });
    socket.on('error', () => {});
    if (!authorized || !port) {
      socket.end(`HTTP/1.1 ${authorized ? 400 : 407} Refused\r\nProxy-Authenticate: Basic realm="egress"\r\n\r\n`);
      return;
    }
    const upstream = net.connect(Number(port), '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
  });

  const [httpPort, httpsPort, proxyPort] = await Promise.all([listen(target), listen(secureTarget), listen(proxy)]);
  const stop = (s: http.Server) =>
    new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });
  return {
    httpPort,
    httpsPort,
    proxyPort,
    relayed,
    served,
    tls,
    async close() {
      await Promise.all([stop(target), stop(secureTarget), stop(proxy)]);
      rmSync(tls.dir, { recursive: true, force: true });
    },
  };
}

interface ProbeCall {
  client: 'fetch' | 'node' | 'fetch-ca' | 'node-ca';
  url: string;
}

interface ProbeResult extends ProbeCall {
  status?: number;
  body?: string;
  error?: string;
}

async function runProbe(
  calls: ProbeCall[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string; description: Record<string, unknown>; results: ProbeResult[] }> {
  // Nothing of this machine's own proxy or CA settings reaches the child.
  const clean = envWithout(/^(https?_proxy|no_proxy|all_proxy|node_extra_ca_certs)$/i);
  const { code, out: output } = await runScript('tests/fixtures/egress-probe.ts', [], {
    ...clean,
    ...env,
    EGRESS_PROBE_CALLS: JSON.stringify(calls),
  });
  const lines = output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const description = (lines.find((l) => 'description' in l)?.description ?? {}) as Record<string, unknown>;
  return { code, output, description, results: lines.filter((l) => 'client' in l) as unknown as ProbeResult[] };
}

function assertServed(results: ProbeResult[], output: string): void {
  assert.equal(results.length > 0, true, output);
  for (const r of results) {
    assert.equal(r.error, undefined, `${r.client} ${r.url} failed: ${r.error}\n${output}`);
    assert.equal(r.status, 200, `${r.client} ${r.url}`);
    assert.equal(r.body, `served ${new URL(r.url).pathname}`);
  }
}

test('fetch and node:http(s) in a real process go through HTTPS_PROXY/http_proxy, and NO_PROXY hosts go direct', async () => {
  const s = await startServers();
  try {
    const proxyUrl = `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${s.proxyPort}`;
    const proxied: ProbeCall[] = [
      { client: 'fetch', url: `https://fetch-https.example.test:${s.httpsPort}/fetch-https` },
      { client: 'fetch', url: `http://fetch-http.example.test:${s.httpPort}/fetch-http` },
      { client: 'node', url: `https://node-https.example.test:${s.httpsPort}/node-https` },
      { client: 'node', url: `http://node-http.example.test:${s.httpPort}/node-http` },
    ];
    const direct: ProbeCall[] = [
      { client: 'fetch', url: `https://127.0.0.1:${s.httpsPort}/fetch-direct-https` },
      { client: 'fetch', url: `http://127.0.0.1:${s.httpPort}/fetch-direct-http` },
      { client: 'node', url: `https://127.0.0.1:${s.httpsPort}/node-direct-https` },
      { client: 'node', url: `http://127.0.0.1:${s.httpPort}/node-direct-http` },
    ];
    const noProxy = 'internal.example.org, 127.0.0.1';
    const probe = await runProbe([...proxied, ...direct], {
      HTTPS_PROXY: proxyUrl,
      http_proxy: proxyUrl,
      NO_PROXY: noProxy,
      NODE_EXTRA_CA_CERTS: s.tls.caFile,
    });
    assert.equal(probe.code, 0, probe.output);
    assertServed(probe.results, probe.output);

    const viaProxy = s.relayed.map((r) => r.target).sort();
    const expected = proxied.map((c) => new URL(c.url).host).sort();
    assert.deepEqual(viaProxy, expected, 'every proxied call, and only those, reached the proxy');
    assert.ok(s.relayed.every((r) => r.authorized), 'the proxy credentials were sent');
    // undici tunnels plain http too; http-proxy-agent forwards it with an absolute URI.
    assert.equal(s.relayed.find((r) => r.target.startsWith('fetch-https'))?.method, 'CONNECT');
    assert.equal(s.relayed.find((r) => r.target.startsWith('node-https'))?.method, 'CONNECT');
    assert.equal(s.relayed.find((r) => r.target.startsWith('node-http.'))?.method, 'GET');

    const directPaths = s.served.filter((x) => x.host.startsWith('127.0.0.1')).map((x) => x.path).sort();
    assert.deepEqual(directPaths, direct.map((c) => new URL(c.url).pathname).sort());

    assert.deepEqual(probe.description, {
      proxy: `http://***:***@127.0.0.1:${s.proxyPort}`,
      httpProxy: `http://***:***@127.0.0.1:${s.proxyPort}`,
      httpsProxy: `http://***:***@127.0.0.1:${s.proxyPort}`,
      noProxy,
    });
    assert.ok(!probe.output.includes(PROXY_PASSWORD), 'the probe printed the proxy password');
  } finally {
    await s.close();
  }
});

test('HTTP_PROXY alone pins https too; a per-client CA still works through the tunnel and TLS is still verified', async () => {
  const s = await startServers();
  try {
    const probe = await runProbe(
      [
        { client: 'fetch-ca', url: `https://fetch-ca.example.test:${s.httpsPort}/fetch-ca` },
        { client: 'node-ca', url: `https://node-ca.example.test:${s.httpsPort}/node-ca` },
        { client: 'fetch', url: `https://fetch-untrusted.example.test:${s.httpsPort}/fetch-untrusted` },
        { client: 'node', url: `https://node-untrusted.example.test:${s.httpsPort}/node-untrusted` },
      ],
      { HTTP_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${s.proxyPort}`, EGRESS_PROBE_CA_FILE: s.tls.caFile },
    );
    assert.equal(probe.code, 0, probe.output);
    const [fetchCa, nodeCa, fetchUntrusted, nodeUntrusted] = probe.results;
    assertServed([fetchCa!, nodeCa!], probe.output);
    // Without the CA the certificate is rejected: installing the proxy loosened no TLS check.
    assert.match(fetchUntrusted?.error ?? '', /CERT|SIGNATURE|VERIFY|ISSUER/i, probe.output);
    assert.match(nodeUntrusted?.error ?? '', /CERT|SIGNATURE|VERIFY|ISSUER/i, probe.output);
    assert.deepEqual(
      s.relayed.map((r) => r.target).sort(),
      ['fetch-ca', 'fetch-untrusted', 'node-ca', 'node-untrusted'].map((h) => `${h}.example.test:${s.httpsPort}`),
    );
    assert.deepEqual(s.served.map((x) => x.path).sort(), ['/fetch-ca', '/node-ca']);
    assert.equal(probe.description.proxy, `http://***:***@127.0.0.1:${s.proxyPort}`);
  } finally {
    await s.close();
  }
});

test('without proxy variables every call goes direct', async () => {
  const s = await startServers();
  try {
    const probe = await runProbe(
      [
        { client: 'fetch', url: `https://127.0.0.1:${s.httpsPort}/fetch` },
        { client: 'node', url: `http://127.0.0.1:${s.httpPort}/node` },
      ],
      { NODE_EXTRA_CA_CERTS: s.tls.caFile },
    );
    assert.equal(probe.code, 0, probe.output);
    assertServed(probe.results, probe.output);
    assert.deepEqual(s.relayed, []);
    assert.deepEqual(probe.description, { proxy: null, httpProxy: null, httpsProxy: null, noProxy: '' });
  } finally {
    await s.close();
  }
});
