// What idle linked users cost in requests, for the Microsoft 365 benchmark. Ten idle minutes are
// not waited out; they are put together from measured parts, each scaled to 10 minutes:
//   1. a quiet window (BENCH_IDLE_S seconds with nobody changing anything and no scheduled task
//      run): whatever the app sends by itself, unprompted; it should be nothing;
//   2. one SuperOffice reconciliation round, run as the crontab runs it (reconcile-all, which
//      queues reconcile-tenant and provision-tenant per tenant), times the rounds in 10 minutes
//      (one every RECONCILE_INTERVAL_MINUTES);
//   3. subscription renewals: the crontab's graph-subscriptions task run after a sample of
//      subscriptions was made due (their stored expiry moved within a day), so its cost per
//      renewal is measured; times the renewals 10 minutes hold on average: every subscription is
//      renewed once per (lifetime asked - RENEW_BEFORE_MS) plus half a crontab interval;
//   4. the Microsoft 365 poll: the same task run after a sample of links was made stale (last sync
//      POLL_AFTER_MS ago), so its cost per polled link is measured; an idle link is polled at every
//      crontab tick at least POLL_AFTER_MS after its last sync, so once per ceil(POLL_AFTER_MS /
//      interval) intervals.
// The crontab itself is not in the benchmark's app, so the quiet window is not disturbed by a tick.
import { GRAPH_SUBSCRIPTIONS_CRONTAB, GRAPH_SUBSCRIPTIONS_TASK, POLL_AFTER_MS, RENEW_BEFORE_MS } from '../server/jobs/graph-subscribe.ts';
import { RECONCILE_ALL_TASK } from '../server/jobs/reconcile-all.ts';
import { RECONCILE_INTERVAL_MINUTES } from '../server/jobs/reconcile-interval.ts';
import type { RequestTally, Rig } from './m365-rig.ts';

const TEN_MINUTES_MS = 600_000;

export interface IdleCost {
  /** Requests per 10 minutes, by cause. */
  unprompted: number;
  reconciliation: number;
  renewals: number;
  polls: number;
  /** Requests by endpoint in the quiet window (should be empty). */
  unpromptedEndpoints: Record<string, number>;
  reconcileRound: RequestTally;
  requestsPerRenewal: number;
  renewalPeriodHours: number;
  requestsPerPoll: number;
  pollEndpoints: Record<string, number>;
  pollPeriodMinutes: number;
}

const requests = (t: RequestTally) => t.graph + t.superoffice;

export async function measureIdle(rig: Rig, opts: { quietS: number; sample: number }): Promise<IdleCost> {
  const sample = rig.users.slice(0, opts.sample).map((u) => u.linkId);
  const tickMs = Number(/^\*\/(\d+) /.exec(GRAPH_SUBSCRIPTIONS_CRONTAB)?.[1] ?? 30) * 60_000;
  await rig.drained();
  rig.resetTally();
  await new Promise((r) => setTimeout(r, opts.quietS * 1000));
  const quiet = rig.tally();

  rig.resetTally();
  await rig.enqueue(RECONCILE_ALL_TASK, {});
  await rig.drained();
  const round = rig.tally();

  await rig.db('graph_subscriptions').whereIn('link_id', sample).update({ expires_at: new Date(Date.now() + 3_600_000) });
  rig.resetTally();
  const asked = new Date();
  await rig.enqueue(GRAPH_SUBSCRIPTIONS_TASK, {});
  await rig.drained();
  const renewed = rig.tally();
  const rows: Array<{ expires_at: Date }> = await rig.db('graph_subscriptions').whereIn('link_id', sample).select('expires_at');
  const stillDue = rows.filter((r) => new Date(r.expires_at).getTime() - asked.getTime() < RENEW_BEFORE_MS).length;
  if (stillDue > 0) throw new Error(`${stillDue} of ${sample.length} subscriptions made due were not renewed`);
  const lifetimeMs = Math.min(...rows.map((r) => new Date(r.expires_at).getTime() - asked.getTime()));
  const renewalPeriodMs = lifetimeMs - RENEW_BEFORE_MS + tickMs / 2;
  const perRenewal = requests(renewed) / sample.length;

  await rig.db('links').whereIn('id', sample).update({ last_sync_at: new Date(Date.now() - POLL_AFTER_MS - 60_000) });
  rig.resetTally();
  const polledAt = new Date();
  await rig.enqueue(GRAPH_SUBSCRIPTIONS_TASK, {});
  await rig.drained();
  const polled = rig.tally();
  const notPolled = Number((await rig.db('links').whereIn('id', sample).where('last_sync_at', '<', polledAt).count('* as n'))[0]?.n ?? 0);
  if (notPolled > 0) throw new Error(`${notPolled} of ${sample.length} links made stale were not polled`);
  const pollPeriodMs = Math.ceil(POLL_AFTER_MS / tickMs) * tickMs;
  const perPoll = requests(polled) / sample.length;

  return {
    unprompted: (requests(quiet) * TEN_MINUTES_MS) / (opts.quietS * 1000),
    unpromptedEndpoints: quiet.byEndpoint,
    reconciliation: (requests(round) * TEN_MINUTES_MS) / (RECONCILE_INTERVAL_MINUTES * 60_000),
    reconcileRound: round,
    renewals: ((rig.users.length * TEN_MINUTES_MS) / renewalPeriodMs) * perRenewal,
    requestsPerRenewal: perRenewal,
    renewalPeriodHours: renewalPeriodMs / 3_600_000,
    polls: ((rig.users.length * TEN_MINUTES_MS) / pollPeriodMs) * perPoll,
    requestsPerPoll: perPoll,
    pollEndpoints: Object.fromEntries(Object.entries(polled.byEndpoint).map(([k, v]) => [k, v / sample.length])),
    pollPeriodMinutes: pollPeriodMs / 60_000,
  };
}
