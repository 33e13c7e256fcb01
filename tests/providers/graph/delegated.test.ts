// Delegated (per-user) access against the simulator, through msal-node's code flow: the consent URL,
// the code redeemed into a refresh token sealed in `credentials` (PostgreSQL), a refresh that rotates
// it, and revoked sessions refused with Microsoft's reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { loadCredentialRecord } from '../../../server/db/credentials.ts';
import { adminConsentUrl, authorizationUrl, credentialRefreshTokens, redeemAuthorizationCode } from '../../../server/providers/graph/auth.ts';
import { idTokenVerifier } from '../../../server/providers/graph/id-token.ts';
import { createGraphSide } from '../../../server/providers/graph/side.ts';
import { createKeyring } from '../../../server/security/secrets.ts';
import { AuthorizationRevoked } from '../../../server/sync/errors.ts';
import { migratedDatabase, type MigratedDatabase } from '../../helpers/db.ts';
import { ADA, WINDOW, startGraphHarness, type GraphHarness } from './harness.ts';

let h: GraphHarness;
let t: MigratedDatabase;
const keyring = createKeyring(`k1:${Buffer.alloc(32, 7).toString('base64')}`);
const REDIRECT = 'http://localhost:3000/auth/microsoft/callback';

before(async () => {
  [h, t] = await Promise.all([startGraphHarness(), migratedDatabase('graph')]);
});
after(async () => {
  await h.close();
  await t.close();
});

test('a user consents, the code becomes a sealed refresh token, and each refresh rotates it', async () => {
  const [{ id: tenantId }] = await t.db('tenants').insert({ context_identifier: 'Cust12345', installation_state: 'active' }).returning('id');
  const ref = { tenantId, ownerType: 'link' as const, ownerId: '6b1f3c1e-0000-4000-8000-000000000001', kind: 'graph_refresh_token' };
  const store = credentialRefreshTokens(t.db, keyring, ref);
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const url = new URL(await authorizationUrl(h.profile, h.clients.signIn, { redirectUri: REDIRECT, state: 'st-1', nonce: 'n-1', loginHint: ADA, codeChallenge: challenge }));
  assert.equal(url.origin, h.sim.loginUrl);
  assert.equal(url.pathname, `/${h.sim.tenantId}/oauth2/v2.0/authorize`);
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.match(url.searchParams.get('scope') ?? '', /Calendars\.ReadWrite/);
  assert.match(url.searchParams.get('scope') ?? '', /offline_access/);
  // The simulator's shortcut past its consent page.
  url.searchParams.set('sim_consent', 'accept');
  const answer = await h.fetch(url, { redirect: 'manual' });
  const back = new URL(answer.headers.get('location') ?? '');
  assert.equal(back.searchParams.get('state'), 'st-1');
  const redeemed = await redeemAuthorizationCode(h.profile, h.clients.signIn, { code: back.searchParams.get('code')!, redirectUri: REDIRECT, codeVerifier: verifier, nonce: 'n-1' });
  const who = await idTokenVerifier({ loginUrl: h.sim.loginUrl, clientId: h.sim.app.clientId, fetch: h.clients.signIn.fetch }).verify(redeemed.idToken, { nonce: 'n-1' });
  assert.equal(who.username, ADA);
  assert.equal(who.tenantId, h.sim.tenantId);
  await store.save(redeemed.refreshToken);
  const first = await loadCredentialRecord(t.db, keyring, ref);
  assert.ok(first?.secret);
  const row = await t.db('credentials').where({ tenant_id: tenantId, kind: 'graph_refresh_token' }).first();
  assert.ok(!String(row.ciphertext).includes(first.secret), 'stored sealed');

  // The user's own access: a side over it reads and writes their calendar.
  const user = h.clients.delegated(h.profile, ref.ownerId, store);
  const side = createGraphSide({ graph: user.forMailbox(ADA), window: WINDOW, timeZone: 'Europe/Oslo' });
  await side.listChanges(null);
  const rotated = await loadCredentialRecord(t.db, keyring, ref);
  assert.notEqual(rotated?.secret, first.secret, 'the refresh rotated the token');

  h.sim.control.revokeRefreshTokens(ADA);
  h.sim.control.expireAccessTokens();
  const err = await createGraphSide({ graph: h.clients.delegated(h.profile, 'another-run', store).forMailbox(ADA), window: WINDOW }).listChanges(null).catch((e: unknown) => e);
  assert.ok(err instanceof AuthorizationRevoked, String(err));
  assert.match(err.message, /AADSTS50173/);
});

test('the admin consent URL asks for the app permissions on the tenant', () => {
  const u = new URL(adminConsentUrl({ tenantId: h.sim.tenantId, clientId: h.sim.app.clientId, redirectUri: REDIRECT, state: 's', authorityBase: h.sim.loginUrl }));
  assert.equal(u.pathname, `/${h.sim.tenantId}/v2.0/adminconsent`);
  assert.equal(u.searchParams.get('scope'), 'https://graph.microsoft.com/.default');
  assert.equal(u.searchParams.get('client_id'), h.sim.app.clientId);
});
