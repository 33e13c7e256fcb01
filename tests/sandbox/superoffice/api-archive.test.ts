// FindAppointment (agent and REST forms) and the ForeignSystem agent, through @superoffice/webapi.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ArchiveAgent, ForeignSystemAgent } from '@superoffice/webapi';
import type { ArchiveDateMode } from '../../../sandbox/superoffice/api/archive-restrictions.ts';
import { ADMIN, CTX, USER, startHarness, type Harness } from './api-harness.ts';

let h: Harness;
let clock = Date.parse('2025-01-01T12:00:00Z');
const ids: number[] = [];
// The tests of paging and encoding read dates to the millisecond (the `precise` setting); the
// documented date-only meaning, the default, has its own test below.
let archiveDates: ArchiveDateMode = 'precise';

before(async () => {
  h = await startHarness({ now: () => new Date(clock), archiveDates: () => archiveDates });
  // Seven appointments for USER, one for ADMIN, all registered at 12:00.
  ids.push(...h.control.seedAppointments(CTX, Array.from({ length: 8 }, (_, i) => ({
    Associate: { AssociateId: i === 7 ? ADMIN : USER },
    StartDate: `2025-02-0${i + 1}T09:00:00Z`, EndDate: `2025-02-0${i + 1}T10:00:00Z`, Description: `a${i}`,
  }))));
});
after(() => h.close());

const archive = () => new ArchiveAgent(h.baseUrl, h.cfg());
const keys = () => new ForeignSystemAgent(h.baseUrl, h.cfg());

test('GetArchiveListByColumns2: updatedDate afterTime, paged by primary key, encoded ColumnData', async () => {
  const watermark = new Date(clock).toISOString();
  clock += 60_000;
  // Change five of USER's appointments after the watermark, in reverse id order.
  for (const id of [ids[6]!, ids[4]!, ids[3]!, ids[1]!, ids[0]!]) {
    h.control.editAsUser(CTX, USER, { op: 'update', appointmentId: id, changes: { Location: 'moved' } });
  }
  h.control.editAsUser(CTX, ADMIN, { op: 'update', appointmentId: ids[7]!, changes: { Location: 'moved' } });
  const restrictions = `associateId = ${USER} and updatedDate afterTime '${watermark}'`;
  const page = (n: number) => archive().getArchiveListByColumns2Async({
    providerName: 'FindAppointment', columns: 'appointmentId,associateId,date,updatedDate,registeredDate,recurrenceRuleId',
    sortOrder: 'appointmentId', restrictions, entities: 'appointment', page: n, pageSize: 2,
  }, { timezone: 'UTC', timezoneInclude: true });
  const pages = [await page(0), await page(1), await page(2), await page(3)];
  assert.deepEqual(pages.map((p) => p.map((r) => r.primaryKey)), [[ids[0], ids[1]], [ids[3], ids[4]], [ids[6]], []]);
  const row = pages[0]![0]!;
  assert.equal(row.entityName, 'appointment');
  assert.equal(row.columnData!.appointmentId!.displayValue, `[I:${ids[0]}]`);
  assert.equal(row.columnData!.associateId!.displayValue, `[I:${USER}]`);
  assert.equal(row.columnData!.date!.displayValue, '[DT:02/01/2025 09:00:00.0000000]');
  assert.equal(row.columnData!.updatedDate!.displayValue, '[DT:01/01/2025 12:01:00.0000000]');

  // Never-updated rows have updatedDate 0001-01-01, so new rows need registeredDate.
  clock += 60_000;
  const since = new Date(clock - 1000).toISOString();
  const fresh = h.control.editAsUser(CTX, USER, { op: 'create', appointment: { StartDate: '2025-03-01T09:00:00Z', EndDate: '2025-03-01T10:00:00Z' } });
  const byUpdated = await archive().getArchiveListByColumns2Async('FindAppointment', 'appointmentId', 'appointmentId', `updatedDate afterTime '${since}'`, 'appointment', 0, 50);
  assert.deepEqual(byUpdated.map((r) => r.primaryKey), []);
  const byRegistered = await archive().getArchiveListByColumns2Async('FindAppointment', 'appointmentId', 'appointmentId', `registeredDate afterTime '${since}'`, 'appointment', 0, 50);
  assert.deepEqual(byRegistered.map((r) => r.primaryKey), [fresh!.AppointmentId]);
});

test('restrictions: eq, between, oneOf; a bad restriction is a 400 error body', async () => {
  const list = (restrictions: string) =>
    archive().getArchiveListByColumns2Async('FindAppointment', 'appointmentId', '', restrictions, 'appointment', 0, 100).then((r) => r.map((x) => x.primaryKey));
  assert.deepEqual(await list(`appointmentId eq ${ids[2]}`), [ids[2]]);
  assert.deepEqual(await list(`date between ('2025-02-02T00:00:00Z', '2025-02-03T23:59:59Z') and associateId = ${USER}`), [ids[1], ids[2]]);
  assert.deepEqual(await list(`appointmentId oneOf (${ids[5]}, ${ids[7]})`), [ids[5], ids[7]]);
  const bad = await h.raw('POST', 'v1/Agents/Archive/GetArchiveListByColumns2', { ProviderName: 'FindAppointment', Columns: 'nope', Restrictions: '', Page: 0, PageSize: 10 });
  assert.equal(bad.status, 400);
  assert.equal((bad.body as { Error: boolean }).Error, true);
});

test('GET archive/FindAppointment: OData rows with ISO dates and a nextLink while more rows remain', async () => {
  const q = `$select=appointmentId,date,updatedDate&$filter=associateId eq ${USER}&$orderBy=appointmentId&$top=3`;
  const first = await h.raw('GET', `v1/archive/FindAppointment?${q}`, undefined, { 'SO-TimeZone': 'UTC,includeTZOffset' });
  assert.equal(first.status, 200);
  const body = first.body as { value: Record<string, unknown>[]; 'odata.nextLink'?: string };
  assert.deepEqual(body.value.map((v) => v.PrimaryKey), [ids[0], ids[1], ids[2]]);
  assert.equal(body.value[0]!.date, '2025-02-01T09:00:00Z');
  assert.equal(body.value[0]!.EntityName, 'appointment');
  assert.ok(body['odata.nextLink']);
  const next = new URL(body['odata.nextLink']!);
  const second = await h.raw('GET', `v1/archive/FindAppointment${next.search}`);
  assert.deepEqual((second.body as { value: { PrimaryKey: number }[] }).value.map((v) => v.PrimaryKey), [ids[3], ids[4], ids[5]]);
});

test('ForeignSystem: save, get by key and by value, list on entity, delete', async () => {
  const id = ids[0]!;
  const base = { applicationName: 'CalendarSync', deviceName: 'graph', deviceIdentifier: 'tenant-1' };
  const saved = await keys().saveForeignKeyAsync({ ...base, foreignKey: { key: 'eventId', value: 'AAMk-1', recordId: id, tableName: 'appointment' } });
  assert.equal(saved.value, 'AAMk-1');
  // Saving again replaces rather than adds.
  await keys().saveForeignKeyAsync({ ...base, foreignKey: { key: 'eventId', value: 'AAMk-2', recordId: id, tableName: 'appointment' } });
  const got = await keys().getKeyAsync({ applicationName: 'CalendarSync', deviceName: 'graph', keyName: 'eventId', tableName: 'appointment', recordId: id });
  assert.equal(got.value, 'AAMk-2');
  assert.equal(got.recordId, id);
  const byValue = await keys().getKeyByValueAsync({ applicationName: 'CalendarSync', deviceName: 'graph', keyName: 'eventId', keyValue: 'AAMk-2', tableName: 'appointment' });
  assert.equal(byValue.recordId, id);
  assert.equal(await keys().getKeyByValueAsync({ applicationName: 'CalendarSync', deviceName: 'graph', keyName: 'eventId', keyValue: 'AAMk-1', tableName: 'appointment' }), null);
  assert.deepEqual(await keys().getAllForeignKeysOnEntityAsync({ entityType: 'appointment', entityId: id }), { eventId: 'AAMk-2' });
  const rest = await h.raw('GET', `v1/Appointment/${id}/ForeignKey`);
  assert.deepEqual(rest.body, { eventId: 'AAMk-2' });
  await keys().deleteForeignKeyAsync({ ...base, foreignKey: { key: 'eventId' }, tableName: 'appointment', recordId: id } as never);
  assert.equal(await keys().getKeyAsync({ applicationName: 'CalendarSync', deviceName: 'graph', keyName: 'eventId', tableName: 'appointment', recordId: id }), null);
});

test('date-typed columns by default use only the date part, in the tenant\'s zone; afterTime is after-or-equal; values need the documented format', async () => {
  archiveDates = 'date-only';
  try {
    const list = (restrictions: string) =>
      archive().getArchiveListByColumns2Async('FindAppointment', 'appointmentId', '', restrictions, 'appointment', 0, 100).then((r) => r.map((x) => x.primaryKey));
    // Every row was registered on 2025-01-01 (UTC, the tenant's zone here), at 12:00 or later.
    const all = await list(`associateId = ${USER}`);
    assert.ok(all.length > 0);
    assert.deepEqual(await list(`associateId = ${USER} and registeredDate afterTime '2025-01-01T23:59:59'`), all, 'the time is not used: the same day is after-or-equal');
    assert.deepEqual(await list(`associateId = ${USER} and registeredDate afterTime '2025-01-02T00:00:00'`), []);
    assert.deepEqual(await list(`associateId = ${USER} and registeredDate beforeTime '2025-01-01T23:59:59'`), [], 'before the day, not the time');
    assert.deepEqual(await list(`date afterTime '2025-02-02T23:00:00' and date beforeTime '2025-02-04T00:00:00' and associateId = ${USER}`), [ids[1], ids[2]]);
    // Not the documented yyyy-MM-ddThh:mm:ss: a fraction or an offset is refused.
    for (const v of ['2025-01-01T12:00:00.000', '2025-01-01T12:00:00Z', '2025-01-01T12:00:00+01:00']) {
      const bad = await h.raw('POST', 'v1/Agents/Archive/GetArchiveListByColumns2', { ProviderName: 'FindAppointment', Columns: 'appointmentId', Restrictions: `updatedDate afterTime '${v}'`, Page: 0, PageSize: 10 });
      assert.equal(bad.status, 400, v);
    }
    // The date is the tenant's: 23:30 UTC on 2 February is already 3 February in Oslo.
    h.control.seedAppointments(CTX, [{ Associate: { AssociateId: ADMIN }, StartDate: '2025-02-02T23:30:00Z', EndDate: '2025-02-03T00:30:00Z', Description: 'late' }]);
    const onThe = (day: string) => list(`associateId = ${ADMIN} and text is 'late' and date date '${day}T00:00:00'`);
    assert.equal((await onThe('2025-02-02')).length, 1, 'in a UTC tenant the late one is on the 2nd');
    h.control.setBaseTimeZone(CTX, 'Europe/Oslo');
    assert.equal((await onThe('2025-02-02')).length, 0);
    assert.equal((await onThe('2025-02-03')).length, 1, 'in an Oslo tenant it is on the 3rd');
  } finally {
    h.control.setBaseTimeZone(CTX, 'UTC');
    archiveDates = 'precise';
  }
});
