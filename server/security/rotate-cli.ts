// `tsx server/security/rotate-cli.ts --all | --tenant <id or context identifier> [--batch-size N]`
// After a key rotation (new SECRET_KEY, the old one moved to SECRET_KEYS_PREVIOUS), reseals every
// credential still on an older key under the new one. Exit 0 when none is left on an old key, 1
// when some could not be opened (their ids are listed), 2 for bad arguments or configuration.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { createDb } from '../db/knex.ts';
import { resealCredentials } from '../db/credentials.ts';
import { keyringFromConfig } from './secrets.ts';

const USAGE = 'usage: tsx server/security/rotate-cli.ts --all | --tenant <tenant id or context identifier> [--batch-size N]';

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

let args;
try {
  args = parseArgs({
    options: { all: { type: 'boolean' }, tenant: { type: 'string' }, 'batch-size': { type: 'string' } },
    strict: true,
  }).values;
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`);
}
if (Boolean(args.all) === (args.tenant !== undefined)) fail(`give either --all or --tenant\n${USAGE}`);
const batchSize = args['batch-size'] === undefined ? 500 : Number(args['batch-size']);
if (!Number.isInteger(batchSize) || batchSize < 1) fail(`--batch-size: expected a positive whole number\n${USAGE}`);

let config;
try {
  config = loadConfig(process.env, []);
} catch (err) {
  if (err instanceof ConfigError) fail(err.message);
  throw err;
}
if (!config.DATABASE_URL) fail('DATABASE_URL: required (the database whose credentials to reseal)');
const keyring = keyringFromConfig(config);
const db = createDb(config.DATABASE_URL, 2);
try {
  let tenantId: string | undefined;
  if (args.tenant !== undefined) {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(args.tenant);
    const row = await db('tenants')
      .where((q) => (isUuid ? q.where('id', args.tenant).orWhere('context_identifier', args.tenant) : q.where('context_identifier', args.tenant)))
      .first('id');
    if (!row) fail(`--tenant: no tenant with id or context identifier ${JSON.stringify(args.tenant)}`);
    tenantId = row.id as string;
  }
  const scope = tenantId ? `tenant ${tenantId}` : 'all tenants';
  console.log(`resealing credentials of ${scope} under key "${keyring.currentKeyId}" in batches of ${batchSize}`);
  const result = await resealCredentials(db, keyring, {
    tenantId,
    batchSize,
    onBatch: (p) => console.log(`  ${p.resealed} resealed, ${p.failed.length} failed so far`),
  });
  for (const f of result.failed) console.error(`  credential ${f.id} (tenant ${f.tenantId}, key "${f.keyId}"): ${f.reason}`);
  console.log(`done: ${result.resealed} resealed, ${result.failed.length} failed, of ${result.examined} on an older key`);
  if (result.failed.length) process.exitCode = 1;
} finally {
  await db.destroy();
}
