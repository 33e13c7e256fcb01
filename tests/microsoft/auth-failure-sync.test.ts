// When Microsoft 365 refuses, end to end through the real sandbox process: a user whose plan has no
// Exchange Online mailbox, and the tenant's administrator withdrawing the app's consent. The link
// says why in words and stops asking Graph; SuperOffice and the other links go on; regranted
// consent lets the sync resume.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADA, auditFor, BJORN, DANIEL, dateAhead, startSandbox, type Sandbox } from './harness.ts';

let sb: Sandbox;

before(async () => {
  sb = await startSandbox();
  await sb.quiet();
});

after(async () => {
  await sb?.stop();
});

/** Looks like something a person can read: one line, no stack frames, no source paths. */
function assertWords(text: string | null | undefined, what: string): asserts text is string {
  assert.ok(text, `${what} has a reason`);
  assert.doesNotMatch(text, /\n/, `${what}: one line, not a stack trace`);
  assert.doesNotMatch(text, /\bat \S+ \(|\.ts:\d+|node:internal/, `${what}: no stack frames`);
}

/**
 * The link's sync jobs that failed and wait for a retry, once none of its jobs is running (the link
 * records its state during the run, a moment before the job ends).
 */
async function failedJobsOf(linkId: string): Promise<Array<{ attempts: number; last_error: string | null }>> {
  const jobs = () => sb.db('graphile_worker.jobs').where({ task_identifier: 'sync-link', queue_name: `link:${linkId}` }).select('attempts', 'last_error', 'locked_at');
  const settled = await sb.eventually('the link\'s sync job finished', async () => {
    const j = await jobs();
    return j.some((x) => x.locked_at !== null) ? undefined : j;
  });
  return settled.filter((j) => j.attempts > 0).map((j) => ({ attempts: j.attempts, last_error: j.last_error }));
}

test('a user linked to Microsoft 365 without an Exchange Online mailbox is told the cause in words; the others go on', async () => {
  // Bjørn's Microsoft 365 account has no Exchange Online plan. An administrator links him anyway.
  const [row] = await sb.db('links')
    .insert({ tenant_id: sb.tenantId, profile_id: sb.profileId, associate_id: BJORN.associateId, associate_email: BJORN.mailbox, mailbox: BJORN.mailbox, state: 'active' })
    .returning('id');
  const linkId = (row as { id: string }).id;
  const day = dateAhead(9);
  await sb.so.create(BJORN, { Title: 'Site visit: Fjellet Bygg (follow-up)', StartDate: `${day}T08:00:00Z`, EndDate: `${day}T09:00:00Z` });

  const link = await sb.eventually('Bjørn\'s link stopped with a reason', async () => {
    const l = await sb.link(BJORN);
    return l && l.state !== 'active' && l.last_error ? l : undefined;
  });
  assert.equal(link.id, linkId);
  assertWords(link.last_error, 'Bjørn\'s link');
  assert.match(link.last_error, /Exchange Online/);
  assert.match(link.last_error, /plan|licen[cs]e/i, 'it names the missing plan');
  assert.match(link.last_error, /bjorn\.haugen@demo-company\.example/, 'and whose mailbox it is');
  assert.deepEqual(await failedJobsOf(linkId), [], 'no sync job of his is left failing and retrying');

  // Ada's sync is not held up by Bjørn's.
  await sb.so.create(ADA, { Title: 'Still syncing', StartDate: `${day}T10:00:00Z`, EndDate: `${day}T10:30:00Z` });
  await sb.eventually('Ada\'s change in Outlook', async () => ((await sb.outlook(ADA)).some((e) => e.subject === 'Still syncing') ? true : undefined));
  assert.equal((await sb.link(ADA))?.state, 'active');
});

test('the reason given for a mailbox without Exchange Online does not send the user to reconnect, which cannot help', async () => {
  const reason = (await sb.link(BJORN))?.last_error;
  assertWords(reason, 'Bjørn\'s link');
  assert.doesNotMatch(reason, /reconnect/i, `"${reason}"`);
});

test('consent withdrawn by the administrator: the links stop with the reason in words within one sync attempt; SuperOffice goes on', async () => {
  await sb.quiet();
  await sb.db('links').where({ tenant_id: sb.tenantId, associate_id: BJORN.associateId }).delete();
  await sb.call('PUT', `${sb.msControl}/consent`, { granted: false, expireTokens: true });

  const day = dateAhead(8);
  await sb.so.create(ADA, { Title: 'Made while disconnected', StartDate: `${day}T09:00:00Z`, EndDate: `${day}T10:00:00Z` });
  const ada = await sb.eventually('Ada\'s link waiting for a reconnect', async () => {
    const l = await sb.link(ADA);
    return l?.state === 'needs_reconnect' ? l : undefined;
  });
  assertWords(ada.last_error, 'Ada\'s link');
  assert.match(ada.last_error, /consent/i, 'the reason names the missing consent');
  assert.match(ada.last_error, /administrator/i, 'and who can give it');
  assert.doesNotMatch(ada.last_error, /user needs to reconnect/i, 'an organisation-wide consent is not the user\'s to give');
  assert.deepEqual(await failedJobsOf(ada.id), [], 'one attempt decided it: no sync job is left retrying');

  // Daniel's link stops the same way at its next sync.
  await sb.so.create(DANIEL, { Title: 'Daniel, while disconnected', StartDate: `${day}T11:00:00Z`, EndDate: `${day}T11:30:00Z` });
  const daniel = await sb.eventually('Daniel\'s link waiting for a reconnect', async () => {
    const l = await sb.link(DANIEL);
    return l?.state === 'needs_reconnect' ? l : undefined;
  });
  assertWords(daniel.last_error, 'Daniel\'s link');

  // SuperOffice goes on: the installation is untouched and its webhooks are still taken.
  const tenant = await sb.db('tenants').where({ id: sb.tenantId }).first('installation_state');
  assert.equal(tenant?.installation_state, 'active');
  await sb.quiet();
  const graphBefore = await sb.requestCounts();
  const webhooksBefore = (await sb.db('inbound_events').where({ tenant_id: sb.tenantId, source: 'superoffice' }).count<{ n: number }[]>({ n: '*' }).first())?.n;
  await sb.so.create(ADA, { Title: 'Also made while disconnected', StartDate: `${day}T12:00:00Z`, EndDate: `${day}T12:30:00Z` });
  await sb.eventually('the webhook taken in', async () => {
    const n = (await sb.db('inbound_events').where({ tenant_id: sb.tenantId, source: 'superoffice' }).count<{ n: number }[]>({ n: '*' }).first())?.n;
    return Number(n) > Number(webhooksBefore) ? true : undefined;
  });
  await sb.quiet();
  const graphAfter = await sb.requestCounts();
  assert.equal(graphAfter.byMailbox[ADA.mailbox] ?? 0, graphBefore.byMailbox[ADA.mailbox] ?? 0, 'a stopped link does not keep knocking at Graph');
  assert.equal((await sb.link(ADA))?.state, 'needs_reconnect');
  assert.ok(!(await sb.outlook(ADA)).some((e) => e.subject === 'Made while disconnected'));
});

test('consent granted again: once the link is active again, what was made meanwhile arrives, once', async () => {
  await sb.call('PUT', `${sb.msControl}/consent`, { granted: true });
  // The app offers no way back from needs_reconnect (no reconnect route or panel action, and the
  // consent callback leaves links alone); set the links active as that action would.
  await sb.db('links').where({ tenant_id: sb.tenantId }).whereIn('associate_id', [ADA.associateId, DANIEL.associateId]).update({ state: 'active' });

  const day = dateAhead(8);
  await sb.so.create(ADA, { Title: 'Made after reconnecting', StartDate: `${day}T14:00:00Z`, EndDate: `${day}T14:30:00Z` });
  await sb.eventually('everything Ada made in Outlook', async () => {
    const subjects = (await sb.outlook(ADA)).map((e) => e.subject);
    return ['Made while disconnected', 'Also made while disconnected', 'Made after reconnecting'].every((t) => subjects.includes(t)) ? true : undefined;
  });
  // The items show before the run ends; the run records itself on the link last.
  await sb.eventually('Ada\'s link active, the old reason gone', async () => {
    const l = await sb.link(ADA);
    return l?.state === 'active' && l.last_error === null ? true : undefined;
  });

  // Outlook's side works again too: its notifications reach the app.
  await sb.outlookEdit.create(ADA, { subject: 'From Outlook after reconnecting', start: { dateTime: `${day}T15:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T15:30:00`, timeZone: 'UTC' } });
  await sb.eventually('the Outlook change in SuperOffice', async () => ((await sb.diary(ADA)).some((a) => a.Title === 'From Outlook after reconnecting') ? true : undefined));
  await sb.quiet();
  for (const title of ['Made while disconnected', 'Also made while disconnected', 'Made after reconnecting']) {
    assert.equal((await sb.outlook(ADA)).filter((e) => e.subject === title).length, 1, `"${title}" once in Outlook`);
    assert.deepEqual((await auditFor(sb.db, sb.tenantId, title)).map((a) => [a.action, a.side]), [['create', 'calendar']], `"${title}" written once`);
  }
});
