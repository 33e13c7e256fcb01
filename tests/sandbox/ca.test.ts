import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCa } from '../../sandbox/ca.ts';

async function withDataDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'calsync-ca-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const keyOf = async (dir: string) => createPrivateKey(await readFile(join(dir, 'ca.key'), 'utf8'));

test('the CA is created once into <dataDir>/sandbox-ca with a private key only its owner can read', () =>
  withDataDir(async (dataDir) => {
    const ca = await loadOrCreateCa(dataDir);
    assert.equal(ca.dir, join(dataDir, 'sandbox-ca'));
    assert.equal((await stat(join(ca.dir, 'ca.key'))).mode & 0o777, 0o600);
    assert.equal(await readFile(join(ca.dir, 'ca.crt'), 'utf8'), ca.certPem);
    assert.doesNotMatch(ca.certPem, /\r/, 'plain LF line ends, as PEM tools expect');
    const x509 = new X509Certificate(ca.certPem);
    assert.equal(x509.ca, true);
    assert.match(x509.subject, /Calendar Sync sandbox CA/);
    assert.ok(x509.checkPrivateKey(await keyOf(ca.dir)));

    const again = await loadOrCreateCa(dataDir);
    assert.equal(again.certPem, ca.certPem, 'a second start reuses the CA instead of making a new one');
  }));

test('several starts racing on one data directory end up with one CA', () =>
  withDataDir(async (dataDir) => {
    const [a, b, c] = await Promise.all([loadOrCreateCa(dataDir), loadOrCreateCa(dataDir), loadOrCreateCa(dataDir)]);
    assert.equal(a.certPem, b.certPem);
    assert.equal(b.certPem, c.certPem);
    assert.equal((await loadOrCreateCa(dataDir)).certPem, a.certPem);
    assert.ok(new X509Certificate(a.certPem).checkPrivateKey(await keyOf(a.dir)));
  }));

test('a damaged CA (key and certificate do not match) is replaced by a working one', () =>
  withDataDir(async (dataDir) => {
    const first = await loadOrCreateCa(dataDir);
    const other = await loadOrCreateCa(join(dataDir, 'other'));
    await writeFile(join(first.dir, 'ca.crt'), other.certPem);
    const replaced = await loadOrCreateCa(dataDir);
    assert.notEqual(replaced.certPem, other.certPem);
    assert.notEqual(replaced.certPem, first.certPem);
    assert.ok(new X509Certificate(replaced.certPem).checkPrivateKey(await keyOf(replaced.dir)));
  }));

test('server certificates are signed by the CA and name localhost, 127.0.0.1 and ::1', () =>
  withDataDir(async (dataDir) => {
    const ca = await loadOrCreateCa(dataDir);
    const { key, cert } = ca.issueServerCert(['localhost', '127.0.0.1', '::1']);
    const leaf = new X509Certificate(cert);
    const root = new X509Certificate(ca.certPem);
    assert.equal(leaf.ca, false);
    assert.ok(leaf.verify(root.publicKey), 'signed by the sandbox CA');
    assert.ok(leaf.checkIssued(root));
    assert.ok(leaf.checkPrivateKey(createPrivateKey(key)));
    assert.equal(leaf.checkHost('localhost'), 'localhost');
    assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(leaf.checkIP('::1'), '::1');
    assert.equal(leaf.checkHost('example.com'), undefined);
    assert.ok(new Date(leaf.validTo).getTime() > Date.now() + 30 * 24 * 3600 * 1000);
    assert.equal(ca.issueServerCert(['::1', 'localhost', '127.0.0.1']).cert, cert, 'the same names reuse the certificate');
  }));
