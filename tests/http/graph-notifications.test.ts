// Microsoft Graph notifications on a real database and the real queue (enqueue only): what a
// stranger can send must end as a 400 or a skipped entry, never a 500 logged at error level.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { graphNotificationsRouter } from '../../server/http/graph-notifications.ts';
import { saveCredential } from '../../server/db/credentials.ts';
import { GRAPH_CLIENT_STATE } from '../../server/microsoft/connector.ts';
import { createKeyring } from '../../server/security/secrets.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';
import { serveReceiver, type Receiver } from '../helpers/receiver.ts';

const CLIENT_STATE = 'client-state-7d1e0c';
const SUBSCRIPTION = 'sub-0001';
const keyring = createKeyring(`k1:${Buffer.alloc(32, 5).toString('base64')}`);
let t: MigratedDatabase;
let receiver: Receiver;
let url: string;
let logLines: string[];
let tenantId: string;

before(async () => {
  t = await migratedDatabase();
  [{ id: tenantId }] = await t.db('tenants').insert({ context_identifier: 'Cust12345', installation_state: 'active' }).returning('id');
  const [{ id: profileId }] = await t.db('profiles').insert({ tenant_id: tenantId, name: 'M365', calendar_system: 'graph' }).returning('id');
  const [{ id: linkId }] = await t.db('links')
    .insert({ tenant_id: tenantId, profile_id: profileId, associate_id: 5, mailbox: 'ada@demo.example', state: 'active' })
    .returning('id');
  await t.db('graph_subscriptions').insert({ tenant_id: tenantId, link_id: linkId, subscription_id: SUBSCRIPTION, resource: 'users/ada/events', expires_at: new Date(Date.now() + 86_400_000) });
  await saveCredential(t.db, keyring, { tenantId, ownerType: 'link', ownerId: linkId, kind: GRAPH_CLIENT_STATE, secret: CLIENT_STATE });
  receiver = await serveReceiver(t, '/webhooks/graph', (queue) => graphNotificationsRouter({ db: t.db, keyring, queue }));
  ({ url, logLines } = receiver);
});

after(async () => {
  await receiver.close();
  await t.close();
});

function change(eventId: string, over: Record<string, unknown> = {}) {
  return {
    subscriptionId: SUBSCRIPTION,
    clientState: CLIENT_STATE,
    changeType: 'updated',
    resource: `Users/ada-id/Events/${eventId}`,
    ...over,
  };
}

async function post(body: unknown, headers: Record<string, string> = {}) {
  const raw = Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
  return { status: res.status, text: await res.text() };
}

const hints = () => t.db('sync_hints').where({ tenant_id: tenantId }).pluck('item_id');
const errorsLogged = (from: number) => logLines.slice(from).filter((l) => l.includes('"level":50'));

test('a valid change is accepted and hinted', async () => {
  const r = await post({ value: [change('AAMk-plain')] });
  assert.equal(r.status, 202);
  assert.ok((await hints()).includes('AAMk-plain'));
});

test('a resource with a malformed % escape skips that entry only; the rest of the batch is accepted', async () => {
  const from = logLines.length;
  const r = await post({ value: [change('AAMk%E0%A4%A'), change('AAMk-after-bad'), change('x', { resource: 'Users/%zz/Events/AAMk-bad-user' })] });
  assert.equal(r.status, 202);
  const held = await hints();
  assert.ok(held.includes('AAMk-after-bad'));
  assert.ok(!held.some((h) => h.includes('%')));
  assert.deepEqual(errorsLogged(from), []);
  assert.ok(logLines.slice(from).some((l) => l.includes('malformed_resource')));
});

test('a NUL character skips its entry (or refuses a batch of nothing else) with nothing logged at error level', async () => {
  const from = logLines.length;
  const mixed = await post({ value: [change('AAMk-nul\u0000'), change('AAMk-after-nul'), change('y', { resourceData: { id: 'a\u0000b' } }), change('z', { subscriptionId: 'sub\u0000' })] });
  assert.equal(mixed.status, 202);
  const held = await hints();
  assert.ok(held.includes('AAMk-after-nul'));
  assert.ok(!held.some((h) => h.includes('\u0000')));
  const only = await post({ value: [change('AAMk-only\u0000')] });
  assert.equal(only.status, 400);
  assert.deepEqual(errorsLogged(from), []);
});

test('a body that does not match its Content-Encoding is a 400', async () => {
  const from = logLines.length;
  const bogus = await post({ value: [change('AAMk-gz')] }, { 'content-encoding': 'gzip' });
  assert.equal(bogus.status, 400);
  assert.deepEqual(errorsLogged(from), []);
  // A real gzip body is still read.
  const real = await post(gzipSync(JSON.stringify({ value: [change('AAMk-gz-real')] })), { 'content-encoding': 'gzip' });
  assert.equal(real.status, 202);
});
