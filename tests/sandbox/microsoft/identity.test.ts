// Entra ID fidelity, through msal-node unchanged: discovery, admin consent and client credentials,
// the auth code flow with PKCE, refresh with rotation, revocation, and the Graph side of the tokens.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as msal from '@azure/msal-node';
import { ADA, BJORN, DANIEL, GRAPH_DEFAULT, startMsHarness, type MsHarness } from './harness.ts';

const REDIRECT = 'http://localhost:3999/graph/callback';

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function rejection(p: Promise<unknown>): Promise<msal.AuthError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof msal.AuthError, `expected an msal AuthError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

describe('Microsoft simulator: identity', () => {
  let h: MsHarness;
  before(async () => {
    h = await startMsHarness({ settings: { accessTokenLifetimeS: 1800 } });
  });
  after(() => h.close());

  test('serves OpenID metadata and keys for the tenant id, its domain and the multi-tenant aliases', async () => {
    for (const segment of [h.sim.tenantId, h.sim.domain]) {
      const doc = (await (await h.call(`${h.sim.loginUrl}/${segment}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
      assert.equal(doc.token_endpoint, `${h.sim.loginUrl}/${h.sim.tenantId}/oauth2/v2.0/token`);
      assert.equal(doc.issuer, `${h.sim.loginUrl}/${h.sim.tenantId}/v2.0`);
      assert.ok(doc.authorization_endpoint && doc.jwks_uri);
    }
    const common = (await (await h.call(`${h.sim.loginUrl}/organizations/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    assert.equal(common.issuer, `${h.sim.loginUrl}/{tenantid}/v2.0`);
    const keys = (await (await h.call(`${h.sim.loginUrl}/${h.sim.tenantId}/discovery/v2.0/keys`)).json()) as { keys: Array<{ kty: string }> };
    assert.equal(keys.keys[0]?.kty, 'RSA');
    assert.equal((await h.call(`${h.sim.loginUrl}/nosuch.example/v2.0/.well-known/openid-configuration`)).status, 400);
  });

  test('client credentials: refused before admin consent, issued after, refused again after revocation', async () => {
    h.sim.control.revokeAdminConsent();
    const before = await rejection(h.cca().acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }));
    assert.equal(before.errorCode, 'unauthorized_client');
    assert.match(before.errorMessage, /AADSTS700016/);

    h.sim.control.grantAdminConsent();
    const result = await h.cca().acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
    assert.ok(result);
    const c = claims(result.accessToken);
    assert.equal(c.aud, 'https://graph.microsoft.com');
    assert.equal(c.tid, h.sim.tenantId);
    assert.equal(c.appid, h.sim.app.clientId);
    assert.deepEqual(c.roles, ['Calendars.ReadWrite', 'User.Read.All']);
    assert.equal(typeof c.oid, 'string');
    const lifetime = (result.expiresOn!.getTime() - Date.now()) / 1000;
    // msal rounds its clock to whole seconds, so allow one either way.
    assert.ok(lifetime > 1700 && lifetime <= 1801, `lifetime ${lifetime}`);

    h.sim.control.revokeAdminConsent();
    const afterRevoke = await rejection(h.cca().acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }));
    assert.match(afterRevoke.errorMessage, /AADSTS700016/);
    // A token issued before the revocation still works at Graph until it expires, as in Entra.
    const graph = h.graph(async () => result.accessToken);
    assert.equal(((await graph.api(`/users/${ADA}`).get()) as { mail: string }).mail, ADA);
    h.sim.control.grantAdminConsent();
  });

  test('client credentials: a wrong secret, a wrong scope and an unknown tenant are refused as Entra refuses them', async () => {
    h.sim.control.grantAdminConsent();
    const secret = await rejection(h.cca({ clientSecret: 'not-the-secret' }).acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }));
    assert.equal(secret.errorCode, 'invalid_client');
    assert.match(secret.errorMessage, /AADSTS7000215/);
    const scope = await rejection(h.cca().acquireTokenByClientCredential({ scopes: ['Calendars.ReadWrite'] }));
    assert.match(scope.errorMessage, /AADSTS1002012/);
    const res = await h.call(`${h.sim.loginUrl}/nosuch.example/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: h.sim.app.clientId, client_secret: h.sim.app.clientSecret, scope: GRAPH_DEFAULT }).toString(),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: string; error_codes: number[] };
    assert.deepEqual(body.error_codes, [90002]);
  });

  test('admin consent: the v2 and the older endpoint, with the page, the test knob, a refusal and a non-administrator', async () => {
    h.sim.control.revokeAdminConsent();
    const q = new URLSearchParams({ client_id: h.sim.app.clientId, scope: GRAPH_DEFAULT, redirect_uri: REDIRECT, state: 's1' });
    const page = await h.call(`${h.sim.loginUrl}/${h.sim.tenantId}/v2.0/adminconsent?${q}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<form method="post"/);
    assert.match(html, /Accept/);
    assert.doesNotMatch(html, /<script/);

    const accepted = await h.call(`${h.sim.loginUrl}/${h.sim.tenantId}/v2.0/adminconsent`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `${q}&user=${encodeURIComponent(ADA)}&decision=accept`,
    });
    assert.equal(accepted.status, 302);
    const back = new URL(accepted.headers.get('location')!);
    assert.equal(back.origin + back.pathname, REDIRECT);
    assert.equal(back.searchParams.get('admin_consent'), 'True');
    assert.equal(back.searchParams.get('tenant'), h.sim.tenantId);
    assert.equal(back.searchParams.get('state'), 's1');
    assert.equal(h.sim.control.hasAdminConsent(), true);

    h.sim.control.revokeAdminConsent();
    const nonAdmin = await h.call(`${h.sim.loginUrl}/${h.sim.domain}/adminconsent?client_id=${h.sim.app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&state=s2&sim_consent=accept&sim_user=${BJORN}`);
    assert.equal(new URL(nonAdmin.headers.get('location')!).searchParams.get('error'), 'access_denied');
    const cancelled = await h.call(`${h.sim.loginUrl}/common/adminconsent?client_id=${h.sim.app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&state=s3&sim_consent=cancel`);
    const c = new URL(cancelled.headers.get('location')!);
    assert.equal(c.searchParams.get('error'), 'access_denied');
    assert.equal(c.searchParams.get('state'), 's3');
    assert.equal(h.sim.control.hasAdminConsent(), false);
    const knob = await h.call(`${h.sim.loginUrl}/${h.sim.tenantId}/adminconsent?client_id=${h.sim.app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&sim_consent=accept`);
    assert.equal(new URL(knob.headers.get('location')!).searchParams.get('admin_consent'), 'True');
    assert.equal(h.sim.control.hasAdminConsent(), true);

    const unknownApp = await h.call(`${h.sim.loginUrl}/${h.sim.tenantId}/adminconsent?client_id=00000000-0000-0000-0000-000000000000&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    assert.equal(unknownApp.status, 400);
    assert.match(await unknownApp.text(), /AADSTS700016/);
  });

  test('auth code with PKCE, refresh with rotation, and invalid_grant once the sessions are revoked', async () => {
    const cca = h.cca();
    const pkce = await new msal.CryptoProvider().generatePkceCodes();
    const scopes = ['Calendars.ReadWrite', 'User.Read'];
    const url = await cca.getAuthCodeUrl({
      scopes, redirectUri: REDIRECT, state: 'st-1', codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', loginHint: ADA,
      extraQueryParameters: { sim_consent: 'accept' },
    });
    const res = await h.call(url);
    assert.equal(res.status, 302);
    const back = new URL(res.headers.get('location')!);
    assert.equal(back.searchParams.get('state'), 'st-1');
    const code = back.searchParams.get('code')!;
    assert.ok(code && back.searchParams.get('client_info'));

    const wrong = await rejection(h.cca().acquireTokenByCode({ code, scopes, redirectUri: REDIRECT, codeVerifier: 'x'.repeat(43) }));
    assert.equal(wrong.errorCode, 'invalid_grant');

    // A code is single-use, even when the first redemption failed: start again.
    const url2 = await cca.getAuthCodeUrl({ scopes, redirectUri: REDIRECT, state: 'st-2', codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', loginHint: ADA, extraQueryParameters: { sim_consent: 'accept' } });
    const code2 = new URL((await h.call(url2)).headers.get('location')!).searchParams.get('code')!;
    const first = await cca.acquireTokenByCode({ code: code2, scopes, redirectUri: REDIRECT, codeVerifier: pkce.verifier });
    const ada = h.sim.users.find((u) => u.userPrincipalName === ADA)!;
    assert.equal(first.account?.homeAccountId, `${ada.id}.${h.sim.tenantId}`);
    assert.equal(first.account?.username, ADA);
    const c = claims(first.accessToken);
    assert.equal(c.oid, ada.id);
    assert.match(String(c.scp), /Calendars\.ReadWrite/);
    assert.equal(c.aud, 'https://graph.microsoft.com');
    const again = await rejection(h.cca().acquireTokenByCode({ code: code2, scopes, redirectUri: REDIRECT, codeVerifier: pkce.verifier }));
    assert.match(again.errorMessage, /AADSTS54005/);

    const rtOf = () => Object.values((JSON.parse(cca.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> }).RefreshToken)[0]?.secret;
    const rt1 = rtOf();
    const refreshed = await cca.acquireTokenSilent({ account: first.account!, scopes, forceRefresh: true });
    assert.notEqual(refreshed.accessToken, first.accessToken);
    const rt2 = rtOf();
    assert.ok(rt1 && rt2 && rt1 !== rt2, 'the refresh token rotates');

    // The delegated token reaches the user's own calendar through /me, and nobody else's.
    const graph = h.graph(async () => (await cca.acquireTokenSilent({ account: first.account!, scopes })).accessToken);
    const me = (await graph.api('/me').get()) as { id: string };
    assert.equal(me.id, ada.id);
    const created = (await graph.api('/me/events').post({ subject: 'Delegated', start: { dateTime: '2030-01-07T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2030-01-07T10:00:00', timeZone: 'UTC' } })) as { id: string };
    assert.ok(created.id);
    await assert.rejects(graph.api(`/users/${DANIEL}/events`).get(), (e: { statusCode?: number; code?: string }) => e.statusCode === 403 && e.code === 'ErrorAccessDenied');

    h.sim.control.revokeRefreshTokens(ADA);
    const revoked = await rejection(cca.acquireTokenSilent({ account: first.account!, scopes, forceRefresh: true }));
    assert.ok(revoked instanceof msal.InteractionRequiredAuthError, `expected InteractionRequiredAuthError, got ${revoked.name}`);
    assert.match(revoked.errorMessage, /AADSTS50173/);
  });

  test('a refresh token unused past its lifetime answers invalid_grant AADSTS700082', async () => {
    const cca = h.cca();
    const url = await cca.getAuthCodeUrl({ scopes: ['Calendars.ReadWrite'], redirectUri: REDIRECT, loginHint: DANIEL, extraQueryParameters: { sim_consent: 'accept' } });
    const code = new URL((await h.call(url)).headers.get('location')!).searchParams.get('code')!;
    const signedIn = await cca.acquireTokenByCode({ code, scopes: ['Calendars.ReadWrite'], redirectUri: REDIRECT });
    h.sim.control.settings.refreshTokenLifetimeS = 0;
    try {
      await new Promise((r) => setTimeout(r, 5));
      const stale = await rejection(cca.acquireTokenSilent({ account: signedIn.account!, scopes: ['Calendars.ReadWrite'], forceRefresh: true }));
      assert.ok(stale instanceof msal.InteractionRequiredAuthError);
      assert.match(stale.errorMessage, /AADSTS700082/);
    } finally {
      h.sim.control.settings.refreshTokenLifetimeS = 90 * 24 * 3600;
    }
  });

  test('the multi-tenant authority and instance-discovery metadata from the simulator work too', async () => {
    const cca = h.cca({ tenant: 'organizations' });
    const url = await cca.getAuthCodeUrl({ scopes: ['Calendars.ReadWrite'], redirectUri: REDIRECT, loginHint: DANIEL, extraQueryParameters: { sim_consent: 'accept' } });
    assert.ok(url.startsWith(`${h.sim.loginUrl}/organizations/oauth2/v2.0/authorize?`));
    const code = new URL((await h.call(url)).headers.get('location')!).searchParams.get('code')!;
    const signedIn = await cca.acquireTokenByCode({ code, scopes: ['Calendars.ReadWrite'], redirectUri: REDIRECT });
    assert.equal(signedIn.account?.tenantId, h.sim.tenantId);
    assert.ok((await cca.acquireTokenSilent({ account: signedIn.account!, scopes: ['Calendars.ReadWrite'], forceRefresh: true })).accessToken);

    const metadata = await (await h.call(`${h.sim.loginUrl}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${h.sim.loginUrl}/${h.sim.tenantId}/oauth2/v2.0/authorize`)}`)).text();
    h.sim.control.grantAdminConsent();
    assert.ok(await h.cca({ cloudDiscoveryMetadata: metadata }).acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }));
  });

  test('the delegated consent page shows a form; Cancel redirects with access_denied', async () => {
    const url = await h.cca().getAuthCodeUrl({ scopes: ['Calendars.ReadWrite'], redirectUri: REDIRECT, state: 'p1' });
    const page = await h.call(url);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Ada Lindqvist/);
    assert.match(html, /name="decision" value="accept"/);
    const action = new URL(url).pathname;
    const form = new URLSearchParams([...new URL(url).searchParams, ['decision', 'cancel']]);
    const cancelled = await h.call(`${h.sim.loginUrl}${action}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    const back = new URL(cancelled.headers.get('location')!);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), 'p1');
    const accepted = new URLSearchParams([...new URL(url).searchParams, ['decision', 'accept'], ['user', DANIEL]]);
    const ok = await h.call(`${h.sim.loginUrl}${action}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: accepted.toString() });
    assert.ok(new URL(ok.headers.get('location')!).searchParams.get('code'));
  });

  test('Graph refuses missing, foreign and expired tokens with 401 InvalidAuthenticationToken', async () => {
    h.sim.control.grantAdminConsent();
    const token = (await h.cca().acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }))!.accessToken;
    const get = (auth?: string) => h.call(`${h.sim.graphUrl}/users/${ADA}`, { headers: auth ? { authorization: auth } : {} });
    assert.equal((await get(`Bearer ${token}`)).status, 200);
    const none = await get();
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'InvalidAuthenticationToken');
    const [hd, , sig] = token.split('.');
    const forged = `${hd}.${Buffer.from(JSON.stringify({ ...claims(token), roles: ['Directory.ReadWrite.All'] })).toString('base64url')}.${sig}`;
    assert.equal((await get(`Bearer ${forged}`)).status, 401);
    h.sim.control.expireAccessTokens();
    const expired = await get(`Bearer ${token}`);
    assert.equal(expired.status, 401);
    assert.match(((await expired.json()) as { error: { message: string } }).error.message, /expired/);
  });

  test('injected token-endpoint faults answer with their status and Retry-After', async () => {
    h.sim.control.injectLoginFault({ kind: 'status', status: 503, retryAfterS: 7, count: 1 });
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: h.sim.app.clientId, client_secret: h.sim.app.clientSecret, scope: GRAPH_DEFAULT }).toString();
    const post = () => h.call(`${h.sim.loginUrl}/${h.sim.tenantId}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const faulted = await post();
    assert.equal(faulted.status, 503);
    assert.equal(faulted.headers.get('retry-after'), '7');
    assert.equal((await post()).status, 200);
  });
});
