// Microsoft 365 end to end, as a newcomer's `npm start` runs it: a real sandbox process on a real
// database. At start it installs the demo tenant, connects the Microsoft 365 profile through the
// admin-consent flow and links the demo users; from then on the sync runs by itself. The test acts
// only as people do: edits in SuperOffice (the simulator's control API, which sends the webhooks)
// and in Outlook (the Graph simulator's control API, which sends the notifications).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADA, dateAhead, startSandbox, type Sandbox } from './harness.ts';

// Relative dates: the link's window is 30 days back and 180 ahead of today.
const D1 = dateAhead(13);
const D2 = dateAhead(14);
const D3 = dateAhead(15);
const FAIR_END = dateAhead(17); // the all-day fair: D3 and the day after

let sb: Sandbox;

before(async () => {
  // The start-up connects Microsoft 365 and links Ada and Daniel; each link gets a subscription.
  sb = await startSandbox();
});

after(async () => {
  await sb?.stop();
});

const outlook = () => sb.outlook(ADA);
const diary = () => sb.diary(ADA);

test('at start the demo diaries are in the linked users\' Outlook calendars, by themselves', async () => {
  const appointments = await diary();
  assert.ok(appointments.length > 0, 'the demo tenant has appointments for Ada');
  const events = await sb.eventually('Ada\'s demo appointments in Outlook', async () => {
    const e = await outlook();
    return e.length >= appointments.length ? e : undefined;
  });
  for (const a of appointments) assert.ok(events.some((e) => e.subject === a.Title), `"${a.Title}" is in Outlook`);
});

test('an appointment created in SuperOffice appears in Outlook; moved there, it moves back in SuperOffice', async () => {
  const created = await sb.so.create(ADA, { Title: 'Supplier visit', StartDate: `${D1}T09:00:00Z`, EndDate: `${D1}T10:00:00Z`, Location: 'Lobby' });
  const ev = await sb.eventually('the event in Outlook', async () => (await outlook()).find((e) => e.subject === 'Supplier visit'));
  assert.equal(ev.location?.displayName, 'Lobby');
  await sb.outlookEdit.update(ADA, ev.id, {
    start: { dateTime: `${D1}T13:00:00`, timeZone: 'UTC' }, end: { dateTime: `${D1}T14:00:00`, timeZone: 'UTC' }, location: { displayName: 'Meeting room 2' },
  });
  const moved = await sb.eventually('the move in SuperOffice', async () => {
    const a = (await diary()).find((x) => x.AppointmentId === created.AppointmentId);
    return a && Date.parse(a.StartDate) === Date.parse(`${D1}T13:00:00Z`) ? a : undefined;
  });
  assert.equal(moved.Location, 'Meeting room 2');
});

test('an event created in Outlook appears in SuperOffice; deleted in Outlook, it goes from SuperOffice too', async () => {
  const ev = await sb.outlookEdit.create(ADA, {
    subject: 'Dentist', start: { dateTime: `${D2}T07:00:00`, timeZone: 'UTC' }, end: { dateTime: `${D2}T08:00:00`, timeZone: 'UTC' }, sensitivity: 'private',
  });
  const appt = await sb.eventually('the appointment in SuperOffice', async () => (await diary()).find((a) => a.Title === 'Dentist'));
  await sb.outlookEdit.remove(ADA, ev.id);
  await sb.eventually('the appointment gone from SuperOffice', async () => ((await diary()).some((a) => a.AppointmentId === appt.AppointmentId) ? undefined : true));
});

test('an all-day appointment deleted in SuperOffice is deleted in Outlook', async () => {
  const created = await sb.so.create(ADA, { Title: 'Trade fair', StartDate: `${D3}T00:00:00`, EndDate: `${FAIR_END}T00:00:00`, IsAlldayEvent: true });
  const ev = await sb.eventually('the all-day event in Outlook', async () => (await outlook()).find((e) => e.subject === 'Trade fair'));
  assert.equal(ev.isAllDay, true);
  await sb.so.remove(ADA, created.AppointmentId);
  await sb.eventually('the event gone from Outlook', async () => ((await outlook()).some((e) => e.subject === 'Trade fair') ? undefined : true));
});
