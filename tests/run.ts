// `npm test` entry: finds every tests/**/*.test.ts, makes sure a PostgreSQL server is there
// (DATABASE_URL when set, otherwise an embedded one in .data/test-pg), and hands the files to
// node's own test runner, whose summary closes the output.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres, type EmbeddedServer } from '../server/db/embedded.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

function findTests(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return findTests(p);
    return name.endsWith('.test.ts') ? [relative(root, p)] : [];
  });
}

const filters = process.argv.slice(2);
const files = findTests(join(root, 'tests'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

let embedded: EmbeddedServer | undefined;
const env = { ...process.env };
if (!env.DATABASE_URL) {
  embedded = await startEmbeddedPostgres(join(root, '.data', 'test-pg'), (m) => console.error(m));
  env.DATABASE_URL = embedded.url;
  console.log(`# tests use an embedded PostgreSQL at 127.0.0.1:${embedded.port}`);
} else {
  console.log(`# tests use DATABASE_URL (${new URL(env.DATABASE_URL).host})`);
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${env.TEST_CONCURRENCY ?? 2}`, ...files],
  { cwd: root, env, stdio: 'inherit' },
);
const stop = () => child.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
const code: number = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
await embedded?.stop();
process.exit(code);
