// The Microsoft 365 consent flows against the Entra ID simulator, on a real database. Tenant-wide
// admin consent: Microsoft's redirect only leads on to a sign-in at the organisation it named; the
// organisation is bound only from a verified id_token of one of its administrators, only for the
// panel session that started the consent, and an organisation another installation uses only after
// confirmation. The per-user connection: only the link's own verified account connects it, and only
// for the session that started it; the refresh token is kept sealed and works for Graph afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startGraphHarness, type GraphHarness, ADA, BJORN } from '../providers/graph/harness.ts';
import {
  afterAdminConsent, ALREADY_CONNECTED_ELSEWHERE, beginAdminConsent, claimAdminConsent, completeAdminProof, type ConsentDeps, type MicrosoftApp,
} from '../../server/microsoft/admin-consent.ts';
import { ConsentError } from '../../server/microsoft/consent-error.ts';
import type { StartedBy } from '../../server/microsoft/consent-claims.ts';
import { createMicrosoft, GRAPH_REFRESH_TOKEN, type Microsoft } from '../../server/microsoft/connector.ts';
import { beginUserConsent, claimUserConsent, completeUserConsent, type UserConsentDeps } from '../../server/microsoft/user-consent.ts';
import { createKeyring } from '../../server/security/secrets.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';

const PUBLIC = 'http://127.0.0.1:4999';
const keyring = createKeyring(`k1:${Buffer.alloc(32, 7).toString('base64')}`);
let h: GraphHarness;
let t: MigratedDatabase;
let app: MicrosoftApp;
let microsoft: Microsoft;
let tenantId: string;
let directoryReads = 0;

before(async () => {
  h = await startGraphHarness();
  h.sim.control.revokeAdminConsent();
  t = await migratedDatabase();
  app = { clientId: h.sim.app.clientId, clientSecret: h.sim.app.clientSecret, loginUrl: h.sim.loginUrl, graphUrl: h.sim.graphUrl };
  microsoft = createMicrosoft({ db: t.db, keyring, app, caPem: h.caPem });
  tenantId = await addTenant('CustMs');
});

after(async () => {
  await microsoft.close();
  await t.close();
  await h.close();
});

async function addTenant(ctx: string): Promise<string> {
  const [{ id }] = await t.db('tenants').insert({ context_identifier: ctx, name: `${ctx} AS`, installation_state: 'active' }).returning('id');
  return id as string;
}

async function addProfile(tenant: string, connection: object = { mode: 'application' }): Promise<string> {
  const [{ id }] = await t.db('profiles').insert({ tenant_id: tenant, name: `M365 ${randomUUID().slice(0, 6)}`, calendar_system: 'graph', connection: JSON.stringify(connection) }).returning('id');
  return id as string;
}

const base = () => ({ db: t.db, keyring, app, publicUrl: PUBLIC, signIn: microsoft.clients.signIn, idTokens: microsoft.idTokens });
const deps = (): ConsentDeps => ({ ...base(), verify: (e: string) => (directoryReads++, microsoft.verify(e)) });
const session = (tenant = tenantId, sessionId = randomUUID()): StartedBy => ({ tenantId: tenant, sessionId, associateId: 5 });

/** What a person's click on a simulator page amounts to: follow it to its redirect back to us. */
async function clickThrough(url: string, extra: Record<string, string>): Promise<URLSearchParams> {
  const u = new URL(url);
  for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
  const res = await h.fetch(u, { redirect: 'manual' });
  assert.equal(res.status, 302, `the simulator's page redirected (${res.status})`);
  const back = new URL(res.headers.get('location')!);
  assert.equal(back.origin, PUBLIC);
  return back.searchParams;
}

const fromConsent = (p: URLSearchParams) => ({ state: p.get('state') ?? undefined, adminConsent: p.get('admin_consent') ?? undefined, tenant: p.get('tenant') ?? undefined, error: p.get('error') ?? undefined });
const fromSignIn = (p: URLSearchParams) => ({ state: p.get('state') ?? undefined, code: p.get('code') ?? undefined, error: p.get('error') ?? undefined });
const refusedWith = (code: string) => (e: unknown) => e instanceof ConsentError && e.code === code;

/** The honest flow up to the verified result: consent page, then the proving sign-in, as `signInAs`. */
async function consentAndProve(by: StartedBy, profileId: string, signInAs = ADA): Promise<string> {
  const back = await clickThrough(await beginAdminConsent(deps(), by, profileId), { sim_consent: 'accept', sim_user: ADA });
  const signIn = await afterAdminConsent(deps(), fromConsent(back));
  const proof = await clickThrough(signIn, { sim_consent: 'accept', sim_user: signInAs });
  return (await completeAdminProof(deps(), fromSignIn(proof))).code;
}

test('admin consent: consent, a verified sign-in of the organisation\'s administrator, and the claim of the session that started it bind the organisation', async () => {
  const profileId = await addProfile(tenantId);
  const by = session();
  const back = await clickThrough(await beginAdminConsent(deps(), by, profileId), { sim_consent: 'accept', sim_user: ADA });
  const signIn = new URL(await afterAdminConsent(deps(), fromConsent(back)));
  // The sign-in goes to the organisation Microsoft named, with PKCE and a nonce.
  assert.equal(signIn.pathname, `/${h.sim.tenantId}/oauth2/v2.0/authorize`);
  assert.ok(signIn.searchParams.get('nonce'));
  assert.equal(signIn.searchParams.get('code_challenge_method'), 'S256');
  assert.equal((await t.db('profiles').where({ id: profileId }).first('connection')).connection.entraTenantId, undefined, 'nothing bound before the proof');
  await assert.rejects(afterAdminConsent(deps(), fromConsent(back)), refusedWith('unknown_state'), 'the consent state works once');

  const proof = await clickThrough(signIn.href, { sim_consent: 'accept', sim_user: ADA });
  const { code, account } = await completeAdminProof(deps(), fromSignIn(proof));
  assert.equal(account, ADA);
  await assert.rejects(completeAdminProof(deps(), fromSignIn(proof)), refusedWith('unknown_state'), 'the sign-in state works once');

  // Another session, even of the same user and tenant, or another tenant, cannot claim it.
  await assert.rejects(claimAdminConsent(deps(), session(), code, false), refusedWith('unknown_claim'));
  await assert.rejects(claimAdminConsent(deps(), { ...by, tenantId: await addTenant('CustOther1') }, code, false), refusedWith('unknown_claim'));
  const done = await claimAdminConsent(deps(), by, code, false);
  assert.equal(done.status, 'connected');
  assert.ok(done.status === 'connected' && done.users >= 4);
  const profile = await t.db('profiles').where({ id: profileId }).first('connection');
  assert.equal(profile.connection.entraTenantId, h.sim.tenantId);
  assert.ok(profile.connection.verifiedAt);
  await assert.rejects(claimAdminConsent(deps(), by, code, false), refusedWith('unknown_claim'), 'the claim works once');
  assert.ok((await microsoft.directory(tenantId, profileId)).some((u) => u.userPrincipalName === ADA));
});

test('the takeover: a forged consent redirect naming another organisation binds nothing, reads nothing and says nothing about it', async () => {
  const attacker = await addTenant('CustAttacker');
  const profileId = await addProfile(attacker);
  const by = session(attacker);
  const reads = directoryReads;
  const answers: URL[] = [];
  for (const claimed of [h.sim.tenantId, randomUUID()]) {
    // Nobody visits Microsoft: the state comes from the consent URL, the rest is written by hand.
    const state = new URL(await beginAdminConsent(deps(), by, profileId)).searchParams.get('state')!;
    answers.push(new URL(await afterAdminConsent(deps(), { state, adminConsent: 'True', tenant: claimed })));
  }
  // Both answers are a sign-in at the named organisation: the same for a customer of ours and a stranger.
  assert.equal(answers[0]!.pathname.split('/')[1], h.sim.tenantId);
  assert.notEqual(answers[1]!.pathname.split('/')[1], h.sim.tenantId);
  assert.ok(answers.every((u) => u.pathname.endsWith('/oauth2/v2.0/authorize')));
  assert.equal(directoryReads, reads, 'no directory was read');
  assert.equal((await t.db('profiles').where({ id: profileId }).first('connection')).connection.entraTenantId, undefined);
  assert.equal(await t.db('consent_claims').where({ tenant_id: attacker }).first(), undefined);
});

test('the proving sign-in must be of the organisation named, by one of its administrators, with a verifiable token', async () => {
  const attacker = await addTenant('CustAttacker2');
  const profileId = await addProfile(attacker);
  const by = session(attacker);
  // Claims a stranger organisation, then signs in to its own (the simulator's) instead.
  const state = new URL(await beginAdminConsent(deps(), by, profileId)).searchParams.get('state')!;
  const claimed = randomUUID();
  const signIn = new URL(await afterAdminConsent(deps(), { state, adminConsent: 'True', tenant: claimed }));
  signIn.pathname = signIn.pathname.replace(claimed, 'organizations');
  const proof = await clickThrough(signIn.href, { sim_consent: 'accept', sim_user: ADA });
  // Refused whichever way Microsoft answers: a code of one organisation is not redeemed at another's
  // token endpoint, and a token of another organisation fails the issuer check (next test).
  await assert.rejects(completeAdminProof(deps(), fromSignIn(proof)), (e: unknown) => e instanceof ConsentError && ['redeem_failed', 'not_verified'].includes(e.code));

  // A member of the organisation who is not an administrator.
  await assert.rejects(consentAndProve(by, profileId, BJORN), (e: unknown) => e instanceof ConsentError && e.code === 'not_administrator' && e.message.includes(BJORN));

  // An app registration whose id_tokens carry no directory roles: administrators cannot be told apart, so nobody is believed.
  h.sim.control.settings.directoryRolesInIdTokens = false;
  try {
    await assert.rejects(consentAndProve(by, profileId), refusedWith('roles_unknown'));
  } finally {
    h.sim.control.settings.directoryRolesInIdTokens = true;
  }
  assert.equal(await t.db('consent_claims').where({ tenant_id: attacker }).first(), undefined);
});

test('a verified id_token is still refused when tampered with, for another nonce or another organisation', async () => {
  const nonce = 'n-1';
  const redirectUri = `${PUBLIC}/microsoft/admin-consent/verify`;
  const authorize = `${h.sim.loginUrl}/${h.sim.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: app.clientId, response_type: 'code', redirect_uri: redirectUri, scope: 'openid profile', nonce })}`;
  const back = await clickThrough(authorize, { sim_consent: 'accept', sim_user: ADA });
  const res = await h.fetch(`${h.sim.loginUrl}/${h.sim.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code: back.get('code')!, redirect_uri: redirectUri }),
  });
  const idToken = ((await res.json()) as { id_token: string }).id_token;
  assert.equal((await microsoft.idTokens.verify(idToken, { tenantId: h.sim.tenantId, nonce })).username, ADA);
  const [head, payload, sig] = idToken.split('.') as [string, string, string];
  const forged = JSON.parse(Buffer.from(payload, 'base64url').toString());
  forged.tid = randomUUID();
  await assert.rejects(microsoft.idTokens.verify(`${head}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${sig}`, { tenantId: forged.tid, nonce }), /could not be verified/);
  await assert.rejects(microsoft.idTokens.verify(idToken, { tenantId: h.sim.tenantId, nonce: 'another' }), /nonce/);
  await assert.rejects(microsoft.idTokens.verify(idToken, { tenantId: randomUUID(), nonce }), /issuer/);
});

test('an organisation another installation already uses is bound only after the administrator confirms, without naming the other', async () => {
  const first = await addProfile(tenantId);
  const firstBy = session();
  assert.equal((await claimAdminConsent(deps(), firstBy, await consentAndProve(firstBy, first), false)).status, 'connected');
  const second = await addTenant('CustSecond');
  const profileId = await addProfile(second);
  const by = session(second);
  const code = await consentAndProve(by, profileId);
  const asked = await claimAdminConsent(deps(), by, code, false);
  assert.deepEqual(asked, { status: 'needs_confirmation', message: ALREADY_CONNECTED_ELSEWHERE });
  assert.ok(!ALREADY_CONNECTED_ELSEWHERE.includes('CustMs'));
  assert.equal((await t.db('profiles').where({ id: profileId }).first('connection')).connection.entraTenantId, undefined);
  const done = await claimAdminConsent(deps(), by, code, true);
  assert.equal(done.status, 'connected');
  assert.equal((await t.db('profiles').where({ id: profileId }).first('connection')).connection.entraTenantId, h.sim.tenantId);
});

test('admin consent refused: the profile stays unconnected and the page says why in our words, not the URL\'s', async () => {
  const profileId = await addProfile(tenantId);
  const back = await clickThrough(await beginAdminConsent(deps(), session(), profileId), { sim_consent: 'cancel' });
  await assert.rejects(afterAdminConsent(deps(), fromConsent(back)), (e: unknown) => e instanceof ConsentError && e.code === 'access_denied' && /not granted/.test(e.message) && !/AADSTS/.test(e.message));
  const state = new URL(await beginAdminConsent(deps(), session(), profileId)).searchParams.get('state')!;
  await assert.rejects(afterAdminConsent(deps(), { state, error: 'server_error' }), (e: unknown) => e instanceof ConsentError && !/call|licence/i.test(e.message) && e.message.includes('"server_error"'));
  assert.equal((await t.db('profiles').where({ id: profileId }).first('connection')).connection.entraTenantId, undefined);
});

test('a consent state cannot complete another flow (purpose-bound)', async () => {
  const profileId = await addProfile(tenantId);
  const state = new URL(await beginAdminConsent(deps(), session(), profileId)).searchParams.get('state')!;
  await assert.rejects(completeUserConsent(userDeps(), { state, code: 'x' }), refusedWith('unknown_state'));
  await assert.rejects(completeAdminProof(deps(), { state, code: 'x' }), refusedWith('unknown_state'));
});

const connected: string[] = [];
const userDeps = (): UserConsentDeps => ({ ...base(), connected: async (_t: string, l: string) => void connected.push(l) });

test('per-user consent: only the link\'s own verified account, claimed by the session that started it, connects it; the refresh token is sealed and works for Graph', async () => {
  const profileId = await addProfile(tenantId, { mode: 'delegated' });
  const [{ id: linkId }] = await t.db('links').insert({ tenant_id: tenantId, profile_id: profileId, associate_id: 5, mailbox: ADA, state: 'pending' }).returning('id');
  const by = session();

  // Someone else signs in on Ada's link: refused, nothing kept.
  const wrong = await clickThrough(await beginUserConsent(userDeps(), by, linkId), { sim_consent: 'accept', sim_user: 'daniel.okafor@demo-company.example' });
  await assert.rejects(completeUserConsent(userDeps(), fromSignIn(wrong)), refusedWith('wrong_account'));
  assert.equal(await t.db('consent_claims').where({ subject_id: linkId }).first(), undefined);

  const back = await clickThrough(await beginUserConsent(userDeps(), by, linkId), { sim_consent: 'accept', sim_user: ADA });
  const { code, account } = await completeUserConsent(userDeps(), fromSignIn(back));
  assert.equal(account, ADA);
  assert.equal(await t.db('credentials').where({ owner_id: linkId, kind: GRAPH_REFRESH_TOKEN }).first(), undefined, 'nothing stored before the claim');
  await assert.rejects(claimUserConsent(userDeps(), session(), code), refusedWith('unknown_claim'));
  const done = await claimUserConsent(userDeps(), by, code);
  assert.equal(done.linkId, linkId);
  assert.deepEqual(connected, [linkId]);
  const link = await t.db('links').where({ id: linkId }).first('state', 'last_error');
  assert.equal(link.state, 'active');
  const cred = await t.db('credentials').where({ owner_id: linkId, kind: GRAPH_REFRESH_TOKEN }).first('ciphertext');
  assert.match(cred.ciphertext, /^v1\./, 'sealed');
  const profile = await t.db('profiles').where({ id: profileId }).first('connection');
  assert.equal(profile.connection.entraTenantId, h.sim.tenantId, 'the profile learnt the organisation from the verified token');
  const side = await microsoft.calendars(
    { id: linkId, tenantId, associateId: 5, mailbox: ADA, direction: 'two_way', profileId, calendarSystem: 'graph' },
    { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') },
    undefined as never,
  );
  const page = await side.listChanges(null);
  assert.equal(page.complete, true);
});
