// The tenant's users, persons and activity types as the simulator answers them, through
// @superoffice/webapi: the AllUsers and SimplePerson archives (agent and REST forms, restrictions
// joined by or and parentheses), Associate/GetAssociateList and List/GetAllTasks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ArchiveAgent, AssociateAgent, ListAgent, TaskType, UserType } from '@superoffice/webapi';
import { ADMIN, USER, startHarness, type Harness } from './api-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const archive = () => new ArchiveAgent(h.baseUrl, h.cfg());
const persons = (restrictions: string) =>
  archive().getArchiveListByColumns2Async('SimplePerson', 'personId', 'personId', restrictions, 'person', 0, 50).then((r) => r.map((x) => x.primaryKey));

test('AllUsers: one row per user, keyed by associate id, with the person and e-mail address, paged', async () => {
  const page = (n: number) =>
    archive().getArchiveListByColumns2Async('AllUsers', 'associateDbId,personId,contactId,fullName,personEmail', 'associateDbId', 'personId > 0', 'all', n, 2);
  const pages = [await page(0), await page(1), await page(2)];
  assert.deepEqual(pages.map((p) => p.map((r) => r.primaryKey)), [[ADMIN, USER], [7], []]);
  const ada = pages[0]![0]!;
  assert.equal(ada.entityName, 'associate');
  assert.equal(ada.columnData!.associateDbId!.displayValue, `[I:${ADMIN}]`);
  assert.equal(ada.columnData!.personId!.displayValue, '[I:50]');
  assert.equal(ada.columnData!.fullName!.displayValue, 'Ada Admin');
  assert.equal(ada.columnData!.personEmail!.displayValue, 'ada@cust12345.example');
  const ulf = await archive().getArchiveListByColumns2Async('AllUsers', 'associateDbId', '', 'personEmail is \'ULF@cust12345.example\'', 'all', 0, 10);
  assert.deepEqual(ulf.map((r) => r.primaryKey), [USER]);
});

test('SimplePerson by e-mail address: is (any case), or, parentheses binding before and', async () => {
  assert.deepEqual(await persons("email/emailAddress is 'PAULA@customer.example'"), [100]);
  assert.deepEqual(await persons("email/emailAddress is 'nobody@nowhere.example' or email/emailAddress is 'paula@customer.example'"), [100]);
  assert.deepEqual(await persons("(email/emailAddress is 'nobody@nowhere.example' or personId = 100) and contactId = 10"), [100]);
  assert.deepEqual(await persons("(email/emailAddress is 'paula@customer.example' or personId = 100) and contactId = 11"), []);
  assert.deepEqual(await persons("email/emailAddress isNot 'paula@customer.example'"), []);
  const row = (await archive().getArchiveListByColumns2Async('SimplePerson', 'personId,contactId,fullName,email/emailAddress', '', "email/emailAddress begins 'paula'", 'person', 0, 10))[0]!;
  assert.equal(row.entityName, 'person');
  assert.equal(row.columnData!['email/emailAddress']!.displayValue, 'paula@customer.example');
  assert.equal(row.columnData!.contactId!.displayValue, '[I:10]');
  for (const bad of ["email/emailAddress is 'x' or", "(personId = 100", 'phone = 1']) {
    const res = await h.raw('POST', 'v1/Agents/Archive/GetArchiveListByColumns2', { ProviderName: 'SimplePerson', Columns: 'personId', Restrictions: bad, Page: 0, PageSize: 10 });
    assert.equal(res.status, 400, bad);
    assert.equal((res.body as { Error: boolean }).Error, true);
  }
});

test('GET archive/{provider}: the REST form of the same archives, plain values', async () => {
  const res = await h.raw('GET', "v1/archive/SimplePerson?$select=personId,fullName&$filter=email/emailAddress is 'paula@customer.example'");
  assert.equal(res.status, 200);
  assert.deepEqual((res.body as { value: unknown[] }).value, [{ PrimaryKey: 100, EntityName: 'person', personId: 100, fullName: 'Paula Customer' }]);
  const users = await h.raw('GET', 'v1/archive/AllUsers?$select=associateDbId&$top=10');
  assert.deepEqual((users.body as { value: { PrimaryKey: number }[] }).value.map((v) => v.PrimaryKey), [ADMIN, USER, 7]);
  assert.equal((await h.raw('GET', 'v1/archive/NoSuchProvider')).status, 400);
});

test('Associate/GetAssociateList: the carriers of known ids, with their type', async () => {
  const list = await new AssociateAgent(h.baseUrl, h.cfg()).getAssociateListAsync([USER, ADMIN, 999]);
  assert.deepEqual(list.map((a) => [a.associateId, a.personId, a.fullName, a.type]), [
    [USER, 60, 'Ulf User', UserType.InternalAssociate],
    [ADMIN, 50, 'Ada Admin', UserType.InternalAssociate],
  ]);
});

test('List/GetAllTasks: every activity type as a TaskListItem', async () => {
  const tasks = await new ListAgent(h.baseUrl, h.cfg()).getAllTasksAsync(false);
  assert.deepEqual(tasks.map((t) => [t.taskListItemId, t.value, t.type, t.deleted]), [
    [1, 'Meeting', TaskType.Appointment, false],
    [2, 'Phone call', TaskType.Phone, false],
    [3, 'Lunch', TaskType.Appointment, false],
    [4, 'Out of office', TaskType.Appointment, false],
  ]);
});
