// Private and all-day items between SuperOffice and Microsoft 365, both ways, end to end through the
// real sandbox process. SuperOffice's Private (PrivateUser, PrivateGroup) is Outlook's sensitivity
// "private"; an all-day appointment is an all-day event on the same dates, however long it is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADA, addDays, dateAhead, startSandbox, type Sandbox } from './harness.ts';

let sb: Sandbox;

before(async () => {
  sb = await startSandbox();
  await sb.quiet();
});

after(async () => {
  await sb?.stop();
});

const inOutlook = (title: string) => sb.eventually(`"${title}" in Outlook`, async () => (await sb.outlook(ADA)).find((e) => e.subject === title));
const inSuperOffice = (title: string) => sb.eventually(`"${title}" in SuperOffice`, async () => (await sb.diary(ADA)).find((a) => a.Title === title));

test('a private appointment made in SuperOffice is private in Outlook', async () => {
  const day = dateAhead(10);
  await sb.so.create(ADA, { Title: 'Doctor', StartDate: `${day}T08:00:00Z`, EndDate: `${day}T09:00:00Z`, Private: 'PrivateUser' });
  const ev = await inOutlook('Doctor');
  assert.equal(ev.sensitivity, 'private');
});

test('a private event made in Outlook is private in SuperOffice', async () => {
  const day = dateAhead(11);
  await sb.outlookEdit.create(ADA, { subject: 'Parents evening', start: { dateTime: `${day}T16:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T17:00:00`, timeZone: 'UTC' }, sensitivity: 'private' });
  const appt = await inSuperOffice('Parents evening');
  assert.equal(appt.Private, 'PrivateUser');
});

test('privacy changed on either side follows on the other', async () => {
  const day = dateAhead(12);
  const appt = await sb.so.create(ADA, { Title: 'One-to-one', StartDate: `${day}T12:00:00Z`, EndDate: `${day}T12:30:00Z` });
  const ev = await inOutlook('One-to-one');
  assert.equal(ev.sensitivity, 'normal');
  await sb.quiet();

  await sb.outlookEdit.update(ADA, ev.id, { sensitivity: 'private' });
  await sb.eventually('made private in SuperOffice', async () => ((await sb.diary(ADA)).find((a) => a.AppointmentId === appt.AppointmentId)?.Private === 'PrivateUser' ? true : undefined));
  await sb.quiet();

  await sb.so.update(ADA, appt.AppointmentId, { Private: 'Public' });
  await sb.eventually('made public in Outlook', async () => ((await sb.outlook(ADA)).find((e) => e.id === ev.id)?.sensitivity === 'normal' ? true : undefined));
});

test('an all-day appointment of two days made in SuperOffice is an all-day event on the same days in Outlook', async () => {
  const day = dateAhead(14);
  await sb.so.create(ADA, { Title: 'Trade fair', StartDate: `${day}T00:00:00Z`, EndDate: `${addDays(day, 2)}T00:00:00Z`, IsAlldayEvent: true });
  const ev = await inOutlook('Trade fair');
  assert.equal(ev.isAllDay, true);
  assert.equal(ev.start.dateTime.slice(0, 10), day);
  assert.equal(ev.end.dateTime.slice(0, 10), addDays(day, 2));
  assert.match(ev.start.dateTime, /T00:00:00/);
});

test('an all-day event made in Outlook is an all-day appointment on the same day in SuperOffice', async () => {
  const day = dateAhead(15);
  await sb.outlookEdit.create(ADA, { subject: 'Company day', isAllDay: true, start: { dateTime: `${day}T00:00:00`, timeZone: 'UTC' }, end: { dateTime: `${addDays(day, 1)}T00:00:00`, timeZone: 'UTC' } });
  const appt = await inSuperOffice('Company day');
  assert.equal(appt.IsAlldayEvent, true);
  // As SuperOffice's users see it, on its own clock: midnight to midnight of that day.
  assert.deepEqual(await sb.tenantClock(appt.AppointmentId), { StartDate: `${day}T00:00:00`, EndDate: `${addDays(day, 1)}T00:00:00`, IsAlldayEvent: true });
});

test('a private all-day event made in Outlook stays private and all-day through a round of edits', async () => {
  const day = dateAhead(16);
  const ev = await sb.outlookEdit.create(ADA, { subject: 'Holiday', isAllDay: true, sensitivity: 'private', start: { dateTime: `${day}T00:00:00`, timeZone: 'UTC' }, end: { dateTime: `${addDays(day, 3)}T00:00:00`, timeZone: 'UTC' } });
  const appt = await inSuperOffice('Holiday');
  assert.equal(appt.IsAlldayEvent, true);
  assert.equal(appt.Private, 'PrivateUser');
  await sb.quiet();
  await sb.so.update(ADA, appt.AppointmentId, { Title: 'Holiday (Crete)' });
  const renamed = await sb.eventually('the new title in Outlook', async () => (await sb.outlook(ADA)).find((e) => e.id === ev.id && e.subject === 'Holiday (Crete)'));
  assert.equal(renamed.isAllDay, true);
  assert.equal(renamed.sensitivity, 'private');
  assert.equal(renamed.start.dateTime.slice(0, 10), day);
  assert.equal(renamed.end.dateTime.slice(0, 10), addDays(day, 3));
});
