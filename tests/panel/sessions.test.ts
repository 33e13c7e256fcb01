// server/panel/sessions.ts against a real PostgreSQL: a sign-in's session is unclaimed until the
// panel claims it with the one-time hand-off code (only its hash stored, two minutes, once, for its
// own tenant and user), only the token's hash is stored, a token finds its session only for its own
// installed tenant and only until it expires, the expiry slides at most once a minute, and the CSRF
// token is sealed and checked in constant time. An administrator flag counts only while SuperOffice's
// last confirmation of it (the sign-in, or a recheck) is under five minutes old.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createKeyring } from '../../server/security/secrets.ts';
import {
  ADMIN_RECHECK_MS,
  adminCheckDue,
  claimSession,
  createPendingSession,
  csrfMatches,
  csrfTokenOf,
  deleteSession,
  findSession,
  HANDOFF_TTL_MS,
  recordAdminCheck,
  SESSION_TTL_MS,
  touchSession,
} from '../../server/panel/sessions.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';

const keyring = createKeyring(`k1:${Buffer.alloc(32, 7).toString('base64')}`);
let t: MigratedDatabase;
let tenantA: string;
let tenantB: string;

before(async () => {
  t = await migratedDatabase();
  [{ id: tenantA }] = await t.db('tenants').insert({ context_identifier: 'Cust12345', name: 'Demo Company', installation_state: 'active' }).returning('id');
  [{ id: tenantB }] = await t.db('tenants').insert({ context_identifier: 'Cust67890', name: 'Other Company', installation_state: 'active' }).returning('id');
});
after(async () => {
  await t.close();
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const ctxOf = (tenantId: string) => (tenantId === tenantA ? 'Cust12345' : 'Cust67890');

/** A sign-in as the callback and the panel's claim make it; returns the session's token. */
async function signedIn(input: { tenantId: string; associateId: number; isAdministrator: boolean }, now = new Date()): Promise<{ token: string; id: string }> {
  const { code, id } = await createPendingSession(t.db, keyring, input, now);
  const claimed = await claimSession(t.db, code, { contextIdentifier: ctxOf(input.tenantId), associateId: input.associateId }, now);
  assert.ok(claimed.ok, 'claimed');
  assert.equal(claimed.sessionId, id);
  return { token: claimed.token, id };
}

test('a new session stores only the SHA-256 of its 256-bit token and a sealed CSRF token', async () => {
  const s = await signedIn({ tenantId: tenantA, associateId: 5, isAdministrator: true });
  assert.equal(Buffer.from(s.token, 'base64url').length, 32);
  const row = await t.db('panel_sessions').where({ id: s.id }).first();
  assert.equal(row.token_hash, sha256(s.token));
  assert.equal(row.tenant_id, tenantA);
  assert.equal(row.associate_id, 5);
  assert.equal(row.is_administrator, true);
  assert.ok(!JSON.stringify(row).includes(s.token), 'the token itself is nowhere in the row');
  const found = await findSession(t.db, s.token, 'Cust12345');
  assert.ok(found);
  const csrf = csrfTokenOf(keyring, found);
  assert.equal(Buffer.from(csrf, 'base64url').length, 32);
  assert.ok(!row.sealed_csrf.includes(csrf), 'the CSRF token is sealed');
  assert.notEqual(csrf, s.token);
  assert.ok(Math.abs(row.expires_at.getTime() - Date.now() - SESSION_TTL_MS) < 60_000, 'lives 8 hours');
});

test('a token finds its session for its own tenant only, and not once the installation is revoked', async () => {
  const s = await signedIn({ tenantId: tenantA, associateId: 6, isAdministrator: false });
  const found = await findSession(t.db, s.token, 'Cust12345');
  assert.deepEqual(
    found && { tenantId: found.tenantId, ctx: found.contextIdentifier, name: found.tenantName, assoc: found.associateId, admin: found.isAdministrator },
    { tenantId: tenantA, ctx: 'Cust12345', name: 'Demo Company', assoc: 6, admin: false },
  );
  assert.equal(await findSession(t.db, s.token, 'Cust67890'), undefined, 'tenant A\'s token never opens tenant B');
  assert.equal(await findSession(t.db, `${s.token}x`, 'Cust12345'), undefined);
  await t.db('tenants').where({ id: tenantA }).update({ installation_state: 'revoked' });
  try {
    assert.equal(await findSession(t.db, s.token, 'Cust12345'), undefined, 'a revoked installation signs nobody in');
  } finally {
    await t.db('tenants').where({ id: tenantA }).update({ installation_state: 'active' });
  }
  assert.ok(await findSession(t.db, s.token, 'Cust12345'));
});

test('an expired session is not found, and creating a session drops its tenant\'s expired ones only', async () => {
  const old = await signedIn({ tenantId: tenantA, associateId: 7, isAdministrator: false });
  const otherOld = await signedIn({ tenantId: tenantB, associateId: 7, isAdministrator: false });
  await t.db('panel_sessions').whereIn('id', [old.id, otherOld.id]).update({ expires_at: new Date(Date.now() - 1000) });
  assert.equal(await findSession(t.db, old.token, 'Cust12345'), undefined);
  await createPendingSession(t.db, keyring, { tenantId: tenantA, associateId: 8, isAdministrator: false });
  assert.equal(await t.db('panel_sessions').where({ id: old.id }).first(), undefined);
  assert.ok(await t.db('panel_sessions').where({ id: otherOld.id }).first(), 'tenant B\'s rows are not touched by tenant A\'s sign-in');
});

test('the expiry slides to 8 hours after the last use, written at most once a minute', async () => {
  const start = new Date();
  const s = await signedIn({ tenantId: tenantA, associateId: 5, isAdministrator: true }, start);
  const found = (await findSession(t.db, s.token, 'Cust12345'))!;
  assert.equal(await touchSession(t.db, found, new Date(start.getTime() + 30_000)), undefined, 'within the minute: no write');
  const later = new Date(start.getTime() + 5 * 60_000);
  const moved = await touchSession(t.db, found, later);
  assert.equal(moved?.getTime(), later.getTime() + SESSION_TTL_MS);
  const row = await t.db('panel_sessions').where({ id: s.id }).first();
  assert.equal(row.expires_at.getTime(), later.getTime() + SESSION_TTL_MS);
  assert.equal(row.last_seen_at.getTime(), later.getTime());
  // A second request that read the row before the write does not write again.
  assert.equal(await touchSession(t.db, found, new Date(later.getTime() + 1000)), undefined);
  // Unused past its expiry, it is gone even though it was touched once.
  assert.equal(await findSession(t.db, s.token, 'Cust12345', new Date(later.getTime() + SESSION_TTL_MS + 1)), undefined);
});

test('the CSRF check accepts the session\'s token only', async () => {
  const a = await signedIn({ tenantId: tenantA, associateId: 5, isAdministrator: true });
  const b = await signedIn({ tenantId: tenantA, associateId: 5, isAdministrator: true });
  const sa = (await findSession(t.db, a.token, 'Cust12345'))!;
  const sb = (await findSession(t.db, b.token, 'Cust12345'))!;
  const csrf = csrfTokenOf(keyring, sa);
  assert.equal(csrfMatches(keyring, sa, csrf), true);
  assert.equal(csrfMatches(keyring, sb, csrf), false, 'another session\'s token');
  assert.equal(csrfMatches(keyring, sa, undefined), false);
  assert.equal(csrfMatches(keyring, sa, ''), false);
  assert.equal(csrfMatches(keyring, sa, csrf.slice(1)), false, 'a shorter value');
  assert.equal(csrfMatches(keyring, sa, a.token), false, 'the session token is not the CSRF token');
  // The sealed value is bound to its row: copied onto another session, it does not open.
  await t.db('panel_sessions').where({ id: sb.id }).update({ sealed_csrf: sa.sealedCsrf });
  const copied = (await findSession(t.db, b.token, 'Cust12345'))!;
  assert.throws(() => csrfTokenOf(keyring, copied), /failed authentication/);
});

test('a deleted session is gone', async () => {
  const s = await signedIn({ tenantId: tenantB, associateId: 5, isAdministrator: false });
  const found = (await findSession(t.db, s.token, 'Cust67890'))!;
  await deleteSession(t.db, { id: found.id, tenantId: tenantA });
  assert.ok(await findSession(t.db, s.token, 'Cust67890'), 'deleting is scoped by tenant');
  await deleteSession(t.db, found);
  assert.equal(await findSession(t.db, s.token, 'Cust67890'), undefined);
});

test('a sign-in makes an unclaimed session: no token, only the hand-off code\'s hash, for two minutes', async () => {
  const now = new Date();
  const { code, id } = await createPendingSession(t.db, keyring, { tenantId: tenantA, associateId: 5, isAdministrator: true, userName: 'Ada Lindqvist' }, now);
  assert.equal(Buffer.from(code, 'base64url').length, 32);
  const row = await t.db('panel_sessions').where({ id }).first();
  assert.equal(row.token_hash, null, 'no token opens it yet');
  assert.equal(row.handoff_hash, sha256(code));
  assert.ok(!JSON.stringify(row).includes(code), 'the code itself is nowhere in the row');
  assert.equal(row.handoff_expires_at.getTime(), now.getTime() + HANDOFF_TTL_MS);
  assert.equal(row.expires_at.getTime(), now.getTime() + HANDOFF_TTL_MS, 'unclaimed, it is dropped with the code');
  assert.equal(await findSession(t.db, code, 'Cust12345'), undefined, 'the code is no token');

  const later = new Date(now.getTime() + 5000);
  const claimed = await claimSession(t.db, code, { contextIdentifier: 'Cust12345', associateId: 5 }, later);
  assert.ok(claimed.ok);
  assert.notEqual(claimed.token, code);
  const after = await t.db('panel_sessions').where({ id }).first();
  assert.deepEqual([after.token_hash, after.handoff_hash, after.handoff_expires_at], [sha256(claimed.token), null, null]);
  assert.equal(after.expires_at.getTime(), later.getTime() + SESSION_TTL_MS, 'claimed, it lives 8 hours');
  const found = await findSession(t.db, claimed.token, 'Cust12345');
  assert.deepEqual(found && [found.id, found.userName, found.isAdministrator], [id, 'Ada Lindqvist', true]);
  assert.deepEqual(await claimSession(t.db, code, { contextIdentifier: 'Cust12345', associateId: 5 }), { ok: false, reason: 'unknown_code' }, 'used once');
});

test('a hand-off code is refused once expired, for another tenant, made up, and when the installation is revoked', async () => {
  const now = new Date();
  const input = { tenantId: tenantA, associateId: 6, isAdministrator: false };
  const expired = await createPendingSession(t.db, keyring, input, now);
  const panel = { contextIdentifier: 'Cust12345', associateId: 6 };
  assert.deepEqual(await claimSession(t.db, expired.code, panel, new Date(now.getTime() + HANDOFF_TTL_MS)), { ok: false, reason: 'unknown_code' });
  assert.ok((await claimSession(t.db, expired.code, panel, new Date(now.getTime() + HANDOFF_TTL_MS - 1))).ok, 'a moment earlier it was good');

  const a = await createPendingSession(t.db, keyring, input);
  assert.deepEqual(await claimSession(t.db, a.code, { contextIdentifier: 'Cust67890', associateId: 6 }), { ok: false, reason: 'unknown_code' }, 'tenant A\'s code opens nothing for tenant B');
  assert.deepEqual(await claimSession(t.db, `${a.code.slice(0, -1)}x`, panel), { ok: false, reason: 'unknown_code' });
  await t.db('tenants').where({ id: tenantA }).update({ installation_state: 'revoked' });
  try {
    assert.deepEqual(await claimSession(t.db, a.code, panel), { ok: false, reason: 'unknown_code' });
  } finally {
    await t.db('tenants').where({ id: tenantA }).update({ installation_state: 'active' });
  }
  assert.ok((await claimSession(t.db, a.code, panel)).ok, 'the refusals above did not use it');
});

test('a hand-off code claimed for another user is used up and its session deleted', async () => {
  const { code, id } = await createPendingSession(t.db, keyring, { tenantId: tenantA, associateId: 5, isAdministrator: true });
  assert.deepEqual(await claimSession(t.db, code, { contextIdentifier: 'Cust12345', associateId: 6 }), { ok: false, reason: 'wrong_user' });
  assert.equal(await t.db('panel_sessions').where({ id }).first(), undefined);
  assert.deepEqual(await claimSession(t.db, code, { contextIdentifier: 'Cust12345', associateId: 5 }), { ok: false, reason: 'unknown_code' });
});

test('of claims of one code at once, exactly one gets the session', async () => {
  const { code } = await createPendingSession(t.db, keyring, { tenantId: tenantB, associateId: 5, isAdministrator: false });
  const results = await Promise.all(Array.from({ length: 5 }, () => claimSession(t.db, code, { contextIdentifier: 'Cust67890', associateId: 5 })));
  assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results));
});

test('an administrator flag is confirmed by the sign-in, due again after five minutes, and a recorded demotion sticks', async () => {
  const at = new Date();
  const admin = await signedIn({ tenantId: tenantA, associateId: 5, isAdministrator: true }, at);
  const user = await signedIn({ tenantId: tenantA, associateId: 6, isAdministrator: false }, at);
  const found = (await findSession(t.db, admin.token, 'Cust12345', at))!;
  assert.equal(found.adminCheckedAt?.getTime(), at.getTime(), 'the id_token confirmed it at sign-in');
  assert.equal(adminCheckDue(found, new Date(at.getTime() + ADMIN_RECHECK_MS - 1)), false);
  assert.equal(adminCheckDue(found, new Date(at.getTime() + ADMIN_RECHECK_MS)), true, 'five minutes on, SuperOffice must be asked again');
  const plain = (await findSession(t.db, user.token, 'Cust12345', at))!;
  assert.equal(plain.adminCheckedAt, null);
  assert.equal(adminCheckDue(plain, new Date(at.getTime() + 24 * 3600_000)), false, 'a user\'s session never asks');

  const later = new Date(at.getTime() + ADMIN_RECHECK_MS + 1000);
  // Scoped by tenant: the same session id under another tenant changes nothing.
  await recordAdminCheck(t.db, { id: found.id, tenantId: tenantB }, false, later);
  assert.equal((await findSession(t.db, admin.token, 'Cust12345', later))!.isAdministrator, true);
  await recordAdminCheck(t.db, found, false, later);
  const demoted = (await findSession(t.db, admin.token, 'Cust12345', later))!;
  assert.deepEqual([demoted.isAdministrator, demoted.adminCheckedAt?.getTime()], [false, later.getTime()]);
  assert.equal(adminCheckDue(demoted, new Date(later.getTime() + 24 * 3600_000)), false, 'a demoted session is not asked again');
});
