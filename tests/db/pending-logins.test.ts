// The ceiling on sign-ins under way holds exactly, even for starts racing on several connections.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PendingLoginsFull, savePendingLogin, takePendingLogin } from '../../server/db/pending-logins.ts';
import { createKeyring } from '../../server/security/secrets.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';

const keyring = createKeyring(`k1:${Buffer.alloc(32, 8).toString('base64')}`);
let t: MigratedDatabase;

before(async () => {
  t = await migratedDatabase();
});
after(() => t.close());

const rows = () => t.db('pending_logins').count<{ count: number }[]>('* as count').then((r) => Number(r[0]!.count));
const login = () => ({ state: randomUUID(), purpose: 'install' as const, contextIdentifier: null, nonce: 'n', codeVerifier: 'v' });

test('30 racing starts against a ceiling of 10: exactly 10 rows, the rest PendingLoginsFull', async () => {
  const results = await Promise.allSettled(Array.from({ length: 30 }, () => savePendingLogin(t.db, keyring, login(), 10)));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 10);
  for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof PendingLoginsFull, String(r.reason));
  assert.equal(await rows(), 10);
});

test('a completed or expired sign-in makes room again', async () => {
  await assert.rejects(savePendingLogin(t.db, keyring, login(), 10), PendingLoginsFull);
  const { state } = await t.db('pending_logins').first('state');
  assert.ok(await takePendingLogin(t.db, keyring, state, 'install'));
  await savePendingLogin(t.db, keyring, login(), 10);
  await t.db('pending_logins').update({ expires_at: t.db.raw("now() - interval '1 second'") });
  await savePendingLogin(t.db, keyring, login(), 10);
  assert.equal(await rows(), 1); // the expired ones were swept in passing
});
