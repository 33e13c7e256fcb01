// The sandbox's second start (issue 12): `npm start`, Ctrl-C, `npm start` again on the same `.data/`
// and database. Sync must keep working both ways, and the restart must leave no job failing in the
// log. It once did not: the SuperOffice simulator drew a new tenant serial at every start while the
// app kept the first one, so every system-user ticket was refused as meant for another audience.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADA, dateAhead, restartSandbox, startSandbox, type Sandbox } from './harness.ts';

const DAY = dateAhead(21);
let sb: Sandbox;

before(async () => {
  sb = await startSandbox();
});

after(async () => {
  await sb?.stop();
});

/** The JSON log lines the sandbox wrote since `since` (an epoch ms). */
function logSince(since: number): Array<{ level: number; time: string; msg: string }> {
  return readFileSync(join(sb.dataDir, 'sandbox.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { level: number; time: string | number; msg: string })
    .map((l) => ({ ...l, time: new Date(l.time).toISOString() }))
    .filter((l) => Date.parse(l.time) >= since);
}

test('after a restart on the same data folder and database, sync still runs both ways and no job fails', async () => {
  await sb.so.create(ADA, { Title: 'Before the restart', StartDate: `${DAY}T09:00:00Z`, EndDate: `${DAY}T10:00:00Z` });
  await sb.eventually('the first appointment in Outlook', async () => ((await sb.outlook(ADA)).some((e) => e.subject === 'Before the restart') ? true : undefined));
  const serial = (await sb.db('tenants').where({ id: sb.tenantId }).first('serial'))!.serial as string;

  const restartedAt = Date.now();
  sb = await restartSandbox(sb);
  assert.equal((await sb.db('tenants').where({ id: sb.tenantId }).first('serial'))!.serial, serial, 'the tenant kept its serial');

  await sb.so.create(ADA, { Title: 'After the restart', StartDate: `${DAY}T11:00:00Z`, EndDate: `${DAY}T12:00:00Z` });
  await sb.eventually('SuperOffice -> Outlook after the restart', async () => ((await sb.outlook(ADA)).some((e) => e.subject === 'After the restart') ? true : undefined));
  await sb.outlookEdit.create(ADA, { subject: 'Booked in Outlook', start: { dateTime: `${DAY}T13:00:00`, timeZone: 'UTC' }, end: { dateTime: `${DAY}T14:00:00`, timeZone: 'UTC' } });
  await sb.eventually('Outlook -> SuperOffice after the restart', async () => ((await sb.diary(ADA)).some((a) => a.Title === 'Booked in Outlook') ? true : undefined));
  await sb.quiet();

  const lines = logSince(restartedAt);
  assert.ok(lines.some((l) => l.msg === 'listening'), 'the log covers the second run');
  const failing = lines.filter((l) => l.level >= 50 || /^Failed task/.test(l.msg));
  assert.deepEqual(failing.map((l) => l.msg), [], 'no job failed and nothing was logged as an error after the restart');
  assert.equal((await sb.link(ADA))?.state, 'active');
});
