import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  SecretError,
  createKeyring,
  generateSecretKeySpec,
  keyringFromConfig,
  parseSecretKey,
  type Keyring,
} from '../../server/security/secrets.ts';
import { SANDBOX_KEY_FILE, SandboxKeyError, loadOrCreateSandboxKey } from '../../server/security/sandbox-key.ts';
import {
  credentialAad,
  deleteCredential,
  loadCredential,
  loadCredentialRecord,
  resealCredentials,
  saveCredential,
  type CredentialRef,
} from '../../server/db/credentials.ts';
import { migratedDatabase } from '../helpers/db.ts';
import { envWithout, runScript } from '../helpers/run-script.ts';
import type { Db } from '../../server/db/knex.ts';

const OLD = generateSecretKeySpec('k2026a');
const NEW = generateSecretKeySpec('k2026b');
const keyMaterial = (spec: string) => spec.slice(spec.indexOf(':') + 1);

/** Asserts fn throws a SecretError whose message leaks none of the given strings. */
function assertSecretError(fn: () => unknown, mustNotContain: string[], pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SecretError, `expected SecretError, got ${String(err)}`);
    for (const s of mustNotContain) assert.ok(!err.message.includes(s), `error message leaks ${s}`);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

function tamper(sealed: string, part: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

test('seal gives v1.<keyId>.<iv>.<tag>.<ciphertext> with a fresh IV, and open returns the plaintext', () => {
  const kr = createKeyring(NEW);
  const plaintext = 'refresh-token ✓ with unicode and spaces';
  const a = kr.seal(plaintext, 'row-1');
  const b = kr.seal(plaintext, 'row-1');
  assert.match(a, /^v1\.k2026b\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
  assert.notEqual(a, b, 'two seals of one plaintext must differ (random IV)');
  assert.notEqual(a.split('.')[2], b.split('.')[2]);
  assert.equal(kr.open(a, 'row-1'), plaintext);
  assert.equal(kr.open(b, 'row-1'), plaintext);
  assert.equal(kr.open(kr.seal('', 'x'), 'x'), '');
  assert.equal(kr.keyIdOf(a), 'k2026b');
});

test('a wrong key under the same id, a tampered byte, or another AAD fail with a SecretError that leaks nothing', () => {
  const kr = createKeyring(NEW);
  const plaintext = 'super-secret-password-123';
  const sealed = kr.seal(plaintext, 'tenant-a/link/1/password');
  const leaks = [plaintext, keyMaterial(NEW)];

  const impostor = createKeyring(`k2026b:${keyMaterial(generateSecretKeySpec('x'))}`);
  assertSecretError(() => impostor.open(sealed, 'tenant-a/link/1/password'), leaks, /failed authentication/);
  for (const part of [2, 3, 4]) {
    assertSecretError(() => kr.open(tamper(sealed, part), 'tenant-a/link/1/password'), leaks, /failed authentication/);
  }
  assertSecretError(() => kr.open(sealed, 'tenant-b/link/1/password'), leaks, /failed authentication/);
  // A truncated tag must not be accepted as a shorter GCM tag.
  const parts = sealed.split('.');
  parts[3] = Buffer.from(parts[3]!, 'base64url').subarray(0, 4).toString('base64url');
  assertSecretError(() => kr.open(parts.join('.'), 'tenant-a/link/1/password'), leaks, /wrong length/);
  assertSecretError(() => kr.open('plain text that was never sealed', 'x'), leaks, /not a sealed secret/);
  assertSecretError(() => createKeyring(OLD).open(sealed, 'tenant-a/link/1/password'), leaks, /key "k2026b", which is neither/);
});

test('rotation: a keyring with the new key current and the old one previous opens both; without the old one it cannot', () => {
  const before = createKeyring(OLD);
  const oldSealed = before.seal('sealed before rotation', 'aad');
  const after = createKeyring(NEW, [OLD]);
  assert.equal(after.currentKeyId, 'k2026b');
  assert.deepEqual(after.keyIds, ['k2026b', 'k2026a']);
  assert.equal(after.open(oldSealed, 'aad'), 'sealed before rotation');
  assert.equal(after.keyIdOf(after.seal('new', 'aad')), 'k2026b');
  const resealed = after.reseal(oldSealed, 'aad');
  assert.equal(after.keyIdOf(resealed), 'k2026b');
  assert.equal(createKeyring(NEW).open(resealed, 'aad'), 'sealed before rotation');
  assert.equal(after.reseal(resealed, 'aad'), resealed, 'a value already on the current key is left as it is');
  assertSecretError(() => createKeyring(NEW).open(oldSealed, 'aad'), [keyMaterial(OLD)], /k2026a/);
});

test('keys are checked: 32 bytes, a key id, and no id given twice with different keys', () => {
  assert.equal(parseSecretKey(NEW).key.length, 32);
  const short = `k1:${Buffer.alloc(16).toString('base64')}`;
  assertSecretError(() => parseSecretKey(short), [keyMaterial(short)], /32 bytes/);
  assertSecretError(() => parseSecretKey(keyMaterial(NEW)), [keyMaterial(NEW)], /KEYID:BASE64/);
  const clash = `k2026b:${keyMaterial(OLD)}`;
  assertSecretError(() => createKeyring(NEW, [clash]), [keyMaterial(NEW), keyMaterial(OLD)], /given twice/);
  assert.deepEqual(createKeyring(NEW, [NEW, OLD]).keyIds, ['k2026b', 'k2026a']);
});

test('keyringFromConfig uses SECRET_KEY with SECRET_KEYS_PREVIOUS, and production without a key is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
  try {
    const sealedOld = createKeyring(OLD).seal('v', 'a');
    const kr = keyringFromConfig({ mode: 'production', SECRET_KEY: NEW, secretKeysPrevious: [OLD], DATA_DIR: dir });
    assert.equal(kr.currentKeyId, 'k2026b');
    assert.equal(kr.open(sealedOld, 'a'), 'v');
    assert.throws(
      () => keyringFromConfig({ mode: 'production', SECRET_KEY: undefined, secretKeysPrevious: [], DATA_DIR: dir }),
      SecretError,
    );
    // With SECRET_KEY given, the sandbox does not create a key file either.
    keyringFromConfig({ mode: 'sandbox', SECRET_KEY: NEW, secretKeysPrevious: [], DATA_DIR: dir });
    assert.throws(() => statSync(join(dir, SANDBOX_KEY_FILE)), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the sandbox key is generated into DATA_DIR/secret-key with mode 0600 and kept across restarts', () => {
  const base = mkdtempSync(join(tmpdir(), 'secrets-'));
  const dataDir = join(base, 'nested', '.data');
  const oldUmask = process.umask(0o022);
  try {
    const first = keyringFromConfig({ mode: 'sandbox', SECRET_KEY: undefined, secretKeysPrevious: [], DATA_DIR: dataDir });
    const file = join(dataDir, SANDBOX_KEY_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(dataDir).mode & 0o077, 0, 'a data dir we create is private too');
    assert.match(first.currentKeyId, /^sandbox-[0-9a-f]{8}$/);
    const sealed = first.seal('demo refresh token', 'aad');
    const contents = readFileSync(file, 'utf8');

    const second = keyringFromConfig({ mode: 'sandbox', SECRET_KEY: undefined, secretKeysPrevious: [], DATA_DIR: dataDir });
    assert.equal(second.currentKeyId, first.currentKeyId);
    assert.equal(second.open(sealed, 'aad'), 'demo refresh token');
    assert.equal(readFileSync(file, 'utf8'), contents, 'the file is not rewritten');
    assert.equal(statSync(file).mode & 0o777, 0o600);
  } finally {
    process.umask(oldUmask);
    rmSync(base, { recursive: true, force: true });
  }
});

test('a sandbox key file readable by others, or not holding a key, is refused loudly and left untouched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
  const file = join(dir, SANDBOX_KEY_FILE);
  try {
    const spec = loadOrCreateSandboxKey(dir);
    chmodSync(file, 0o644);
    assert.throws(
      () => loadOrCreateSandboxKey(dir),
      (err: unknown) =>
        err instanceof SandboxKeyError &&
        /readable by other users \(mode 0644\)/.test(err.message) &&
        err.message.includes(`chmod 600 ${file}`) &&
        !err.message.includes(keyMaterial(spec)),
    );
    assert.equal(statSync(file).mode & 0o777, 0o644, 'we refuse, we do not chmod behind the operator\'s back');
    assert.equal(readFileSync(file, 'utf8').trim(), spec);
    chmodSync(file, 0o640);
    assert.throws(() => loadOrCreateSandboxKey(dir), /mode 0640/);
    chmodSync(file, 0o600);
    assert.equal(loadOrCreateSandboxKey(dir), spec);

    writeFileSync(file, 'garbage\n', { mode: 0o600 });
    assert.throws(() => loadOrCreateSandboxKey(dir), (err: unknown) => err instanceof SandboxKeyError && /not replaced/.test(err.message));
    assert.equal(readFileSync(file, 'utf8'), 'garbage\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function newTenant(db: Db, name: string): Promise<string> {
  const [row] = await db('tenants').insert({ context_identifier: `${name}-${randomUUID().slice(0, 8)}` }).returning('id');
  return row.id as string;
}

function ref(tenantId: string, kind = 'refresh_token', ownerId = randomUUID()): CredentialRef {
  return { tenantId, ownerType: 'link', ownerId, kind };
}

test('credentials: save, load, upsert and delete, each scoped by tenant', async () => {
  const t = await migratedDatabase();
  try {
    const kr = createKeyring(NEW);
    const a = await newTenant(t.db, 'a');
    const b = await newTenant(t.db, 'b');
    const r = ref(a);
    assert.equal(await loadCredential(t.db, kr, r), null);
    const expiresAt = new Date('2030-01-02T03:04:05Z');
    await saveCredential(t.db, kr, { ...r, secret: 'first-value', expiresAt });
    assert.equal(await loadCredential(t.db, kr, r), 'first-value');
    const rec = await loadCredentialRecord(t.db, kr, r);
    assert.equal(rec?.expiresAt?.toISOString(), expiresAt.toISOString());
    assert.equal(rec?.keyId, 'k2026b');

    await saveCredential(t.db, kr, { ...r, secret: 'second-value' });
    assert.equal(await loadCredential(t.db, kr, r), 'second-value');
    assert.equal((await loadCredentialRecord(t.db, kr, r))?.expiresAt, null);
    assert.equal(await t.db('credentials').count({ n: '*' }).first().then((x) => Number(x?.n)), 1);

    // The same owner and kind under another tenant is another credential.
    assert.equal(await loadCredential(t.db, kr, { ...r, tenantId: b }), null);
    await saveCredential(t.db, kr, { ...r, tenantId: b, secret: 'tenant-b-value' });
    assert.equal(await loadCredential(t.db, kr, r), 'second-value');
    assert.equal(await loadCredential(t.db, kr, { ...r, tenantId: b }), 'tenant-b-value');

    const row = await t.db('credentials').where({ tenant_id: a }).first();
    assert.ok(!String(row.ciphertext).includes('second-value'));
    assert.equal(row.key_id, 'k2026b');

    assert.equal(await deleteCredential(t.db, { ...r, tenantId: b }), true);
    assert.equal(await deleteCredential(t.db, { ...r, tenantId: b }), false);
    assert.equal(await loadCredential(t.db, kr, r), 'second-value', 'deleting tenant b\'s row left tenant a\'s');
  } finally {
    await t.close();
  }
});

test('credentials: a ciphertext copied onto another tenant\'s or another kind\'s row does not open', async () => {
  const t = await migratedDatabase();
  try {
    const kr = createKeyring(NEW);
    const victim = await newTenant(t.db, 'victim');
    const attacker = await newTenant(t.db, 'attacker');
    const owner = randomUUID();
    await saveCredential(t.db, kr, { ...ref(victim, 'refresh_token', owner), secret: 'victim-refresh-token' });
    await saveCredential(t.db, kr, { ...ref(attacker, 'refresh_token', owner), secret: 'attacker-own-token' });
    await saveCredential(t.db, kr, { ...ref(victim, 'password', owner), secret: 'victim-password' });
    const stolen = await t.db('credentials').where({ tenant_id: victim, kind: 'refresh_token' }).first('ciphertext');
    await t.db('credentials').where({ tenant_id: attacker }).update({ ciphertext: stolen.ciphertext });
    await t.db('credentials').where({ tenant_id: victim, kind: 'password' }).update({ ciphertext: stolen.ciphertext });

    for (const r of [ref(attacker, 'refresh_token', owner), ref(victim, 'password', owner)]) {
      await assert.rejects(
        loadCredential(t.db, kr, r),
        (err: unknown) =>
          err instanceof SecretError &&
          err.message.includes(r.tenantId) &&
          /failed authentication/.test(err.message) &&
          !err.message.includes('victim-refresh-token'),
      );
    }
    assert.equal(await loadCredential(t.db, kr, ref(victim, 'refresh_token', owner)), 'victim-refresh-token');
    assert.notEqual(credentialAad(ref(victim, 'k', owner)), credentialAad(ref(attacker, 'k', owner)));
  } finally {
    await t.close();
  }
});

test('resealCredentials moves rows from the old key to the new one, per tenant or all, in batches', async () => {
  const t = await migratedDatabase();
  try {
    const a = await newTenant(t.db, 'a');
    const b = await newTenant(t.db, 'b');
    const before = createKeyring(OLD);
    const stored = new Map<CredentialRef, string>();
    for (const tenant of [a, a, a, a, a, b, b, b]) {
      const r = ref(tenant);
      const secret = `secret-${randomUUID()}`;
      await saveCredential(t.db, before, { ...r, secret });
      stored.set(r, secret);
    }
    const after = createKeyring(NEW, [OLD]);
    for (const [r, s] of stored) assert.equal(await loadCredential(t.db, after, r), s, 'old rows stay readable');
    // A row written after the rotation is on the new key already and is left alone.
    const fresh = ref(b, 'client_secret');
    await saveCredential(t.db, after, { ...fresh, secret: 'written-after-rotation' });
    const freshCipher = (await t.db('credentials').where({ tenant_id: b, kind: 'client_secret' }).first('ciphertext')).ciphertext;

    const batches: number[] = [];
    const onlyA = await resealCredentials(t.db, after, { tenantId: a, batchSize: 2, onBatch: (p) => batches.push(p.resealed) });
    assert.deepEqual({ ...onlyA, failed: onlyA.failed.length }, { examined: 5, resealed: 5, failed: 0 });
    assert.deepEqual(batches, [2, 4, 5]);
    const keys = async (tenant: string) => (await t.db('credentials').where({ tenant_id: tenant }).pluck('key_id')).sort();
    assert.deepEqual(await keys(a), Array(5).fill('k2026b'));
    assert.deepEqual(await keys(b), ['k2026a', 'k2026a', 'k2026a', 'k2026b']);

    const rest = await resealCredentials(t.db, after, { batchSize: 2 });
    assert.deepEqual({ ...rest, failed: rest.failed.length }, { examined: 3, resealed: 3, failed: 0 });
    assert.equal((await t.db('credentials').where({ tenant_id: b, kind: 'client_secret' }).first('ciphertext')).ciphertext, freshCipher);

    const onlyNew = createKeyring(NEW);
    for (const [r, s] of stored) assert.equal(await loadCredential(t.db, onlyNew, r), s, 'readable once the old key is gone');
    for (const row of await t.db('credentials').select('ciphertext')) assert.match(row.ciphertext, /^v1\.k2026b\./);
    assert.equal((await resealCredentials(t.db, after)).examined, 0);
  } finally {
    await t.close();
  }
});

test('resealCredentials reports rows no given key opens, by id, and reseals the others', async () => {
  const t = await migratedDatabase();
  try {
    const a = await newTenant(t.db, 'a');
    const lost = generateSecretKeySpec('lost');
    await saveCredential(t.db, createKeyring(lost), { ...ref(a), secret: 'unreadable-now' });
    await saveCredential(t.db, createKeyring(OLD), { ...ref(a), secret: 'readable' });
    const result = await resealCredentials(t.db, createKeyring(NEW, [OLD]), { batchSize: 1 });
    assert.equal(result.examined, 2);
    assert.equal(result.resealed, 1);
    assert.equal(result.failed.length, 1);
    assert.equal(result.failed[0]!.keyId, 'lost');
    assert.ok(!result.failed[0]!.reason.includes('unreadable-now'));
    assert.deepEqual((await t.db('credentials').pluck('key_id')).sort(), ['k2026b', 'lost']);
  } finally {
    await t.close();
  }
});

function runRotateCli(args: string[], env: Record<string, string>) {
  const clean = envWithout(/^(SECRET_|SUPEROFFICE_|APP_MODE|PUBLIC_URL|DATA_DIR)/);
  return runScript('server/security/rotate-cli.ts', args, { ...clean, LOG_LEVEL: 'silent', ...env });
}

test('rotate-cli reseals one tenant by context identifier, then all, and never prints a secret', async () => {
  const t = await migratedDatabase();
  try {
    const [ta] = await t.db('tenants').insert({ context_identifier: 'Cust12345' }).returning('id');
    const a = ta.id as string;
    const b = await newTenant(t.db, 'b');
    const old: Keyring = createKeyring(OLD);
    const secrets = ['cli-secret-one', 'cli-secret-two', 'cli-secret-three'];
    await saveCredential(t.db, old, { ...ref(a), secret: secrets[0]! });
    await saveCredential(t.db, old, { ...ref(a), secret: secrets[1]! });
    await saveCredential(t.db, old, { ...ref(b), secret: secrets[2]! });
    const env = { DATABASE_URL: t.url, SECRET_KEY: NEW, SECRET_KEYS_PREVIOUS: OLD };

    const bad = await runRotateCli([], env);
    assert.equal(bad.code, 2, bad.out);
    assert.match(bad.out, /either --all or --tenant/);

    const one = await runRotateCli(['--tenant', 'Cust12345', '--batch-size', '1'], env);
    assert.equal(one.code, 0, one.out);
    assert.match(one.out, /done: 2 resealed, 0 failed/);
    assert.deepEqual((await t.db('credentials').where({ tenant_id: b }).pluck('key_id')), ['k2026a']);

    const all = await runRotateCli(['--all'], env);
    assert.equal(all.code, 0, all.out);
    assert.match(all.out, /done: 1 resealed, 0 failed/);
    assert.deepEqual((await t.db('credentials').pluck('key_id')), ['k2026b', 'k2026b', 'k2026b']);

    const missing = await runRotateCli(['--all'], { DATABASE_URL: t.url, SECRET_KEY: generateSecretKeySpec('k2027') });
    assert.equal(missing.code, 1, missing.out);
    assert.match(missing.out, /3 failed/);

    for (const out of [bad.out, one.out, all.out, missing.out]) {
      for (const s of [...secrets, keyMaterial(OLD), keyMaterial(NEW)]) assert.ok(!out.includes(s), `CLI output leaks ${s}`);
    }
  } finally {
    await t.close();
  }
});
