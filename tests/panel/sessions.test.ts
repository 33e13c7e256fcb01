// server/panel/sessions.ts against a real PostgreSQL: only the token's hash is stored, a token finds
// its session only for its own installed tenant and only until it expires, the expiry slides at most
// once a minute, and the CSRF token is sealed and checked in constant time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createKeyring } from '../../server/security/secrets.ts';
import {
  createSession,
  csrfMatches,
  csrfTokenOf,
  deleteSession,
  findSession,
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

test('a new session stores only the SHA-256 of its 256-bit token and a sealed CSRF token', async () => {
  const s = await createSession(t.db, keyring, { tenantId: tenantA, associateId: 5, isAdministrator: true });
  assert.equal(Buffer.from(s.token, 'base64url').length, 32);
  const row = await t.db('panel_sessions').where({ id: s.id }).first();
  assert.equal(row.token_hash, createHash('sha256').update(s.token).digest('hex'));
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
  const s = await createSession(t.db, keyring, { tenantId: tenantA, associateId: 6, isAdministrator: false });
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
  const old = await createSession(t.db, keyring, { tenantId: tenantA, associateId: 7, isAdministrator: false });
  const otherOld = await createSession(t.db, keyring, { tenantId: tenantB, associateId: 7, isAdministrator: false });
  await t.db('panel_sessions').whereIn('id', [old.id, otherOld.id]).update({ expires_at: new Date(Date.now() - 1000) });
  assert.equal(await findSession(t.db, old.token, 'Cust12345'), undefined);
  await createSession(t.db, keyring, { tenantId: tenantA, associateId: 8, isAdministrator: false });
  assert.equal(await t.db('panel_sessions').where({ id: old.id }).first(), undefined);
  assert.ok(await t.db('panel_sessions').where({ id: otherOld.id }).first(), 'tenant B\'s rows are not touched by tenant A\'s sign-in');
});

test('the expiry slides to 8 hours after the last use, written at most once a minute', async () => {
  const start = new Date();
  const s = await createSession(t.db, keyring, { tenantId: tenantA, associateId: 5, isAdministrator: true }, start);
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
  const a = await createSession(t.db, keyring, { tenantId: tenantA, associateId: 5, isAdministrator: true });
  const b = await createSession(t.db, keyring, { tenantId: tenantA, associateId: 5, isAdministrator: true });
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
  const s = await createSession(t.db, keyring, { tenantId: tenantB, associateId: 5, isAdministrator: false });
  const found = (await findSession(t.db, s.token, 'Cust67890'))!;
  await deleteSession(t.db, { id: found.id, tenantId: tenantA });
  assert.ok(await findSession(t.db, s.token, 'Cust67890'), 'deleting is scoped by tenant');
  await deleteSession(t.db, found);
  assert.equal(await findSession(t.db, s.token, 'Cust67890'), undefined);
});
