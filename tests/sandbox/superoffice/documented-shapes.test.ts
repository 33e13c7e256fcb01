// The simulator's carriers have the field sets of SuperOffice's reference pages (issue 12, 7), and
// @superoffice/webapi still reads them. Field lists transcribed from:
// - AppointmentEntityWithLinks: docs/en/api/reference/restful/rest/Appointment/v1AppointmentEntity_GetAppointmentEntity.md
// - Webhook: docs/en/api/reference/restful/agent/Webhook_Agent/v1WebhookAgent_GetWebhook.md
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AppointmentAgent, AppointmentExternalOwner, AppointmentRestApi, WebhookAgent } from '@superoffice/webapi';
import { CTX, USER, startHarness, type Harness } from './api-harness.ts';
import { startReceiver, type Receiver } from './webhook-receiver.ts';

const APPOINTMENT_FIELDS = [
  'Associate', 'Contact', 'CreatedBy', 'UpdatedBy', 'CreatedDate', 'AppointmentId', 'Description', 'Title', 'Agenda',
  'InternalNotes', 'StartDate', 'EndDate', 'InvitedPerson', 'Person', 'MotherId', 'Priority', 'Private', 'Project', 'Type',
  'UpdatedDate', 'Completed', 'ActiveLinks', 'Links', 'AlarmLeadTime', 'HasAlarm', 'ColorIndex', 'IsFree', 'IsAlldayEvent',
  'LagTime', 'LeadTime', 'Location', 'RejectCounter', 'RejectReason', 'Recurrence', 'Participants', 'AssignmentStatus',
  'InvitationStatus', 'BookingType', 'ActiveDate', 'HasConflict', 'AssignedBy', 'MotherAssociate', 'Task',
  'PreferredTZLocation', 'PreferredTZLocationData', 'Sale', 'SuggestedAppointmentId', 'IsMileStone', 'CautionWarning',
  'OwnedExternally', 'JoinVideomeetUrl', 'CentralserviceVideomeetId', 'UserDefinedFields', 'ExtraFields', 'CustomFields',
  'PublishEventDate', 'PublishTo', 'PublishFrom', 'IsPublished', 'VisibleFor', 'TableRight', 'FieldProperties', '_Links',
];
const PARTICIPANT_FIELDS = ['AssociateId', 'PersonId', 'ContactId', 'EmailId', 'SendEmail', 'InvitationStatus', 'EmailAddress', 'Description'];
const WEBHOOK_FIELDS = [
  'WebhookId', 'Name', 'Events', 'TargetUrl', 'Secret', 'State', 'Type', 'Headers', 'Properties', 'Registered',
  'RegisteredAssociate', 'Updated', 'UpdatedAssociate', 'ErrorsEmail',
];

let h: Harness;
let rx: Receiver;
before(async () => {
  h = await startHarness();
  rx = await startReceiver();
});
after(async () => {
  await h.control.idle();
  await rx.close();
  await h.close();
});

const sorted = (xs: string[]) => [...xs].sort();
const tz = { timezone: 'UTC', timezoneInclude: true };

test('AppointmentEntity has exactly the documented fields, participants included, and the SDK reads them', async () => {
  const [id] = h.control.seedAppointments(CTX, [{
    Associate: { AssociateId: USER }, StartDate: '2025-03-03T09:00:00Z', EndDate: '2025-03-03T10:00:00Z', Title: 'shapes',
    Participants: [{ PersonId: 100 }],
  }]);
  for (const path of [`v1/Appointment/${id}`, 'v1/Appointment/default']) {
    const got = await h.raw('GET', path);
    assert.equal(got.status, 200, path);
    const body = got.body as Record<string, unknown>;
    assert.deepEqual(sorted(Object.keys(body)), sorted(APPOINTMENT_FIELDS), path);
    const participants = body.Participants as Array<Record<string, unknown>>;
    assert.ok(participants.length > 0);
    for (const p of participants) assert.deepEqual(sorted(Object.keys(p)), sorted(PARTICIPANT_FIELDS), path);
    assert.equal(body.OwnedExternally, 'None');
    assert.equal(body.PreferredTZLocationData, null);
    assert.deepEqual([body.UserDefinedFields, body.ExtraFields], [{}, {}]);
    assert.deepEqual([body.PublishEventDate, body.PublishTo, body.PublishFrom], ['0001-01-01T00:00:00', '0001-01-01T00:00:00', '0001-01-01T00:00:00']);
  }

  const rest = await new AppointmentRestApi(h.baseUrl, h.cfg()).getByIdAsync(id!, tz);
  assert.equal(rest.ownedExternally, AppointmentExternalOwner.None);
  assert.equal(rest.preferredTZLocationData, null);
  assert.deepEqual(rest.userDefinedFields, {});
  assert.equal(rest.participants?.length, 2);
  assert.deepEqual(rest.participants?.map((p) => p.description), ['', '']);
  // An entity read with the new fields saves back unchanged.
  const agent = new AppointmentAgent(h.baseUrl, h.cfg());
  const saved = await agent.saveAppointmentEntityAsync({ ...rest, title: 'shapes 2' }, tz);
  assert.equal(saved.title, 'shapes 2');
  assert.equal(saved.startDate?.toISOString(), '2025-03-03T09:00:00.000Z');
});

test('Webhook has exactly the documented fields, ErrorsEmail kept; counters and the last error are not on it', async () => {
  const hooks = () => new WebhookAgent(h.baseUrl, h.cfg());
  const blank = await h.raw('POST', 'v1/Agents/Webhook/CreateDefaultWebhook');
  assert.deepEqual(sorted(Object.keys(blank.body as object)), sorted(WEBHOOK_FIELDS));
  const saved = await hooks().saveWebhookAsync({
    name: 'shapes', events: ['activity.created'], targetUrl: rx.url, secret: 's', state: 'Active', type: 'webhook',
    errorsEmail: 'ops@example.com',
  } as never);
  assert.equal(saved.errorsEmail, 'ops@example.com');
  for (const [method, path] of [['GET', `v1/Webhook/${saved.webhookId}`], ['GET', 'v1/Webhook'], ['POST', `v1/Agents/Webhook/GetWebhook?webhookId=${saved.webhookId}`]] as const) {
    const got = await h.raw(method, path);
    const body = (Array.isArray(got.body) ? got.body[0] : got.body) as Record<string, unknown>;
    assert.deepEqual(sorted(Object.keys(body)), sorted(WEBHOOK_FIELDS), path);
    assert.equal(body.ErrorsEmail, 'ops@example.com', path);
  }
  assert.equal((await hooks().getWebhookAsync(saved.webhookId!)).errorsEmail, 'ops@example.com');
  await hooks().deleteWebhookAsync(saved.webhookId!);
});
