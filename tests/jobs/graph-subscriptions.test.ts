// The Microsoft 365 fan-out on a real database: links without a subscription (or with one about to
// expire) get one made or renewed; links not synced for POLL_AFTER_MS get a sync, the poll that
// catches a change whose notification was lost. Idle links, and links of other systems, get nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../server/log.ts';
import { createGraphSubscriptionsTask, GRAPH_SUBSCRIBE_TASK, POLL_AFTER_MS } from '../../server/jobs/graph-subscribe.ts';
import { migratedDatabase } from '../helpers/db.ts';

test('the fan-out subscribes what lacks a subscription and polls what has not synced lately', async () => {
  const t = await migratedDatabase();
  try {
    const now = new Date('2026-11-25T12:00:00Z');
    const [{ id: tenantId }] = await t.db('tenants').insert({ context_identifier: 'CustFan' }).returning('id');
    const [{ id: graph }] = await t.db('profiles').insert({ tenant_id: tenantId, name: 'M365', calendar_system: 'graph' }).returning('id');
    const [{ id: google }] = await t.db('profiles').insert({ tenant_id: tenantId, name: 'G', calendar_system: 'google' }).returning('id');
    const link = async (associate: number, profile: string, state: string, lastSync: Date | null) =>
      (await t.db('links').insert({ tenant_id: tenantId, profile_id: profile, associate_id: associate, mailbox: `u${associate}@x.test`, state, last_sync_at: lastSync }).returning('id'))[0].id as string;
    const stale = await link(1, graph, 'active', new Date(now.getTime() - POLL_AFTER_MS - 1000));
    const fresh = await link(2, graph, 'active', new Date(now.getTime() - 60_000));
    const paused = await link(3, graph, 'paused', null);
    await link(4, google, 'active', null);
    await t.db('graph_subscriptions').insert({ tenant_id: tenantId, link_id: fresh, subscription_id: 'sub-fresh', resource: 'users/u2/events', expires_at: new Date(now.getTime() + 2 * 86_400_000) });

    const subscribed: string[] = [];
    const polled: string[] = [];
    const task = createGraphSubscriptionsTask({
      db: t.db,
      now: () => now,
      queue: {
        enqueue: async (name, payload) => void (name === GRAPH_SUBSCRIBE_TASK && subscribed.push(String(payload.linkId))),
        enqueueLinkSync: async (_tenant, linkId) => void polled.push(linkId),
      },
    });
    await task({}, { jobId: '1', attempt: 1, maxAttempts: 1, deferrals: 0, signal: new AbortController().signal, log: createLogger('silent') });
    assert.deepEqual(subscribed, [stale], 'only the Microsoft 365 link without a subscription');
    assert.deepEqual(polled, [stale], 'only the link that has not synced lately');
    assert.ok(!subscribed.includes(paused) && !polled.includes(paused));
  } finally {
    await t.close();
  }
});
