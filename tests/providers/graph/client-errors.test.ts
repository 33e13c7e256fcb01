// Graph and sign-in failures in the engine's terms: the classification table on its own, then the
// whole client path (msal-node and the Graph SDK, unchanged) against fabricated answers from a
// fetch we hand in: one attempt per request (no SDK retries), Retry-After in ms for whole answers
// and `$batch` members, readable AADSTS reasons, the token reused, a rotated refresh token saved,
// and at most four requests in flight per mailbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGraphClients } from '../../../server/providers/graph/client.ts';
import { GraphRejected, MailboxNotEnabled, classifyAuthFailure, classifyGraphFailure, retryAfterMs } from '../../../server/providers/graph/errors.ts';
import { AuthorizationRevoked, CursorExpired, NotFound, PreconditionFailed, RateLimited, Transient } from '../../../server/sync/errors.ts';

const LOGIN = 'https://login.test';
const GRAPH = 'https://graph.test';
const PROFILE = { id: 'profile-1', tenantId: 'tenant-1', clientId: 'client-1', clientSecret: 'secret-1' };

test('each Graph answer classifies as the engine expects', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  const c = (status: number, code?: string, extra: { retryAfter?: string; itemId?: string; delta?: boolean; mailbox?: string } = {}) =>
    classifyGraphFailure({ status, code, message: 'msg', retryAfter: extra.retryAfter }, { now, ...extra });
  const limited = c(429, 'TooManyRequests', { retryAfter: '7' });
  assert.ok(limited instanceof RateLimited && limited.retryAfterMs === 7000);
  assert.ok(c(429, 'ApplicationThrottled') instanceof RateLimited, 'without Retry-After it still waits');
  const busy = c(503, 'ServiceUnavailable', { retryAfter: 'Sun, 01 Mar 2026 12:00:30 GMT' });
  assert.ok(busy instanceof RateLimited && busy.retryAfterMs === 30_000);
  assert.ok(c(504, undefined, { retryAfter: '2' }) instanceof RateLimited);
  assert.ok(c(503, 'ServiceUnavailable') instanceof Transient);
  assert.ok(c(500, 'InternalServerError') instanceof Transient);
  assert.ok(c(0) instanceof Transient, 'no answer at all');
  assert.ok(c(401, 'InvalidAuthenticationToken') instanceof AuthorizationRevoked);
  const denied = c(403, 'ErrorAccessDenied', { mailbox: 'ada@contoso.example' });
  assert.ok(denied instanceof AuthorizationRevoked);
  assert.match(denied.message, /denied access to ada@contoso\.example.*permission was withdrawn/);
  const nf = c(404, 'ErrorItemNotFound', { itemId: 'AAMk1' });
  assert.ok(nf instanceof NotFound && nf.itemId === 'AAMk1');
  assert.ok(c(410, 'Gone', { itemId: 'AAMk1' }) instanceof NotFound);
  const noMailbox = c(404, 'MailboxNotEnabledForRESTAPI', { mailbox: 'kiosk@contoso.example', itemId: 'x' });
  assert.ok(noMailbox instanceof MailboxNotEnabled && noMailbox instanceof AuthorizationRevoked);
  assert.equal(noMailbox.name, 'MailboxNotEnabled');
  assert.match(noMailbox.message, /this user's Microsoft 365 plan has no Exchange Online mailbox/);
  assert.match(noMailbox.message, /kiosk@contoso\.example/);
  for (const status of [400, 401, 403]) assert.ok(c(status, 'MailboxNotEnabledForRESTAPI') instanceof MailboxNotEnabled, `the code decides, not the status (${status})`);
  assert.ok(c(412, 'PreconditionFailed', { itemId: 'AAMk1' }) instanceof PreconditionFailed);
  assert.ok(c(404, 'ErrorInvalidUser', { mailbox: 'gone@contoso.example' }) instanceof AuthorizationRevoked);
  assert.ok(c(412, 'ErrorIrresolvableConflict', { itemId: 'AAMk1' }) instanceof PreconditionFailed);
  assert.ok(c(409, 'ErrorIrresolvableConflict', { itemId: 'AAMk1' }) instanceof PreconditionFailed);
  assert.ok(c(410, undefined, { delta: true }) instanceof CursorExpired);
  assert.ok(c(400, 'syncStateNotFound', { delta: true }) instanceof CursorExpired);
  assert.ok(c(400, 'resyncRequired', { delta: true }) instanceof CursorExpired);
  const rejected = c(400, 'ErrorInvalidParameter');
  assert.ok(rejected instanceof GraphRejected && rejected.status === 400);
  assert.ok(c(404, 'ResourceNotFound') instanceof GraphRejected, 'a 404 about no item and no mailbox is just refused');
  assert.equal(retryAfterMs('1.5'), 1500);
  assert.equal(retryAfterMs('soon'), undefined);
});

test('sign-in errors read as the reason Microsoft gave, AADSTS code included', () => {
  const err = (errorCode: string, errorMessage: string, extra: object = {}) => Object.assign(new Error(errorMessage), { errorCode, errorMessage, ...extra });
  const secret = classifyAuthFailure(err('invalid_client', 'Error(s): 7000215 - Timestamp: x - Description: AADSTS7000215: Invalid client secret provided. Ensure the secret. Trace ID: 1'));
  assert.ok(secret instanceof AuthorizationRevoked);
  assert.equal(secret.message, "Microsoft 365 refused the sign-in: the app's client secret is wrong (AADSTS7000215)");
  const consent = classifyAuthFailure(err('invalid_grant', 'AADSTS65001: The user or administrator has not consented to use the application.'));
  assert.match(consent.message, /has no consent in this tenant.*AADSTS65001/);
  const unknown = classifyAuthFailure(err('invalid_request', 'AADSTS12345: Something new happened. More text.'));
  assert.match(unknown.message, /Something new happened \(AADSTS12345\)/);
  assert.ok(classifyAuthFailure(err('network_error', 'Network request failed')) instanceof Transient);
  const blocked = classifyAuthFailure(err('invalid_client', 'x'), Date.now() + 20_000);
  assert.ok(blocked instanceof RateLimited && blocked.retryAfterMs > 15_000);
});

interface Call {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A fetch answering the login and Graph hosts through `graph` and `token`, recording each call. */
function fakeMicrosoft(handlers: { graph?: (c: Call) => Response | Promise<Response>; token?: (form: URLSearchParams) => Response }) {
  const calls: Call[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const call: Call = { method: init?.method ?? 'GET', url, headers: new Headers(init?.headers as HeadersInit), body: typeof init?.body === 'string' ? init.body : '' };
    calls.push(call);
    if (url.origin === LOGIN) {
      const tenant = url.pathname.split('/')[1];
      if (url.pathname.endsWith('/openid-configuration')) {
        return json(200, {
          issuer: `${LOGIN}/${tenant}/v2.0`, authorization_endpoint: `${LOGIN}/${tenant}/oauth2/v2.0/authorize`,
          token_endpoint: `${LOGIN}/${tenant}/oauth2/v2.0/token`, jwks_uri: `${LOGIN}/${tenant}/discovery/v2.0/keys`,
        });
      }
      const form = new URLSearchParams(call.body);
      return handlers.token?.(form) ?? json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: `app-token-${calls.length}` });
    }
    if (url.origin === GRAPH) return (await handlers.graph?.(call)) ?? json(200, { value: [] });
    throw new TypeError('fetch failed');
  }) as typeof fetch;
  const graphCalls = () => calls.filter((c) => c.url.origin === GRAPH);
  const tokenCalls = () => calls.filter((c) => c.url.pathname.endsWith('/token'));
  return { fetchImpl, calls, graphCalls, tokenCalls };
}

function clients(fetchImpl: typeof fetch) {
  return createGraphClients({ authorityBase: LOGIN, graphBase: `${GRAPH}/v1.0`, fetch: fetchImpl });
}

async function rejects<T extends Error>(p: Promise<unknown>, type: new (...a: never[]) => T): Promise<T> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${(err as Error).name}: ${(err as Error).message}`);
    return err;
  }
  assert.fail(`expected ${type.name}, got success`);
}

test('throttling and outages reach the caller at once, with Retry-After in ms: the SDK retries nothing', async () => {
  let answer: () => Response = () => json(429, { error: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' } }, { 'Retry-After': '12' });
  const ms = fakeMicrosoft({ graph: () => answer() });
  const c = clients(ms.fetchImpl);
  const box = c.application(PROFILE).forMailbox('ada@contoso.example');
  const limited = await rejects(box.request({ url: '/users/ada%40contoso.example/events' }), RateLimited);
  assert.equal(limited.retryAfterMs, 12_000);
  assert.equal(ms.graphCalls().length, 1);
  assert.equal(ms.graphCalls()[0]!.headers.get('authorization'), 'Bearer app-token-2');
  answer = () => json(503, { error: { code: 'ServiceUnavailable', message: 'busy' } }, { 'Retry-After': '3' });
  assert.equal((await rejects(box.request({ url: '/users/x/events' }), RateLimited)).retryAfterMs, 3000);
  answer = () => json(504, { error: { code: 'GatewayTimeout', message: 'slow' } });
  await rejects(box.request({ url: '/users/x/events' }), Transient);
  answer = () => new Response('<html>bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } });
  await rejects(box.request({ url: '/users/x/events' }), Transient);
  assert.equal(ms.graphCalls().length, 4, 'one attempt per request');
  assert.equal(ms.tokenCalls().length, 1, 'the app token is fetched once and reused');
  answer = () => json(404, { error: { code: 'MailboxNotEnabledForRESTAPI', message: 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.' } });
  const noMailbox = await rejects(box.request({ url: '/users/x/calendarView/delta' }), MailboxNotEnabled);
  assert.match(noMailbox.message, /ada@contoso\.example/);
  answer = () => json(410, { error: { code: 'syncStateNotFound', message: 'gone' } }, { Location: `${GRAPH}/v1.0/users/x/calendarView/delta` });
  await rejects(box.request({ url: '/users/x/calendarView/delta', delta: true }), CursorExpired);
  answer = () => json(412, { error: { code: 'ErrorIrresolvableConflict', message: 'The change key passed in the request does not match the current change key of the item.' } });
  assert.equal((await rejects(box.request({ method: 'PATCH', url: '/users/x/events/E1', body: {}, itemId: 'E1' }), PreconditionFailed)).itemId, 'E1');
  await c.close();
});

test('a token Graph refuses (401) is replaced once; refused again, the access is revoked', async () => {
  let refusals = 1;
  const ms = fakeMicrosoft({
    graph: () => (refusals-- > 0 ? json(401, { error: { code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' } }) : json(200, { value: [] })),
  });
  const c = clients(ms.fetchImpl);
  const app = c.application(PROFILE);
  await app.request({ url: '/users' });
  assert.equal(ms.tokenCalls().length, 2, 'the cached token was skipped once');
  assert.deepEqual(ms.graphCalls().map((call) => call.headers.get('authorization')), ['Bearer app-token-2', 'Bearer app-token-4']);
  refusals = 2;
  const err = await rejects(app.request({ url: '/users' }), AuthorizationRevoked);
  assert.match(err.message, /refused the app's access token \(InvalidAuthenticationToken/);
  assert.equal(ms.graphCalls().length, 4);
});

test('a network failure is Transient', async () => {
  const ms = fakeMicrosoft({ graph: () => { throw new TypeError('fetch failed'); } });
  const c = clients(ms.fetchImpl);
  const err = await rejects(c.application(PROFILE).request({ url: '/users' }), Transient);
  assert.match(err.message, /did not answer/);
});

test('$batch members are classified one by one, and batches hold 20 requests', async () => {
  const bodies: Array<{ requests: Array<{ id: string; url: string; method: string }> }> = [];
  const ms = fakeMicrosoft({
    graph: (call) => {
      const body = JSON.parse(call.body) as (typeof bodies)[number];
      bodies.push(body);
      return json(200, {
        responses: body.requests.map((r) => {
          const n = Number(r.url.split('/').pop());
          if (n === 1) return { id: r.id, status: 429, headers: { 'Retry-After': '9' }, body: { error: { code: 'TooManyRequests', message: 'slow down' } } };
          if (n === 2) return { id: r.id, status: 404, body: { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } } };
          if (n === 3) return { id: r.id, status: 412, body: { error: { code: 'ErrorIrresolvableConflict', message: 'stale' } } };
          return { id: r.id, status: 200, headers: { 'Content-Type': 'application/json' }, body: { id: String(n) } };
        }).reverse(), // Graph answers in any order
      });
    },
  });
  const c = clients(ms.fetchImpl);
  const box = c.application(PROFILE).forMailbox('ada@contoso.example');
  const reqs = Array.from({ length: 45 }, (_, i) => ({ url: `/users/ada/events/${i}`, itemId: String(i) }));
  const results = await box.batch(reqs);
  assert.deepEqual(bodies.map((b) => b.requests.length), [20, 20, 5]);
  assert.ok(ms.graphCalls().every((call) => call.url.pathname === '/v1.0/$batch' && call.method === 'POST'));
  assert.equal(results.length, 45);
  const r1 = results[1]!;
  assert.ok(!r1.ok && r1.error instanceof RateLimited && r1.error.retryAfterMs === 9000);
  const r2 = results[2]!;
  assert.ok(!r2.ok && r2.error instanceof NotFound && r2.error.itemId === '2');
  const r3 = results[3]!;
  assert.ok(!r3.ok && r3.error instanceof PreconditionFailed);
  const r44 = results[44]!;
  assert.ok(r44.ok && (r44.body as { id: string }).id === '44');
  await c.close();
});

test('a refused client secret stops at sign-in with the AADSTS reason; Graph is never called', async () => {
  const ms = fakeMicrosoft({
    token: () => json(401, {
      error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value. Trace ID: t Correlation ID: c Timestamp: 2026-03-01 10:00:00Z',
      error_codes: [7000215], timestamp: '2026-03-01 10:00:00Z', trace_id: 't', correlation_id: 'c',
    }),
  });
  const c = clients(ms.fetchImpl);
  const err = await rejects(c.application(PROFILE).request({ url: '/users' }), AuthorizationRevoked);
  assert.equal(err.message, "Microsoft 365 refused the sign-in: the app's client secret is wrong (AADSTS7000215)");
  assert.equal(ms.graphCalls().length, 0);
});

test('a throttled token endpoint is RateLimited for as long as it asked', async () => {
  const ms = fakeMicrosoft({ token: () => json(429, { error: 'temporarily_unavailable', error_description: 'AADSTS90033: busy' }, { 'Retry-After': '30' }) });
  const c = clients(ms.fetchImpl);
  const err = await rejects(c.application(PROFILE).request({ url: '/users' }), RateLimited);
  assert.ok(err.retryAfterMs > 25_000 && err.retryAfterMs <= 30_000, String(err.retryAfterMs));
});

test('delegated tokens: the refresh token is read from the store, the rotated one saved, and a withdrawn grant is AuthorizationRevoked', async () => {
  let stored: string | null = 'rt-1';
  const store = { load: async () => stored, save: async (t: string) => void (stored = t) };
  let refused = false;
  const idToken = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ oid: 'oid-ada', tid: PROFILE.tenantId, sub: 's', preferred_username: 'ada@contoso.example', name: 'Ada', aud: PROFILE.clientId, iss: `${LOGIN}/${PROFILE.tenantId}/v2.0`, iat: 1, exp: 4102444800 })}.`;
  const forms: URLSearchParams[] = [];
  const ms = fakeMicrosoft({
    token: (form) => {
      forms.push(form);
      if (refused) return json(400, { error: 'invalid_grant', error_description: 'AADSTS700082: The refresh token has expired due to inactivity.', error_codes: [700082], suberror: 'bad_token' });
      return json(200, {
        token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: `user-token-${forms.length}`, refresh_token: `rt-${forms.length + 1}`,
        id_token: idToken, client_info: b64url({ uid: 'oid-ada', utid: PROFILE.tenantId }), scope: 'Calendars.ReadWrite User.Read openid profile offline_access',
      });
    },
  });
  const c = clients(ms.fetchImpl);
  const user = c.delegated(PROFILE, 'link-1', store).forMailbox('ada@contoso.example');
  await user.request({ url: '/me/events' });
  await user.request({ url: '/me/events' });
  assert.equal(forms.length, 1, 'one refresh, then the access token is reused');
  assert.equal(forms[0]!.get('grant_type'), 'refresh_token');
  assert.equal(forms[0]!.get('refresh_token'), 'rt-1');
  assert.equal(stored, 'rt-2', 'the rotated refresh token replaced the old one');
  assert.equal(ms.graphCalls()[0]!.headers.get('authorization'), 'Bearer user-token-1');
  // Another link of the same user, or a later run on a fresh node, starts from the stored token.
  refused = true;
  const other = c.delegated(PROFILE, 'link-2', store);
  const err = await rejects(other.request({ url: '/me/events' }), AuthorizationRevoked);
  assert.equal(forms.at(-1)!.get('refresh_token'), 'rt-2');
  assert.match(err.message, /expired after a long time unused.*AADSTS700082/);
  stored = null;
  const none = await rejects(c.delegated(PROFILE, 'link-3', store).request({ url: '/me/events' }), AuthorizationRevoked);
  assert.match(none.message, /connect their calendar/);
});

test('no more than four requests are in flight per mailbox; other mailboxes are not held up', async () => {
  let inFlight = 0;
  let most = 0;
  const perBox = new Map<string, number>();
  const release: Array<() => void> = [];
  const ms = fakeMicrosoft({
    graph: async (call) => {
      const box = call.url.pathname.split('/')[3]!;
      inFlight++;
      perBox.set(box, (perBox.get(box) ?? 0) + 1);
      most = Math.max(most, perBox.get(box)!);
      await new Promise<void>((r) => release.push(r));
      inFlight--;
      perBox.set(box, perBox.get(box)! - 1);
      return json(200, { value: [] });
    },
  });
  const c = clients(ms.fetchImpl);
  const app = c.application(PROFILE);
  const a = app.forMailbox('a@contoso.example');
  const b = app.forMailbox('b@contoso.example');
  const all = [
    ...Array.from({ length: 10 }, () => a.request({ url: '/users/a/events' })),
    ...Array.from({ length: 3 }, () => b.request({ url: '/users/b/events' })),
  ];
  // Let every request that may start reach the fake, then let them finish one by one.
  for (let settled = 0; settled < all.length; settled++) {
    while (release.length === 0) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    if (settled === 0) assert.equal(inFlight, 7, 'four for a, three for b');
    release.shift()!();
  }
  await Promise.all(all);
  assert.equal(most, 4);
  await c.close();
});
