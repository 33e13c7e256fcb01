// The app's resident memory with many linked Microsoft 365 users: its process (bench/m365-app.ts,
// the app's own modules wired as server/app.ts wires them, run by tsx as `npm run serve` runs it)
// is measured, not the simulators or this driver. Users are linked in two rounds, to
// BENCH_MEMORY_USERS_FIRST (default 1000) and then BENCH_MEMORY_USERS (default 10000); each link
// gets its first sync through the app's own task, so whatever the app keeps per link, per mailbox
// or per tenant (directory caches, Graph clients and their per-mailbox limiters, pools) is in
// place. The first round's users also get their Graph subscriptions (graph-subscribe); the second
// round's do not unless BENCH_MEMORY_SUBSCRIBE_ALL=1: making one keeps nothing in the app's memory
// (the task uses the profile's connection, not a per-mailbox one; the subscription lives in the
// database and in Graph), and on this machine it doubles a round that already takes minutes. RSS is read once the queue has drained, after a full garbage collection, and sampled
// every second while the users are being linked (no collection forced): both are held to the
// limit, since a memory limit set for the settled figure would stop the process at the peak.
//
// Without latency: it changes the time linking takes, not what is kept.
// Prints each figure next to its limit; exits 1 when one is over.
import { limits } from './limits.ts';
import { runOnRig, type Rig } from './m365-rig.ts';

const FIRST = Number(process.env.BENCH_MEMORY_USERS_FIRST ?? 1000);
const USERS = Number(process.env.BENCH_MEMORY_USERS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SUBSCRIBE_ALL = process.env.BENCH_MEMORY_SUBSCRIBE_ALL === '1';
const LIMITS = { rssMb: 300 };

const out = limits();
const mb = (b: number) => b / 1_048_576;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function linkAndMeasure(rig: Rig, total: number, subscribe: boolean): Promise<void> {
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await rig.appMemory()).rss);
      await sleep(1000);
    }
  })();
  const ms = await rig.link(total, { subscribe });
  sampling = false;
  await sampler;
  // Settled: once the queue is empty, after a full collection (otherwise the reading depends on
  // when V8 last collected), the highest of three readings a second apart.
  let settled = { rss: 0, heapUsed: 0 };
  for (let i = 0; i < 3; i++) {
    await sleep(1000);
    const m = await rig.appMemory({ gc: true });
    if (m.rss > settled.rss) settled = m;
  }
  console.log(`# ${total} users linked (${subscribe ? 'subscribed and ' : 'the new ones not subscribed, '}synced once) in ${(ms / 1000).toFixed(0)} s, ${CONCURRENCY} jobs at a time; heap after a full GC ${mb(settled.heapUsed).toFixed(0)} MB`);
  out.report(`app RSS with ${total} linked users, settled`, mb(settled.rss), 'MB', LIMITS.rssMb);
  out.report(`  peak RSS while linking them`, mb(peak), 'MB', LIMITS.rssMb);
}

await runOnRig({ maxUsers: USERS, concurrency: CONCURRENCY }, out, async (rig) => {
  rig.setLatency(0);
  const idle = await rig.appMemory({ gc: true });
  console.log(`# app process before any user is linked: RSS ${mb(idle.rss).toFixed(0)} MB, heap ${mb(idle.heapUsed).toFixed(0)} MB; worker concurrency ${CONCURRENCY}, on ${rig.server}`);
  const first = Math.min(FIRST, USERS);
  await linkAndMeasure(rig, first, true);
  if (USERS > first) await linkAndMeasure(rig, USERS, SUBSCRIBE_ALL);
});
