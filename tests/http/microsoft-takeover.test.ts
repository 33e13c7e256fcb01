// Issue 11's critical finding, replayed over HTTP as it was reproduced: an administrator of a second
// SuperOffice installation starts a Microsoft 365 consent, takes `state` from the URL and calls our
// callback naming the demo company's Entra tenant, without visiting Microsoft. It must bind nothing,
// read nothing and tell nothing; the match preview must not list the victim's mailboxes. The honest
// flow through the same routes (Microsoft's pages, the proving sign-in, the panel's claim) still works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import { createHttpApp } from '../../server/http/app.ts';
import { microsoftConsentRouter } from '../../server/http/microsoft-consent.ts';
import { popupResultScript } from '../../server/http/popup-result.ts';
import { createLogger } from '../../server/log.ts';
import type { MicrosoftApp } from '../../server/microsoft/admin-consent.ts';
import { createMicrosoft, type Microsoft } from '../../server/microsoft/connector.ts';
import { microsoftConsent } from '../../server/microsoft/consent-deps.ts';
import { panelApiRouter } from '../../server/panel-api/router.ts';
import { createKeyring } from '../../server/security/secrets.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';
import { ADA, startGraphHarness, type GraphHarness } from '../providers/graph/harness.ts';

const keyring = createKeyring(`k1:${Buffer.alloc(32, 9).toString('base64')}`);
let g: GraphHarness;
let t: MigratedDatabase;
let microsoft: Microsoft;
let server: ReturnType<typeof createServer>;
let url = '';
const queued: string[] = [];

interface As {
  tenantId: string;
  sessionId: string;
}

before(async () => {
  g = await startGraphHarness();
  t = await migratedDatabase();
  const app: MicrosoftApp = { clientId: g.sim.app.clientId, clientSecret: g.sim.app.clientSecret, loginUrl: g.sim.loginUrl, graphUrl: g.sim.graphUrl };
  microsoft = createMicrosoft({ db: t.db, keyring, app, caPem: g.caPem });
  const queue = { enqueue: async () => void queued.push('job'), enqueueLinkSync: async () => void queued.push('sync') } as never;
  // A stand-in for the panel sign-in (tested on its own): the session named by X-Test-Panel.
  const session = Router();
  session.use('/api/panel', (req, res, next) => {
    const given = req.headers['x-test-panel'];
    if (typeof given === 'string') {
      const as = JSON.parse(given) as As;
      res.locals.panel = { sessionId: as.sessionId, tenantId: as.tenantId, contextIdentifier: 'test', associateId: 5, isAdministrator: true };
    }
    next();
  });
  server = createServer();
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  session.use('/api/panel', panelApiRouter({ db: t.db, keyring, queue, publicUrl: url, microsoft: { connector: microsoft, app } }));
  const consent = microsoftConsent({ db: t.db, keyring, app, publicUrl: url, microsoft, queue });
  const http = createHttpApp({
    config: { frameAncestors: ["'self'"], BODY_LIMIT: '1mb', mode: 'production' },
    log: createLogger('silent'),
    readiness: () => [],
    routers: [session, microsoftConsentRouter(consent.admin, consent.user), popupResultScript()],
  });
  server.on('request', http as unknown as RequestListener);
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await microsoft.close();
  await t.close();
  await g.close();
});

async function installation(ctx: string): Promise<{ tenantId: string; profileId: string }> {
  const [{ id: tenantId }] = await t.db('tenants').insert({ context_identifier: ctx, name: ctx, installation_state: 'active', subscription_state: 'active', seat_count: 10 }).returning('id');
  const [{ id: profileId }] = await t.db('profiles').insert({ tenant_id: tenantId, name: 'Microsoft 365', calendar_system: 'graph', connection: JSON.stringify({ mode: 'application' }) }).returning('id');
  return { tenantId, profileId };
}

async function api(as: As, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/api/panel${path}`, {
    method,
    headers: { 'x-test-panel': JSON.stringify(as), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json() };
}

const get = (path: string) => fetch(`${url}${path}`, { redirect: 'manual' });

test('a forged admin-consent callback naming another organisation is refused; the honest flow connects', async () => {
  g.sim.control.grantAdminConsent();
  // The victim: the demo company's installation, connected to its organisation.
  const victim = await installation('CustVictim');
  await t.db('profiles').where({ id: victim.profileId }).update({ connection: JSON.stringify({ mode: 'application', entraTenantId: g.sim.tenantId, verifiedAt: new Date().toISOString() }) });

  // The attacker's own installation, its administrator signed in to its panel.
  const evil = await installation('CustEvil');
  const attacker: As = { tenantId: evil.tenantId, sessionId: randomUUID() };
  const answers: Response[] = [];
  for (const tenant of [g.sim.tenantId, randomUUID()]) {
    const started = await api(attacker, 'POST', `/admin/profiles/${evil.profileId}/consent`);
    assert.equal(started.status, 200);
    const state = new URL(started.body.url).searchParams.get('state')!;
    answers.push(await get(`/microsoft/admin-consent/callback?${new URLSearchParams({ state, admin_consent: 'True', tenant })}`));
  }
  // Not "connected": a sign-in at the organisation named, the same for a customer of ours and a stranger.
  for (const res of answers) {
    assert.equal(res.status, 302);
    assert.match(res.headers.get('location')!, new RegExp(`^${g.sim.loginUrl}/[0-9a-f-]{36}/oauth2/v2\\.0/authorize\\?`));
  }
  assert.equal((await t.db('profiles').where({ id: evil.profileId }).first('connection')).connection.entraTenantId, undefined);
  // The attacker's profile cannot read the victim's directory (what the match preview lists), and
  // guessing a claim code gets nothing.
  await assert.rejects(microsoft.directory(evil.tenantId, evil.profileId), /not connected/);
  assert.equal((await api(attacker, 'POST', '/microsoft/claim', { code: 'A'.repeat(43) })).status, 400);

  // The honest flow: the victim's administrator grants consent on Microsoft's page for a new profile.
  const [{ id: profileId }] = await t.db('profiles').insert({ tenant_id: victim.tenantId, name: 'Microsoft 365 (2)', calendar_system: 'graph', connection: JSON.stringify({ mode: 'application' }) }).returning('id');
  const admin: As = { tenantId: victim.tenantId, sessionId: randomUUID() };
  const consentUrl = new URL((await api(admin, 'POST', `/admin/profiles/${profileId}/consent`)).body.url);
  consentUrl.searchParams.set('sim_consent', 'accept');
  consentUrl.searchParams.set('sim_user', ADA);
  let location = (await g.fetch(consentUrl, { redirect: 'manual' })).headers.get('location')!;
  const signIn = new URL((await get(new URL(location).pathname + new URL(location).search)).headers.get('location')!);
  signIn.searchParams.set('sim_consent', 'accept');
  signIn.searchParams.set('sim_user', ADA);
  location = (await g.fetch(signIn, { redirect: 'manual' })).headers.get('location')!;
  const page = await get(new URL(location).pathname + new URL(location).search);
  assert.equal(page.status, 200);
  const html = await page.text();
  const code = /data-code="([^"]+)"/.exec(html)?.[1];
  assert.ok(code, 'the page hands the panel a one-time code');
  assert.match(html, new RegExp(`data-target-origin="${url}"`), 'posted to our own origin only');
  // Only the session that started it may claim it: not the attacker, not another session of the victim.
  assert.equal((await api(attacker, 'POST', '/microsoft/claim', { code })).status, 400);
  assert.equal((await api({ ...admin, sessionId: randomUUID() }, 'POST', '/microsoft/claim', { code })).status, 400);
  const claimed = await api(admin, 'POST', '/microsoft/claim', { code });
  assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
  assert.equal(claimed.body.status, 'connected');
  assert.equal((await t.db('profiles').where({ id: profileId }).first('connection')).connection.entraTenantId, g.sim.tenantId);
});

test('a consent page never shows words taken from the URL', async () => {
  const evil = await installation('CustPhish');
  const started = await api({ tenantId: evil.tenantId, sessionId: randomUUID() }, 'POST', `/admin/profiles/${evil.profileId}/consent`);
  const state = new URL(started.body.url).searchParams.get('state')!;
  const res = await get(`/microsoft/admin-consent/callback?${new URLSearchParams({ state, error: 'access_denied', error_description: 'Your licence expired: call +1-555-0100' })}`);
  assert.equal(res.status, 400);
  const html = await res.text();
  assert.ok(!html.includes('555-0100'));
  assert.match(html, /Consent was not granted/);
});
