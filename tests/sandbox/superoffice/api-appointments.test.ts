// The simulated Appointment REST and agent endpoints, driven through @superoffice/webapi unchanged
// but for base URL and TLS trust, with a fresh config object per agent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AppointmentAgent, AppointmentRestApi } from '@superoffice/webapi';
import { ADMIN, USER, failure, startHarness, type Harness } from './api-harness.ts';

let h: Harness;
let clock = Date.parse('2025-03-03T08:00:00Z');
const tz = { timezone: 'UTC', timezoneInclude: true };

before(async () => {
  h = await startHarness({ now: () => new Date(clock) });
});
after(() => h.close());

const rest = () => new AppointmentRestApi(h.baseUrl, h.cfg());
const agent = () => new AppointmentAgent(h.baseUrl, h.cfg());

test('REST: default, create, get, put, patch and delete round-trip through the SDK', async () => {
  const def = await rest().getDefaultAsync(tz);
  assert.equal(def.appointmentId, 0);
  assert.equal(def.associate!.associateId, ADMIN);
  def.startDate = new Date('2025-03-10T09:00:00Z');
  def.endDate = new Date('2025-03-10T10:30:00Z');
  def.description = 'Kick-off';
  def.location = 'Room 1';
  def.hasAlarm = true;
  def.participants = [{ personId: 100 } as never];
  const created = await rest().postAsync(def, tz);
  assert.ok(created.appointmentId! > 0);
  assert.equal(created.startDate!.toISOString(), '2025-03-10T09:00:00.000Z');
  assert.equal(created.endDate!.toISOString(), '2025-03-10T10:30:00.000Z');
  assert.equal(created.description, 'Kick-off');
  assert.equal(created.updatedDate!.getUTCFullYear(), 1, 'UpdatedDate stays 0001-01-01 until the first update');
  assert.equal(created.createdDate!.toISOString(), new Date(clock).toISOString());
  assert.deepEqual(created.participants!.map((p) => [p.associateId, p.personId, p.emailAddress]), [
    [ADMIN, 50, 'ada@cust12345.example'],
    [0, 100, 'paula@customer.example'],
  ]);

  clock += 60_000;
  const got = await rest().getByIdAsync(created.appointmentId!, tz);
  got.location = 'Room 2';
  const put = await rest().putByIdAsync(created.appointmentId!, got, tz);
  assert.equal(put.location, 'Room 2');
  assert.equal(put.updatedDate!.toISOString(), new Date(clock).toISOString());
  assert.equal(put.description, 'Kick-off');

  clock += 60_000;
  const patched = await rest().patchByIdAsync(created.appointmentId!, { description: 'Kick-off, moved' } as never, tz);
  assert.equal(patched.description, 'Kick-off, moved');
  const ops = await rest().patchByIdAsync(created.appointmentId!, [{ op: 'replace', path: '/Location', value: 'Room 3' }] as never, tz);
  assert.equal(ops.location, 'Room 3');

  await rest().deleteByIdAsync(created.appointmentId!);
  const gone = await failure(rest().getByIdAsync(created.appointmentId!));
  assert.equal(gone.status, 404);
  assert.equal(gone.data.Error, true);
  assert.equal(typeof gone.data.ErrorType, 'string');
  assert.match(String(gone.data.Message), /not found/);
});

test('REST: If-Unmodified-Since older than Updated gives 412; If-Modified-Since gives 304', async () => {
  const created = await rest().postAsync({ startDate: new Date('2025-04-01T10:00:00Z'), endDate: new Date('2025-04-01T11:00:00Z') } as never, tz);
  const seenAt = new Date(clock);
  clock += 5_000;
  await rest().patchByIdAsync(created.appointmentId!, { location: 'changed by someone else' } as never);
  const stale = await failure(rest().putByIdAsync(created.appointmentId!, { ...created, location: 'mine' }, { ...tz, ifUnmodifiedSince: seenAt }));
  assert.equal(stale.status, 412);
  assert.equal(stale.data.Error, true);
  const fresh = await rest().putByIdAsync(created.appointmentId!, { ...created, location: 'mine' }, { ...tz, ifUnmodifiedSince: new Date(clock) });
  assert.equal(fresh.location, 'mine');

  assert.equal(await rest().getByIdAsync(created.appointmentId!, { ...tz, ifModifiedSince: new Date(clock) }), null);
  const changed = await rest().getByIdAsync(created.appointmentId!, { ...tz, ifModifiedSince: new Date(clock - 10_000) });
  assert.equal(changed.location, 'mine');
});

test('Agents: create from default, get, save, delete; missing entities are null', async () => {
  const def = await agent().createDefaultAppointmentEntityAsync(tz);
  def.startDate = new Date('2025-05-05T12:00:00Z');
  def.endDate = new Date('2025-05-05T12:30:00Z');
  def.alarmLeadTime = 'PT15M' as never;
  def.associate = { associateId: USER } as never;
  const saved = await agent().saveAppointmentEntityAsync(def, tz);
  assert.equal(saved.associate!.associateId, USER);
  const fetched = await agent().getAppointmentEntityAsync(saved.appointmentId!, tz);
  assert.equal(fetched.startDate!.toISOString(), '2025-05-05T12:00:00.000Z');
  assert.equal(fetched.alarmLeadTime!.asMinutes(), 15);
  fetched.description = 'via agent';
  clock += 1000;
  const resaved = await agent().saveAppointmentEntityAsync(fetched, tz);
  assert.equal(resaved.description, 'via agent');
  assert.equal(resaved.updatedDate!.toISOString(), new Date(clock).toISOString());
  await agent().deleteAppointmentEntityAsync(saved.appointmentId!);
  assert.equal(await agent().getAppointmentEntityAsync(saved.appointmentId!), null);
});

test('wire format: PascalCase out, enum names, TimeSpans, SO-TimeZone offsets; lenient input', async () => {
  const r = await h.raw('POST', 'v1/Appointment', {
    startdate: '2025-06-01T09:00:00+02:00', ENDDATE: '2025-06-01T08:00:00Z', Type: 1, private: 'PrivateUser',
    alarmLeadTime: '00:10:00', leadTime: 'P0D', task: { taskListItemId: 3 },
  }, { 'SO-TimeZone': 'UTC,includeTZOffset' });
  assert.equal(r.status, 201);
  const e = r.body as Record<string, unknown>;
  assert.equal(e.StartDate, '2025-06-01T07:00:00Z');
  assert.equal(e.EndDate, '2025-06-01T08:00:00Z');
  assert.equal(e.Type, 'inDiary');
  assert.equal(e.Private, 'PrivateUser');
  assert.equal(e.AlarmLeadTime, '00:10:00');
  assert.equal(e.UpdatedDate, '0001-01-01T00:00:00Z');
  assert.equal((e.Task as Record<string, unknown>).TaskListItemId, 3);
  const id = e.AppointmentId as number;
  const oslo = await h.raw('GET', `v1/Appointment/${id}`, undefined, { 'SO-TimeZone': 'NO,includeTZOffset' });
  assert.equal((oslo.body as Record<string, unknown>).StartDate, '2025-06-01T09:00:00+02:00');
  const plain = await h.raw('GET', `v1/Appointment/${id}`);
  assert.equal((plain.body as Record<string, unknown>).StartDate, '2025-06-01T07:00:00', 'no header: base-zone time, no offset');
  // Without an offset, an inbound date is wall time in the SO-TimeZone zone.
  const local = await h.raw('PATCH', `v1/Appointment/${id}`, { StartDate: '2025-06-01T10:00:00' }, { 'SO-TimeZone': 'NO' });
  assert.equal((local.body as Record<string, unknown>).StartDate, '2025-06-01T10:00:00');
  const back = await h.raw('GET', `v1/Appointment/${id}`);
  assert.equal((back.body as Record<string, unknown>).StartDate, '2025-06-01T08:00:00');

  const bad = await h.raw('POST', 'v1/Appointment', '{"StartDate": ');
  assert.equal(bad.status, 400);
  assert.equal((bad.body as Record<string, unknown>).Error, true);
  const badEnd = await h.raw('POST', 'v1/Appointment', { StartDate: '2025-06-01T10:00:00Z', EndDate: '2025-06-01T09:00:00Z' });
  assert.equal(badEnd.status, 400);
  assert.equal((badEnd.body as Record<string, unknown>).ErrorType, 'ArgumentException');
  const noAuth = await h.raw('GET', `v1/Appointment/${id}`, undefined, { Authorization: 'SOTicket nope' });
  assert.equal(noAuth.status, 401);
});

test('recurrence: one row per occurrence sharing a rule; UpdateMode on save and delete', async () => {
  const def = await agent().createDefaultAppointmentEntityAsync(tz);
  def.startDate = new Date('2025-07-07T09:00:00Z'); // a Monday
  def.endDate = new Date('2025-07-07T09:15:00Z');
  def.description = 'Stand-up';
  def.recurrence = {
    isRecurrence: true, pattern: 'Weekly', recurrenceEndType: 'Counter', recurrenceCounter: 4,
    startDate: new Date('2025-07-07T00:00:00Z'), weekPattern: { cycle: 1, weekdays: 1 | 4 }, // Monday, Wednesday
  } as never;
  const first = await agent().saveAppointmentEntityAsync(def, tz);
  const ruleId = first.recurrence!.recurrenceId!;
  assert.ok(ruleId > 0);
  assert.equal(first.recurrence!.isRecurrence, true);
  const days = first.recurrence!.dates!.map((d) => d.date!.toISOString().slice(0, 10));
  assert.deepEqual(days, ['2025-07-07', '2025-07-09', '2025-07-14', '2025-07-16']);

  const rows = h.control.appointments('Cust12345').filter((a) => (a.Recurrence as { RecurrenceId: number }).RecurrenceId === ruleId);
  assert.equal(rows.length, 4);
  const ids = rows.map((a) => a.AppointmentId as number);

  // ThisAndForward from the 2nd occurrence: it and all later ones move by an hour and change text.
  const second = await agent().getAppointmentEntityAsync(ids[1]!, tz);
  second.startDate = new Date('2025-07-09T10:00:00Z');
  second.endDate = new Date('2025-07-09T10:15:00Z');
  second.description = 'Stand-up (later)';
  await agent().saveAsync({ appointmentEntity: second, updateMode: 'ThisAndForward' as never, sendEmailToParticipants: false } as never, tz);
  const after = await Promise.all(ids.map((id) => agent().getAppointmentEntityAsync(id, tz)));
  assert.deepEqual(after.map((a) => [a.startDate!.toISOString().slice(11, 16), a.description]), [
    ['09:00', 'Stand-up'], ['10:00', 'Stand-up (later)'], ['10:00', 'Stand-up (later)'], ['10:00', 'Stand-up (later)'],
  ]);

  // OnlyThis touches one row.
  const third = after[2]!;
  third.location = 'Kitchen';
  await agent().saveAsync({ appointmentEntity: third, updateMode: 'OnlyThis' as never, sendEmailToParticipants: false } as never, tz);
  assert.equal((await agent().getAppointmentEntityAsync(ids[3]!, tz)).location, '');

  // Delete ThisAndForward from the 3rd: only the first two remain.
  await agent().deleteAsync({ appointmentId: ids[2]!, updateMode: 'ThisAndForward' as never, sendEmailToParticipants: false } as never);
  const left = await Promise.all(ids.map((id) => agent().getAppointmentEntityAsync(id)));
  assert.deepEqual(left.map((a) => a !== null), [true, true, false, false]);
});
