// `npm run bench`: runs every benchmark in bench/ (files ending in -latency.ts, -throughput.ts or
// -memory.ts) one after another, each in its own process, and exits non-zero if any is over its limit.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => /-(latency|throughput|memory)\.ts$/.test(f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failures = 0;
for (const f of benches) {
  console.log(`\n== ${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${f}`], { stdio: 'inherit' });
  if (r.status !== 0) failures++;
}
console.log(`\n${benches.length - failures} within limits, ${failures} over`);
process.exit(failures ? 1 : 0);
