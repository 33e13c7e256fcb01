// The engine stays provider-neutral: nothing in server/sync imports a provider's SDK, a provider
// folder, the SuperOffice client or an HTTP library. A side reaches it only through CalendarSide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../server/sync/', import.meta.url));
const ALLOWED = [/^node:/, /^zod$/, /^knex$/, /^\.\/[a-z-]+\.ts$/];

test('server/sync imports only node, zod, knex (its storage) and its own files', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 10, `found the engine's files (${files.length})`);
  const offending: string[] = [];
  for (const f of files) {
    const src = readFileSync(`${dir}${f}`, 'utf8');
    for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)) {
      const spec = m[1] ?? '';
      if (!ALLOWED.some((re) => re.test(spec))) offending.push(`${f}: ${spec}`);
    }
    for (const m of src.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) offending.push(`${f}: dynamic ${m[1]}`);
  }
  assert.deepEqual(offending, []);
});
