// Microsoft 365 end to end under simulated network latency: BENCH_USERS linked users (default
// 1000), a stream of BENCH_CHANGES changes (default 480, half made in SuperOffice and half in
// Outlook) at BENCH_RATE per second, and BENCH_LATENCY_MS (default 50) added to every request to
// Graph, to SuperOffice's tenant API and from either to the app's webhook routes. The app runs in
// a process of its own (bench/m365-app.ts), the simulators and this driver in this one.
//
// Prints, each next to its limit:
//   - propagation time, change on one side -> the app's write landing on the other, p50 and p99 per
//     direction, as a ratio to the floor: the round trips no implementation can avoid (webhook or
//     notification delivery + one read + one write = 3 x latency). The link-sync debounce is
//     not a round trip and so not in the floor; its share is printed beside it;
//   - API calls (Graph HTTP requests, a $batch counting one, + SuperOffice tenant API requests) per
//     propagated change, echoes and stamps included, against the minimum of 2 (one read, one write);
//   - idle traffic of the linked users per 10 minutes (see bench/m365-idle.ts for how it is put
//     together), which should be subscription renewals and reconciliation (SuperOffice's
//     reconcile round and the Microsoft 365 poll) only.
// Exits 1 when a figure is over its limit.
import { RECONCILE_ALL_TASK } from '../server/jobs/reconcile-all.ts';
import { RECONCILE_INTERVAL_MINUTES } from '../server/jobs/reconcile-interval.ts';
import { LINK_SYNC_DEBOUNCE_MS } from '../server/jobs/queue.ts';
import { limits, percentile } from './limits.ts';
import { measureIdle } from './m365-idle.ts';
import { runOnRig } from './m365-rig.ts';
import { CHAIN_LENGTH, runStream, type Direction } from './m365-stream.ts';

const USERS = Number(process.env.BENCH_USERS ?? 1000);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 480);
const RATE = Number(process.env.BENCH_RATE ?? 5);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const QUIET_S = Number(process.env.BENCH_IDLE_S ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LIMITS = { p50Ratio: 1.5, p99Ratio: 3, callsRatio: 1.2 };
/** Per change: one read of the changed side, one write to the other. */
const MIN_CALLS = 2;
/** The queue's link-sync debounce. */
const DEBOUNCE_MS = LINK_SYNC_DEBOUNCE_MS;

const out = limits();
const mb = (b: number) => b / 1_048_576;
const line = (name: string, text: string) => console.log(`${name.padEnd(48)} ${text}`);

await runOnRig({ maxUsers: USERS, concurrency: CONCURRENCY }, out, async (rig) => {
  // Linking runs without latency: it is set-up, not measured.
  rig.setLatency(0);
  const linkMs = await rig.link(USERS);
  rig.setLatency(LATENCY_MS);
  const walkers = Math.min(USERS, Math.ceil(CHANGES / CHAIN_LENGTH));
  const active = Array.from({ length: walkers }, (_, i) => rig.users[Math.floor((i * USERS) / walkers)]!);
  const changes = walkers * CHAIN_LENGTH;
  console.log(
    `# ${USERS} linked users (linked, subscribed and synced in ${(linkMs / 1000).toFixed(0)} s), ${changes} changes by ${walkers} of them ` +
      `(${changes / 2} each way) at ${RATE}/s, ${LATENCY_MS} ms per request, app worker concurrency ${CONCURRENCY}, on ${rig.server}`,
  );

  const idle = await measureIdle(rig, { quietS: QUIET_S, sample: Math.min(100, USERS) });
  const idleTotal = idle.unprompted + idle.reconciliation + idle.renewals + idle.polls;
  line(`idle: requests per 10 min, ${USERS} users`, `${idleTotal.toFixed(0)} in all:`);
  line('  Microsoft 365 poll', `${idle.polls.toFixed(1)}: every link every ${idle.pollPeriodMinutes} min, ${idle.requestsPerPoll.toFixed(2)} requests each (${perLink(idle.pollEndpoints)})`);
  line('  SuperOffice reconciliation', `${idle.reconciliation.toFixed(1)}: ${roundSummary(idle.reconcileRound.byEndpoint)} per ${RECONCILE_INTERVAL_MINUTES}-min round`);
  line('  subscription renewals', `${idle.renewals.toFixed(1)}: every subscription every ${idle.renewalPeriodHours.toFixed(1)} h, ${idle.requestsPerRenewal.toFixed(2)} requests each`);
  line('  unprompted', `${idle.unprompted.toFixed(1)}${idle.unprompted > 0 ? `: ${roundSummary(idle.unpromptedEndpoints)} in ${QUIET_S} s` : ''}`);
  out.report('idle: requests not renewal/reconcile/poll, 10 min', idle.unprompted, 'req', 0);

  await rig.drained();
  rig.resetTally();
  const stream = await runStream(rig, { users: active, ratePerS: RATE, timeoutMs: 60_000 });
  await rig.drained();
  const tally = rig.tally();
  line('stream', `${(stream.durationMs / 1000).toFixed(0)} s; waited ${(stream.stalledMs / 1000).toFixed(1)} s for users to settle; other app writes: ${stream.otherWrites.so} to SuperOffice, ${stream.otherWrites.outlook} to Outlook`);
  out.report('changes that never arrived', stream.lost.length, '', 0);

  const floorMs = 3 * LATENCY_MS;
  for (const [direction, label, path] of [
    ['so->outlook', 'SuperOffice -> Outlook', 'webhook + read appointment + write event'],
    ['outlook->so', 'Outlook -> SuperOffice', 'notification + delta read + write appointment'],
  ] as Array<[Direction, string, string]>) {
    const mine = stream.samples.filter((s) => s.direction === direction);
    const ms = mine.map((s) => s.ms).sort((a, b) => a - b);
    const byOp = (['create', 'update', 'delete'] as const).map((op) => `${op} ${percentile(mine.filter((s) => s.op === op).map((s) => s.ms).sort((a, b) => a - b), 50).toFixed(0)}`);
    const p50 = percentile(ms, 50);
    const p99 = percentile(ms, 99);
    line(`${label}: ${ms.length} changes`, `p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms; floor ${floorMs} ms (${path}); with the ${DEBOUNCE_MS} ms debounce ${floorMs + DEBOUNCE_MS} ms: p50 ${(p50 / (floorMs + DEBOUNCE_MS)).toFixed(2)}x, p99 ${(p99 / (floorMs + DEBOUNCE_MS)).toFixed(2)}x`);
    line('  p50 by operation, ms', byOp.join(', '));
    out.report(`  ${label}, p50 / floor`, p50 / floorMs, 'x', LIMITS.p50Ratio);
    out.report(`  ${label}, p99 / floor`, p99 / floorMs, 'x', LIMITS.p99Ratio);
  }

  const calls = tally.graph + tally.superoffice;
  line('API calls per change, by endpoint', Object.entries(tally.byEndpoint).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / changes).toFixed(2)}`).join(', '));
  line('API calls per change', `${(calls / changes).toFixed(2)}: Graph ${(tally.graph / changes).toFixed(2)} (+ ${(tally.graphBatchMembers / changes).toFixed(2)} inside $batch), SuperOffice ${(tally.superoffice / changes).toFixed(2)}; minimum ${MIN_CALLS}`);
  out.report('API calls per change / minimum', calls / changes / MIN_CALLS, 'x', LIMITS.callsRatio);

  // Every chain deletes both of its items: nothing of the active users may be left on either side.
  const owners = new Set(active.map((u) => u.associateId));
  const leftInSo = rig.so.api.appointments(rig.ctx).filter((a) => owners.has(Number((a.Associate as { AssociateId?: unknown } | undefined)?.AssociateId))).length;
  const leftInOutlook = active.reduce((n, u) => n + rig.ms.control.events(u.upn).length, 0);
  out.report('items left after the chains (both sides)', leftInSo + leftInOutlook, '', 0);

  // What the next reconciliation round costs after the stream (information: it re-wakes changed links).
  rig.resetTally();
  await rig.enqueue(RECONCILE_ALL_TASK, {});
  await rig.drained();
  const after = rig.tally();
  line('reconciliation round after the stream', `${after.graph + after.superoffice} requests (${roundSummary(after.byEndpoint)})`);

  const m = await rig.appMemory();
  line(`app RSS after the stream, ${USERS} users`, `${mb(m.rss).toFixed(0)} MB (heap ${mb(m.heapUsed).toFixed(0)} MB; limits in m365-memory)`);
});

function perLink(byEndpoint: Record<string, number>): string {
  return Object.entries(byEndpoint).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
}

function roundSummary(byEndpoint: Record<string, number>): string {
  const parts = Object.entries(byEndpoint).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(', ') : 'none';
}
