// The SuperOffice webhook receiver on a real database and the real queue (enqueue only).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { superOfficeWebhookRouter } from '../../server/http/superoffice-webhook.ts';
import { WEBHOOK_SECRET_KIND } from '../../server/superoffice/credential-kinds.ts';
import { saveCredential } from '../../server/db/credentials.ts';
import { createKeyring } from '../../server/security/secrets.ts';
import { signWebhookBody } from '../../server/superoffice/webhook-signature.ts';
import { migratedDatabase, type MigratedDatabase } from '../helpers/db.ts';
import { serveReceiver, type Receiver } from '../helpers/receiver.ts';

const SECRET = 'whsec-0f9e8d7c6b5a';
const keyring = createKeyring(`k1:${Buffer.alloc(32, 9).toString('base64')}`);
let t: MigratedDatabase;
let receiver: Receiver;
let url: string;
let logLines: string[];
let tenantId: string;
let linkId: string;

before(async () => {
  t = await migratedDatabase();
  [{ id: tenantId }] = await t.db('tenants').insert({ context_identifier: 'Cust12345', installation_state: 'active' }).returning('id');
  await t.db('tenants').insert({ context_identifier: 'Cust99999', installation_state: 'uninstalled' });
  const [{ id: profileId }] = await t.db('profiles').insert({ tenant_id: tenantId, name: 'M365', calendar_system: 'graph' }).returning('id');
  [{ id: linkId }] = await t.db('links')
    .insert({ tenant_id: tenantId, profile_id: profileId, associate_id: 5, mailbox: 'ada@demo.example', state: 'active' })
    .returning('id');
  await saveCredential(t.db, keyring, { tenantId, ownerType: 'tenant', ownerId: tenantId, kind: WEBHOOK_SECRET_KIND, secret: SECRET });
  receiver = await serveReceiver(t, '/webhooks/superoffice', (queue) => superOfficeWebhookRouter({ db: t.db, keyring, queue }));
  ({ url, logLines } = receiver);
});

after(async () => {
  await receiver.close();
  await t.close();
});

function payload(over: Record<string, unknown> = {}) {
  return {
    EventId: randomUUID(),
    Timestamp: new Date().toISOString(),
    Changes: ['appointment_id', 'do_by', 'updated'],
    Event: 'activity.changed',
    PrimaryKey: 1002,
    Entity: 'activity',
    ContextIdentifier: 'Cust12345',
    ChangedByAssociateId: 5,
    WebhookName: 'Calendar Sync for SuperOffice',
    FieldValues: { associate_id: 5, type: 1, document_id: 0 },
    ...over,
  };
}

/** Posts exactly these bytes, signed over those bytes unless a signature is given. */
async function deliver(body: object | string, signature?: string | null) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  const sig = signature === undefined ? signWebhookBody(SECRET, Buffer.from(raw)) : signature;
  if (sig !== null) headers['x-superoffice-signature'] = sig;
  const res = await fetch(url, { method: 'POST', headers, body: raw });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const events = () => t.db('inbound_events').count<{ count: number }[]>('* as count').then((r) => Number(r[0]!.count));
const jobs = () => t.db('graphile_worker.jobs').select('task_identifier', 'queue_name');

test('a signed activity.changed is recorded and enqueues one sync of the owner\'s link', async () => {
  const p = payload();
  const r = await deliver(p);
  assert.equal(r.status, 200);
  assert.equal(r.body.outcome, 'enqueued');
  const row = await t.db('inbound_events').where({ event_id: p.EventId }).first();
  assert.equal(row.tenant_id, tenantId);
  assert.equal(row.event_type, 'activity.changed');
  const js = await jobs();
  assert.equal(js.length, 1);
  assert.equal(js[0].task_identifier, 'sync-link');
  assert.equal(js[0].queue_name, `link:${linkId}`);
});

test('a replayed EventId answers 200 and causes no new work', async () => {
  const p = payload();
  const before = await events();
  assert.equal((await deliver(p)).status, 200);
  const again = await deliver(p);
  assert.equal(again.status, 200);
  assert.equal(again.body.outcome, 'duplicate');
  assert.equal(await events(), before + 1);
});

test('the same bytes re-serialised differently do not verify: the signature is over the raw body', async () => {
  const p = payload();
  const raw = JSON.stringify(p);
  const sig = signWebhookBody(SECRET, Buffer.from(raw));
  const before = await events();
  const r = await deliver(JSON.stringify(p, null, 2), sig);
  assert.equal(r.status, 401);
  assert.equal(await events(), before);
});

test('a wrong or missing signature is 401, changes nothing, and is logged with the tenant but not the secret', async () => {
  const before = await events();
  const wrong = await deliver(payload(), signWebhookBody('not-the-secret', Buffer.from('x')));
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error, 'invalid_signature');
  assert.equal((await deliver(payload(), null)).status, 401);
  assert.equal(await events(), before);
  const line = logLines.find((l) => l.includes('webhook signature rejected'));
  assert.ok(line?.includes('Cust12345'));
  assert.ok(!logLines.join('').includes(SECRET));
});

test('an unsigned delivery gets the same 401 whether its tenant is installed, uninstalled or unknown', async () => {
  const answers = [];
  for (const ctx of ['Cust12345', 'Cust99999', 'Cust00000']) {
    for (const sig of [null, signWebhookBody('not-the-secret', Buffer.from('x'))]) {
      const r = await deliver(payload({ ContextIdentifier: ctx }), sig);
      assert.equal(r.status, 401, `${ctx} ${sig ? 'wrong' : 'missing'}`);
      const { requestId: _id, ...rest } = r.body;
      answers.push(rest);
    }
  }
  for (const a of answers) assert.deepEqual(a, answers[0]);
  assert.equal(answers[0]!.error, 'invalid_signature');
  assert.ok(!JSON.stringify(answers).includes('Cust'));
  // Signed with a secret of the installed tenant, a delivery naming another tenant gets the same.
  assert.equal((await deliver(payload({ ContextIdentifier: 'Cust00000' }))).status, 401);
});

test('a NUL character in a signed delivery is a 400, stores nothing and logs nothing at error level', async () => {
  const before = await events();
  const from = logLines.length;
  for (const over of [{ EventId: `evt\u0000${randomUUID()}` }, { Event: 'activity.changed\u0000' }, { FieldValues: { associate_id: 5, type: 1, text: 'a\u0000b' } }, { 'Odd\u0000Key': 1 }]) {
    const r = await deliver(payload(over));
    assert.equal(r.status, 400, JSON.stringify(over));
    assert.equal(r.body.error, 'invalid_payload');
  }
  assert.equal(await events(), before);
  const lines = logLines.slice(from);
  assert.ok(lines.length > 0);
  assert.ok(lines.every((l) => !l.includes('"level":50')), lines.join(''));
});

test('malformed JSON is 400, a non-webhook body 400, a body over 1 MB 413', async () => {
  assert.equal((await deliver('{"EventId":', 'x')).status, 400);
  const notHook = await deliver({ hello: 'world' });
  assert.equal(notHook.status, 400);
  assert.equal(notHook.body.error, 'invalid_payload');
  const big = await deliver(payload({ Padding: 'x'.repeat(1_100_000) }));
  assert.equal(big.status, 413);
});

test('the test event is answered 200 and recorded nowhere; document rows are dropped', async () => {
  const before = await events();
  const testEvent = await deliver(payload({ Event: 'test', Entity: 'test', PrimaryKey: 0, Changes: [], FieldValues: {} }));
  assert.equal(testEvent.status, 200);
  const doc = await deliver(payload({ FieldValues: { associate_id: 5, type: 4, document_id: 168 } }));
  assert.equal(doc.status, 200);
  assert.equal(doc.body.ignored, 'document');
  assert.equal(await events(), before);
});

test('a change in the diary of an associate without a link is recorded but enqueues nothing', async () => {
  const jobsBefore = (await jobs()).length;
  const r = await deliver(payload({ FieldValues: { associate_id: 77, type: 1 }, PrimaryKey: 5555 }));
  assert.equal(r.body.outcome, 'recorded');
  assert.equal((await jobs()).length, jobsBefore);
});

test('a delete without an owner finds its link through the synced item', async () => {
  await t.db('synced_items').insert({ tenant_id: tenantId, link_id: linkId, stable_key: 'k-1003', so_id: '1003' });
  const r = await deliver(payload({ Event: 'activity.deleted', PrimaryKey: 1003, FieldValues: {}, Values: { appointment_id: 1003 } }));
  assert.equal(r.body.outcome, 'enqueued');
});
