// server/http/panel-auth.ts against the SuperOffice simulator and a real PostgreSQL: the panel
// sign-in through the simulator's real sign-in page (PKCE, nonce, acr_values, id_token verified
// against its JWKS), the popup's one-time hand-off code and the panel's claim that sets the
// partitioned session cookie, and what guards /api/panel: the session for the tenant and user the
// headers name, CSRF on changing requests, administrators only where it says so, and only while
// SuperOffice, asked again every few minutes through the system user, still says they are one. The
// start does not tell installed tenants from others, and the callback shows no text from its query.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Router } from 'express';
import { createHttpApp } from '../../server/http/app.ts';
import { panelApiMount, panelAuthRouter, requireAdministrator } from '../../server/http/panel-auth.ts';
import { saveCredential } from '../../server/db/credentials.ts';
import { createLogger } from '../../server/log.ts';
import { superOfficeAdministratorCheck } from '../../server/panel/administrator-check.ts';
import { ADMIN_RECHECK_MS } from '../../server/panel/sessions.ts';
import { createKeyring } from '../../server/security/secrets.ts';
import { SYSTEM_TOKEN_KIND } from '../../server/superoffice/credential-kinds.ts';
import { createSuperOfficeServices } from '../../server/superoffice/services.ts';
import { SuperOfficeKeys } from '../../server/superoffice/jwks.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';
import { startSuperOfficeSim, type SuperOfficeSim } from '../helpers/superoffice-sim.ts';

// The simulator registers the app's callbacks under this URL; the tests carry the browser's part.
const PUBLIC = 'https://app.example';
const OTHER = 'Cust67890';
const keyring = createKeyring(`k1:${Buffer.alloc(32, 9).toString('base64')}`);
let so: SuperOfficeSim;
let t: MigratedDatabase;
let server: Server;
let app: string;

before(async () => {
  so = await startSuperOfficeSim();
  const other = so.store.createTenant({ contextIdentifier: OTHER, companyName: 'Other Company' });
  so.store.addAssociate(other, { associateId: 5, firstName: 'Otto', lastName: 'Other', email: 'otto@other.example', isAdministrator: true });
  // A user whose name SuperOffice does not know: the id_token's firstname and lastname are empty.
  so.store.addAssociate(other, { associateId: 9, firstName: '', lastName: '', email: 'nameless@other.example' });
  so.store.grantConsent(so.seed.app, other, 5);
  const gone = so.store.createTenant({ contextIdentifier: 'Cust99999', companyName: 'Gone Company' });
  so.store.addAssociate(gone, { associateId: 5, firstName: 'Gus', lastName: 'Gone', email: 'gus@gone.example', isAdministrator: true });
  t = await migratedDatabase();
  await t.db('tenants').insert([
    { context_identifier: 'Cust12345', name: 'Demo Company', installation_state: 'active', serial: so.tenant.serial },
    { context_identifier: OTHER, name: 'Other Company', installation_state: 'active' },
    { context_identifier: 'Cust99999', name: 'Gone Company', installation_state: 'uninstalled' },
  ]);
  // The demo tenant as installed: its system user is what asks SuperOffice about administrators.
  const demo = await t.db('tenants').where({ context_identifier: 'Cust12345' }).first('id');
  await saveCredential(t.db, keyring, { tenantId: demo.id, ownerType: 'tenant', ownerId: demo.id, kind: SYSTEM_TOKEN_KIND, secret: so.systemToken });
  const services = createSuperOfficeServices(
    { identityBaseUrl: so.sim.url, clientId: so.seed.app.clientId, clientSecret: so.seed.app.clientSecret, privateKey: so.seed.privateKeyPem },
    { publicUrl: PUBLIC, extraCaPem: so.caPem },
  );
  const deps = {
    db: t.db,
    keyring,
    administrators: superOfficeAdministratorCheck({ db: t.db, keyring, api: services.api }),
    keys: new SuperOfficeKeys(`${so.sim.url}/login/.well-known/jwks`, so.fetch),
    oidc: { identityBaseUrl: so.sim.url, clientId: so.seed.app.clientId, clientSecret: so.seed.app.clientSecret, redirectUri: `${PUBLIC}/superoffice/callback` },
    publicUrl: PUBLIC,
    fetch: so.fetch,
  };
  // A stand-in for the panel API: what its handlers see, one changing route, one administrator route.
  const api = Router();
  api.get('/echo', (_req, res) => res.json(res.locals.panel));
  api.post('/change', (_req, res) => res.json({ changed: true }));
  api.use('/admin', requireAdministrator);
  api.get('/admin/overview', (_req, res) => res.json({ ok: true }));
  const http = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'production' },
    log: createLogger('silent'),
    readiness: () => [],
    routers: [panelAuthRouter(deps), panelApiMount(deps, api)],
  });
  server = http.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  app = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await t.close();
  await so.close();
});

async function start(ctx: string, assoc: string | number): Promise<URL> {
  const res = await fetch(`${app}/panel-auth/start?ctx=${ctx}&assoc=${assoc}`, { redirect: 'manual' });
  assert.equal(res.status, 302, await res.text());
  return new URL(res.headers.get('location')!);
}

/** The person on SuperOffice's sign-in page picks `user` (ctx:id) and approves; returns the callback query. */
async function signInPage(authorize: URL, user: string, opts: { dropTenantHint?: boolean } = {}): Promise<URLSearchParams> {
  const page = await so.fetch(authorize);
  const html = await page.text();
  assert.equal(page.status, 200, html);
  // Without the tenant hint the person can pick a user of any tenant (the page lists only the hinted one).
  if (!opts.dropTenantHint) assert.match(html, new RegExp(`value="${user}"`), `the sign-in page offers ${user}`);
  const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
  if (opts.dropTenantHint) delete fields.acr_values;
  const body = new URLSearchParams({ ...fields, user, decision: 'approve' });
  const res = await so.fetch(`${so.sim.url}/login/common/oauth/authorize`, { method: 'POST', body, redirect: 'manual' });
  assert.equal(res.status, 302, await res.text());
  const back = new URL(res.headers.get('location')!);
  assert.equal(`${back.origin}${back.pathname}`, `${PUBLIC}/panel-auth/callback`);
  return back.searchParams;
}

async function callback(query: URLSearchParams) {
  const res = await fetch(`${app}/panel-auth/callback?${query}`);
  return { res, status: res.status, text: await res.text(), cookies: res.headers.getSetCookie() };
}

/** The hand-off code the popup's page passes to the panel. */
function codeOf(page: string): string {
  const m = /data-code="([^"]+)"/.exec(page);
  assert.ok(m, page);
  return m[1]!;
}

/** The framed panel's POST /panel-auth/claim (as the browser sends it: JSON, context headers, its own Origin). */
function claim(code: unknown, o: { ctx: string; assoc: number | string; origin?: string | null }) {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-panel-context': o.ctx, 'x-panel-associate': String(o.assoc) };
  const origin = o.origin === undefined ? PUBLIC : o.origin;
  if (origin !== null) headers.origin = origin;
  return fetch(`${app}/panel-auth/claim`, { method: 'POST', headers, body: JSON.stringify({ code }) });
}

const tokenOf = (cookie: string) => cookie.slice(cookie.indexOf('=') + 1, cookie.indexOf(';'));

/** A sign-in up to the popup's page; returns its hand-off code. */
async function handOff(ctx: string, assoc: number): Promise<string> {
  const r = await callback(await signInPage(await start(ctx, assoc), `${ctx}:${assoc}`));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.cookies, [], 'the popup gets no cookie');
  return codeOf(r.text);
}

/** A full sign-in and the panel's claim; returns the session token from the claim's cookie. */
async function signIn(ctx: string, assoc: number): Promise<string> {
  const res = await claim(await handOff(ctx, assoc), { ctx, assoc });
  assert.equal(res.status, 204, await res.text());
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`cs_session_${ctx}=`));
  assert.ok(cookie, res.headers.getSetCookie().join('\n'));
  return tokenOf(cookie);
}

/** The attributes of a Set-Cookie, lower-cased, without its name=value. */
const attrsOf = (cookie: string) => cookie.split(';').slice(1).map((s) => s.trim().toLowerCase());

function panelFetch(path: string, o: { ctx: string; assoc: number | string; cookie?: string; method?: string; csrf?: string; origin?: string; body?: unknown }) {
  const headers: Record<string, string> = { 'x-panel-context': o.ctx, 'x-panel-associate': String(o.assoc) };
  if (o.cookie !== undefined) headers.cookie = o.cookie;
  if (o.csrf !== undefined) headers['x-csrf-token'] = o.csrf;
  if (o.origin !== undefined) headers.origin = o.origin;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${app}/api/panel${path}`, { method: o.method ?? 'GET', headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) });
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

async function session(ctx: string, assoc: number, token: string) {
  const res = await panelFetch('/session', { ctx, assoc, cookie: `cs_session_${ctx}=${token}` });
  assert.equal(res.status, 200);
  return (await res.json()) as { contextIdentifier: string; tenantName: string; associateId: number; userName: string | null; isAdministrator: boolean; csrfToken: string; expiresAt: string };
}

test('the start sends the popup to SuperOffice with PKCE, state, nonce, the tenant and the panel callback', async () => {
  const a = await start('Cust12345', 5);
  assert.equal(`${a.origin}${a.pathname}`, `${so.sim.url}/login/common/oauth/authorize`);
  for (const p of ['state', 'nonce', 'code_challenge']) assert.ok(a.searchParams.get(p), p);
  assert.equal(a.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(a.searchParams.get('acr_values'), 'tenant:Cust12345');
  assert.equal(a.searchParams.get('redirect_uri'), `${PUBLIC}/panel-auth/callback`);
  const pending = await t.db('pending_logins').where({ state: a.searchParams.get('state')! }).first();
  assert.equal(pending.purpose, 'panel');
  assert.equal(pending.context_identifier, 'Cust12345:5');
});

test('a full sign-in hands the panel a one-time code, whose claim sets the partitioned session cookie and serves the session', async () => {
  const r = await callback(await signInPage(await start('Cust12345', 5), 'Cust12345:5'));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.cookies, [], 'the popup is a first-party window: a cookie set there would be third-party in the frame');
  assert.equal(r.res.headers.get('cache-control'), 'no-store');
  const code = codeOf(r.text);
  assert.equal(Buffer.from(code, 'base64url').length, 32);
  const pending = await t.db('panel_sessions').where({ handoff_hash: createHash('sha256').update(code).digest('hex') }).first();
  assert.ok(pending, 'the row keeps the code\'s hash');
  assert.equal(pending.token_hash, null, 'no token before the claim');

  // The page: no inline script (the CSP forbids it), a same-origin script told what to post and where.
  assert.match(r.res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.equal(r.res.headers.get('cross-origin-opener-policy'), 'unsafe-none');
  assert.match(r.text, /<script src="\/popup-result\.js" data-type="signed-in" data-message="[^"]+" data-target-origin="https:\/\/app\.example" data-code="[A-Za-z0-9_-]{43}"><\/script>/);
  assert.doesNotMatch(r.text.replace(/<script src="[^"]+"[^>]*><\/script>/, ''), /<script/);
  const js = await fetch(`${app}/popup-result.js`);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
  const source = await js.text();
  assert.match(source, /source: 'calendar-sync'/);
  assert.match(source, /msg\.code = d\.code/);
  assert.match(source, /window\.opener\.postMessage\(msg, d\.targetOrigin\)/);

  // The framed panel's claim: 204 and the cookie, in its frame's partition.
  const claimed = await claim(code, { ctx: 'Cust12345', assoc: 5 });
  assert.equal(claimed.status, 204, await claimed.text());
  assert.equal(claimed.headers.get('cache-control'), 'no-store');
  const cookies = claimed.headers.getSetCookie();
  assert.equal(cookies.length, 1, cookies.join('\n'));
  const cookie = cookies[0]!;
  assert.ok(cookie.startsWith('cs_session_Cust12345='));
  for (const a of ['secure', 'httponly', 'samesite=none', 'partitioned', 'path=/', 'max-age=28800']) assert.ok(attrsOf(cookie).includes(a), `${a} in ${cookie}`);
  const token = tokenOf(cookie);
  assert.equal(Buffer.from(token, 'base64url').length, 32);
  assert.notEqual(token, code);
  const row = await t.db('panel_sessions').where({ token_hash: createHash('sha256').update(token).digest('hex') }).first();
  assert.equal(row.id, pending.id);
  assert.equal(row.handoff_hash, null, 'the code is used');
  assert.equal(row.associate_id, 5);
  assert.equal(row.user_name, 'Ada Lindqvist', 'the name from the id_token');
  assert.equal(row.is_administrator, true);

  const s = await session('Cust12345', 5, token);
  assert.deepEqual({ ...s, csrfToken: typeof s.csrfToken, expiresAt: typeof s.expiresAt }, {
    contextIdentifier: 'Cust12345',
    tenantName: 'Demo Company',
    associateId: 5,
    userName: 'Ada Lindqvist',
    isAdministrator: true,
    csrfToken: 'string',
    expiresAt: 'string',
  });
  assert.ok(Math.abs(Date.parse(s.expiresAt) - Date.now() - 8 * 3600_000) < 60_000);
  const echo = await panelFetch('/echo', { ctx: 'Cust12345', assoc: 5, cookie: `other=1; cs_session_Cust12345=${token}` });
  assert.equal(echo.headers.get('cache-control'), 'no-store');
  assert.deepEqual(await json(echo), { sessionId: row.id, tenantId: row.tenant_id, contextIdentifier: 'Cust12345', associateId: 5, isAdministrator: true });
});

async function refused(query: URLSearchParams, reason: RegExp): Promise<string> {
  const before = await t.db('panel_sessions').count<{ count: number }[]>('* as count');
  const r = await callback(query);
  assert.equal(r.status, 400, r.text);
  assert.equal(r.cookies.length, 0, 'no cookie on a refusal');
  assert.match(r.text, /data-type="sign-in-failed"/);
  assert.match(r.text, reason);
  assert.deepEqual(await t.db('panel_sessions').count<{ count: number }[]>('* as count'), before, 'no session row');
  return r.text;
}

test('a hand-off code is claimed once, within two minutes, only by the panel of its tenant and user, only from the app\'s origin', async () => {
  const invalid = async (res: Response, message: RegExp, status = 400, error = 'invalid_code') => {
    const body = await json(res);
    assert.deepEqual([res.status, body.error], [status, error], JSON.stringify(body));
    assert.match(String(body.message), message);
    assert.deepEqual(res.headers.getSetCookie(), [], 'no cookie on a refusal');
  };
  const tooLate = /^The sign-in took too long or was already used\. Sign in again\.$/;

  // Once.
  const code = await handOff('Cust12345', 6);
  assert.equal((await claim(code, { ctx: 'Cust12345', assoc: 6 })).status, 204);
  await invalid(await claim(code, { ctx: 'Cust12345', assoc: 6 }), tooLate);

  // Two minutes.
  const late = await handOff('Cust12345', 6);
  await t.db('panel_sessions').where({ handoff_hash: createHash('sha256').update(late).digest('hex') }).update({ handoff_expires_at: new Date(Date.now() - 1000) });
  await invalid(await claim(late, { ctx: 'Cust12345', assoc: 6 }), tooLate);

  // Another tenant's panel finds nothing; another user's panel uses the code up.
  const a = await handOff('Cust12345', 5);
  await invalid(await claim(a, { ctx: OTHER, assoc: 5 }), tooLate);
  await invalid(await claim(a, { ctx: 'Cust12345', assoc: 6 }), /another SuperOffice user than this panel is for/);
  await invalid(await claim(a, { ctx: 'Cust12345', assoc: 5 }), tooLate, 400, 'invalid_code');

  // Another site's page, and requests that are no claim.
  const b = await handOff('Cust12345', 5);
  await invalid(await claim(b, { ctx: 'Cust12345', assoc: 5, origin: 'https://evil.example' }), /another web site/, 403, 'csrf');
  await invalid(await claim(b, { ctx: 'Cust12345', assoc: 5, origin: 'null' }), /another web site/, 403, 'csrf');
  await invalid(await claim(b, { ctx: 'Cust12345', assoc: 'x' }), /does not say which SuperOffice customer and user/);
  for (const bad of [undefined, '', 42, 'short', `${b}=`]) await invalid(await claim(bad, { ctx: 'Cust12345', assoc: 5 }), /no valid sign-in code/);
  const form = await fetch(`${app}/panel-auth/claim`, { method: 'POST', headers: { 'x-panel-context': 'Cust12345', 'x-panel-associate': '5' }, body: new URLSearchParams({ code: b }) });
  await invalid(form, /no valid sign-in code/);
  // None of these used it; without an Origin (not every browser sends one on same-origin requests) it works.
  const ok = await claim(b, { ctx: 'Cust12345', assoc: 5, origin: null });
  assert.equal(ok.status, 204);
  const s = await session('Cust12345', 5, tokenOf(ok.headers.getSetCookie()[0]!));
  assert.equal(s.associateId, 5);
});

test('the session names the user from the id_token\'s firstname and lastname claims, and null when they are empty', async () => {
  const otto = await signIn(OTHER, 5);
  assert.equal((await session(OTHER, 5, otto)).userName, 'Otto Other');
  const nameless = await signIn(OTHER, 9);
  const s = await session(OTHER, 9, nameless);
  assert.equal(s.userName, null);
  assert.equal(s.associateId, 9);
  const row = await t.db('panel_sessions').where({ token_hash: createHash('sha256').update(nameless).digest('hex') }).first('user_name');
  assert.deepEqual(row, { user_name: null });
});

test('signing in as another user than the panel\'s is refused', async () => {
  await refused(await signInPage(await start('Cust12345', 5), 'Cust12345:6'), /You signed in as user 6 of Cust12345, but this panel belongs to user 5 of Cust12345/);
});

test('signing in to another tenant than the panel\'s is refused', async () => {
  // The person drops the tenant hint on SuperOffice's page and picks a user of another tenant.
  await refused(await signInPage(await start('Cust12345', 5), `${OTHER}:5`, { dropTenantHint: true }), /user 5 of Cust67890, but this panel belongs to user 5 of Cust12345/);
});

test('the start answers alike for installed, uninstalled and unknown tenants; "not installed" comes only after the sign-in', async () => {
  // Everything but the per-request values (state, nonce, PKCE challenge) must be the same.
  const answer = async (ctx: string) => {
    const res = await fetch(`${app}/panel-auth/start?ctx=${ctx}&assoc=5`, { redirect: 'manual' });
    const location = new URL(res.headers.get('location') ?? 'about:blank');
    for (const p of ['state', 'nonce', 'code_challenge']) location.searchParams.set(p, 'x');
    location.searchParams.set('acr_values', 'tenant:x');
    const headers = [...res.headers].filter(([k]) => !['date', 'location', 'content-length', 'x-request-id'].includes(k));
    return { status: res.status, location: location.toString(), headers, body: (await res.text()).replace(/https:\/\/[^\s"]+/g, 'URL') };
  };
  const installed = await answer('Cust12345');
  assert.equal(installed.status, 302);
  assert.deepEqual(await answer('Cust99999'), installed, 'an uninstalled tenant');
  assert.deepEqual(await answer('CustUnknown1'), installed, 'a tenant Calendar Sync never heard of');

  // Who signs in to the uninstalled tenant learns it, in the popup, after SuperOffice proved who they are.
  so.store.grantConsent(so.seed.app, so.store.tenant('Cust99999')!, 5);
  await refused(await signInPage(await start('Cust99999', 5), 'Cust99999:5'), /Calendar Sync is not installed for Cust99999/);

  const query = await signInPage(await start(OTHER, 5), `${OTHER}:5`);
  await t.db('tenants').where({ context_identifier: OTHER }).update({ installation_state: 'uninstalled' });
  try {
    await refused(query, /not installed for Cust67890/);
  } finally {
    await t.db('tenants').where({ context_identifier: OTHER }).update({ installation_state: 'active' });
  }
});

test('bad start parameters, a replayed callback and a declined sign-in are refused in words', async () => {
  for (const qs of ['ctx=Cust12345', 'assoc=5', 'ctx=%3Cscript%3E&assoc=5', 'ctx=Cust12345&assoc=0', 'ctx=Cust12345&assoc=5x']) {
    const res = await fetch(`${app}/panel-auth/start?${qs}`, { redirect: 'manual' });
    assert.equal(res.status, 400, qs);
    assert.match(await res.text(), /does not name a SuperOffice customer and user/);
  }
  const query = await signInPage(await start('Cust12345', 5), 'Cust12345:5');
  assert.equal((await callback(query)).status, 200);
  await refused(query, /expired or was already used/);

  const a = await start('Cust12345', 5);
  const body = new URLSearchParams({ ...Object.fromEntries(a.searchParams), user: 'Cust12345:5', decision: 'deny' });
  const denied = await so.fetch(`${so.sim.url}/login/common/oauth/authorize`, { method: 'POST', body, redirect: 'manual' });
  await refused(new URL(denied.headers.get('location')!).searchParams, /SuperOffice did not sign you in: the sign-in was cancelled or refused \(access_denied\)/);
});

test('the callback shows SuperOffice\'s error code in our words, never the text its query carries', async () => {
  const phish = 'Your licence expired: call +1-555-0100';
  for (const [error, words] of [
    ['access_denied', /the sign-in was cancelled or refused \(access_denied\)/],
    ['temporarily_unavailable', /SuperOffice is busy right now \(temporarily_unavailable\)/],
    [phish, /gave an error Calendar Sync does not know/],
  ] as const) {
    // A valid state, as anyone gets one from the start; the rest is the attacker's.
    const state = (await start('Cust12345', 5)).searchParams.get('state')!;
    const page = await refused(new URLSearchParams({ state, error, error_description: phish }), words);
    assert.doesNotMatch(page, /licence|555/, 'the description is nowhere on the page');
  }
});

test('without a session for the headers\' tenant and user, /api/panel answers 401 signed_out', async () => {
  const token = await signIn('Cust12345', 6);
  const cookie = `cs_session_Cust12345=${token}`;
  const cases: Array<[string, Parameters<typeof panelFetch>[1]]> = [
    ['no cookie', { ctx: 'Cust12345', assoc: 6 }],
    ['a made-up token', { ctx: 'Cust12345', assoc: 6, cookie: 'cs_session_Cust12345=nope' }],
    ['another user in the panel URL', { ctx: 'Cust12345', assoc: 5, cookie }],
    ['a malformed associate', { ctx: 'Cust12345', assoc: 'x', cookie }],
  ];
  for (const [what, o] of cases) {
    const res = await panelFetch('/session', o);
    assert.equal(res.status, 401, what);
    const body = await json(res);
    assert.equal(body.error, 'signed_out', what);
    assert.equal(typeof body.message, 'string');
  }
  const bare = await fetch(`${app}/api/panel/session`, { headers: { cookie } });
  assert.equal(bare.status, 401, 'no X-Panel-* headers');
  assert.equal((await panelFetch('/session', { ctx: 'Cust12345', assoc: 6, cookie })).status, 200);
  // A browser may send a stale unpartitioned cookie of the same name (set before sessions were
  // partitioned) beside the partitioned one: either order works.
  const stale = await signIn('Cust12345', 6);
  await t.db('panel_sessions').where({ token_hash: createHash('sha256').update(stale).digest('hex') }).delete();
  for (const both of [`cs_session_Cust12345=${stale}; ${cookie}`, `${cookie}; cs_session_Cust12345=${stale}`]) {
    assert.equal((await panelFetch('/session', { ctx: 'Cust12345', assoc: 6, cookie: both })).status, 200, both);
  }
  assert.equal((await panelFetch('/session', { ctx: 'Cust12345', assoc: 6, cookie: `cs_session_Cust12345=${stale}` })).status, 401);
});

test('an expired session answers 401, and a used one slides its expiry and its cookie', async () => {
  const token = await signIn('Cust12345', 7);
  const cookie = `cs_session_Cust12345=${token}`;
  const hash = createHash('sha256').update(token).digest('hex');
  const fresh = await panelFetch('/session', { ctx: 'Cust12345', assoc: 7, cookie });
  assert.equal(fresh.headers.getSetCookie().length, 0, 'used within the minute: nothing rewritten');
  await t.db('panel_sessions').where({ token_hash: hash }).update({ last_seen_at: new Date(Date.now() - 2 * 3600_000), expires_at: new Date(Date.now() + 6 * 3600_000) });
  const slid = await panelFetch('/session', { ctx: 'Cust12345', assoc: 7, cookie });
  assert.equal(slid.status, 200);
  const renewed = slid.headers.getSetCookie()[0] ?? '';
  assert.match(renewed, /^cs_session_Cust12345=[^;]+; Max-Age=28800;/);
  assert.equal(tokenOf(renewed), token);
  for (const a of ['secure', 'httponly', 'samesite=none', 'partitioned', 'path=/']) assert.ok(attrsOf(renewed).includes(a), `${a} in ${renewed}`);
  assert.ok(Math.abs(Date.parse(((await slid.json()) as { expiresAt: string }).expiresAt) - Date.now() - 8 * 3600_000) < 60_000);
  await t.db('panel_sessions').where({ token_hash: hash }).update({ expires_at: new Date(Date.now() - 1000) });
  const res = await panelFetch('/session', { ctx: 'Cust12345', assoc: 7, cookie });
  assert.equal(res.status, 401);
  assert.equal((await json(res)).error, 'signed_out');
});

test('a cookie of tenant A never serves a panel of tenant B', async () => {
  const a = await signIn('Cust12345', 5);
  const b = await signIn(OTHER, 5);
  // A's cookie under its own name, sent to B's panel: the server reads only B's cookie.
  assert.equal((await panelFetch('/echo', { ctx: OTHER, assoc: 5, cookie: `cs_session_Cust12345=${a}` })).status, 401);
  // A's token put into B's cookie name: it opens nothing for B.
  assert.equal((await panelFetch('/echo', { ctx: OTHER, assoc: 5, cookie: `cs_session_${OTHER}=${a}` })).status, 401);
  assert.equal((await panelFetch('/echo', { ctx: 'Cust12345', assoc: 5, cookie: `cs_session_Cust12345=${b}` })).status, 401);
  // Both cookies in one browser: each panel gets its own tenant.
  const both = `cs_session_Cust12345=${a}; cs_session_${OTHER}=${b}`;
  assert.equal((await json(await panelFetch('/echo', { ctx: OTHER, assoc: 5, cookie: both }))).contextIdentifier, OTHER);
  assert.equal((await json(await panelFetch('/echo', { ctx: 'Cust12345', assoc: 5, cookie: both }))).contextIdentifier, 'Cust12345');
});

test('a changing request needs the session\'s CSRF token and, when it names one, the app\'s origin', async () => {
  const token = await signIn('Cust12345', 5);
  const cookie = `cs_session_Cust12345=${token}`;
  const { csrfToken } = await session('Cust12345', 5, token);
  const other = await session('Cust12345', 5, await signIn('Cust12345', 5));
  const base = { ctx: 'Cust12345', assoc: 5, cookie, method: 'POST', body: {} };
  const cases: Array<[string, Partial<Parameters<typeof panelFetch>[1]>]> = [
    ['no token', {}],
    ['a wrong token', { csrf: 'x'.repeat(csrfToken.length) }],
    ['another session\'s token', { csrf: other.csrfToken }],
    ['a foreign origin', { csrf: csrfToken, origin: 'https://evil.example' }],
    ['an opaque origin', { csrf: csrfToken, origin: 'null' }],
  ];
  for (const [what, o] of cases) {
    for (const method of ['POST', 'PATCH', 'PUT', 'DELETE']) {
      const res = await panelFetch('/change', { ...base, ...o, method });
      assert.equal(res.status, 403, `${method} with ${what}`);
      assert.equal((await json(res)).error, 'csrf', `${method} with ${what}`);
    }
  }
  const ok = await panelFetch('/change', { ...base, csrf: csrfToken });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { changed: true });
  assert.equal((await panelFetch('/change', { ...base, csrf: csrfToken, origin: PUBLIC })).status, 200);
  assert.equal((await panelFetch('/change', { ...base, csrf: csrfToken, cookie: undefined })).status, 401, 'signed out comes first');
  assert.equal((await panelFetch('/echo', { ctx: 'Cust12345', assoc: 5, cookie })).status, 200, 'reading needs no token');
});

test('administrator routes answer 403 not_administrator to everyone else', async () => {
  const user = await signIn('Cust12345', 6);
  const res = await panelFetch('/admin/overview', { ctx: 'Cust12345', assoc: 6, cookie: `cs_session_Cust12345=${user}` });
  assert.equal(res.status, 403);
  const body = await json(res);
  assert.equal(body.error, 'not_administrator');
  assert.equal(body.message, 'Only a SuperOffice administrator can change Calendar Sync. Ask your administrator.');
  const admin = await signIn('Cust12345', 5);
  assert.equal((await panelFetch('/admin/overview', { ctx: 'Cust12345', assoc: 5, cookie: `cs_session_Cust12345=${admin}` })).status, 200);
});

test('a demoted administrator loses administrator rights once the recheck interval passes, with a clear 403', async () => {
  const token = await signIn('Cust12345', 5);
  const cookie = `cs_session_Cust12345=${token}`;
  const hash = createHash('sha256').update(token).digest('hex');
  const overview = () => panelFetch('/admin/overview', { ctx: 'Cust12345', assoc: 5, cookie });
  const row = () => t.db('panel_sessions').where({ token_hash: hash }).first('is_administrator', 'admin_checked_at');
  const age = () => t.db('panel_sessions').where({ token_hash: hash }).update({ admin_checked_at: new Date(Date.now() - ADMIN_RECHECK_MS - 1000) });
  const setAdmin = (isAdministrator: boolean) =>
    so.fetch(`${so.sim.url}/control/tenants/Cust12345/users/5`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ isAdministrator }) });
  try {
    assert.equal((await overview()).status, 200);
    // Asked again after the interval, SuperOffice still says yes: the flag stands, confirmed anew.
    await age();
    assert.equal((await overview()).status, 200);
    assert.ok(Date.now() - (await row()).admin_checked_at.getTime() < 60_000, 'confirmed just now');

    // An administrator in SuperOffice takes the right away (through the simulator's control API).
    assert.equal((await setAdmin(false)).status, 200);
    await age();
    const res = await overview();
    const body = await json(res);
    assert.deepEqual([res.status, body.error, body.message], [
      403,
      'not_administrator',
      'SuperOffice says you are no longer an administrator, so you can no longer change Calendar Sync. Ask your administrator if that is wrong.',
    ]);
    assert.equal((await row()).is_administrator, false, 'the demotion is kept on the session');
    assert.equal((await session('Cust12345', 5, token)).isAdministrator, false, 'the panel learns it');
    // Made administrator again, the old session stays demoted; a new sign-in carries the new claim.
    assert.equal((await setAdmin(true)).status, 200);
    await age();
    assert.equal((await overview()).status, 403);
    const fresh = await signIn('Cust12345', 5);
    assert.equal((await panelFetch('/admin/overview', { ctx: 'Cust12345', assoc: 5, cookie: `cs_session_Cust12345=${fresh}` })).status, 200);
  } finally {
    await setAdmin(true);
  }
});

test('when SuperOffice cannot confirm an administrator, administrator routes are refused in words and nothing is recorded', async () => {
  const token = await signIn('Cust12345', 5);
  const cookie = `cs_session_Cust12345=${token}`;
  const hash = createHash('sha256').update(token).digest('hex');
  const overview = () => panelFetch('/admin/overview', { ctx: 'Cust12345', assoc: 5, cookie });
  const stale = new Date(Date.now() - ADMIN_RECHECK_MS - 1000);
  await t.db('panel_sessions').where({ token_hash: hash }).update({ admin_checked_at: stale });
  // The tenant's API answers 503 to the next request, the check's User/GetUser.
  so.simulator.api.injectApiFaults('Cust12345', { status: 503, count: 1 });
  const res = await overview();
  const body = await json(res);
  assert.equal(res.status, 403);
  assert.equal(body.error, 'not_administrator');
  assert.match(String(body.message), /could not confirm with SuperOffice that you are still an administrator/);
  assert.deepEqual(await t.db('panel_sessions').where({ token_hash: hash }).first('is_administrator', 'admin_checked_at'), { is_administrator: true, admin_checked_at: stale }, 'nothing recorded');
  // SuperOffice answers again: the next request asks again and is let in.
  assert.equal((await overview()).status, 200);
});

test('signing out ends the session and clears the cookie', async () => {
  const token = await signIn('Cust12345', 8);
  const cookie = `cs_session_Cust12345=${token}`;
  const { csrfToken } = await session('Cust12345', 8, token);
  assert.equal((await panelFetch('/sign-out', { ctx: 'Cust12345', assoc: 8, cookie, method: 'POST' })).status, 403, 'sign-out needs the CSRF token too');
  const res = await panelFetch('/sign-out', { ctx: 'Cust12345', assoc: 8, cookie, method: 'POST', csrf: csrfToken });
  assert.equal(res.status, 204);
  const cleared = res.headers.getSetCookie()[0] ?? '';
  assert.match(cleared, /^cs_session_Cust12345=;/);
  assert.match(cleared, /Expires=Thu, 01 Jan 1970/);
  for (const a of ['secure', 'httponly', 'samesite=none', 'partitioned', 'path=/']) assert.ok(attrsOf(cleared).includes(a), `${a} in ${cleared}`);
  assert.equal((await panelFetch('/session', { ctx: 'Cust12345', assoc: 8, cookie })).status, 401);
});
