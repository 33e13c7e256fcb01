// The body of an `activity.*` webhook (specs/superoffice.md 4.4): `Changes` names columns of the
// appointment table, `FieldValues` carries the row's non-sensitive values, `Values` the ids on delete.
// By default the bodies have exactly the fields of SuperOffice's samples
// (docs/en/automation/webhook/reference/activity-events.md): `activity.created` with FieldValues,
// `activity.changed` without, `activity.deleted` with `Changes: []` and only the ids in `Values`.
// `full` sends FieldValues on every event, as this simulator once did.
// Column names in the spec's samples are used as given (do_by, endDate, associate_id, task_idx,
// alldayEvent, recurrenceRuleId, ...); those for fields the samples do not show (title, freeBusy,
// alarm, text_id) are this simulator's best guess.
import { randomUUID } from 'node:crypto';
import type { AppointmentChange } from './appointments.ts';
import type { AppointmentRow } from './store.ts';

const COLUMNS: [keyof AppointmentRow, string][] = [
  ['associateId', 'associate_id'], ['contactId', 'contact_id'], ['personId', 'person_id'], ['projectId', 'project_id'],
  ['saleId', 'sale_id'], ['start', 'do_by'], ['end', 'endDate'], ['taskId', 'task_idx'], ['type', 'type'],
  ['private', 'private'], ['status', 'status'], ['isAllDay', 'alldayEvent'], ['isFree', 'freeBusy'],
  ['hasAlarm', 'alarm'], ['alarmLeadTime', 'alarmLeadTime'], ['leadTime', 'leadTime'], ['lagTime', 'lagTime'],
  ['location', 'location'], ['title', 'title'], ['description', 'text_id'], ['recurrenceRuleId', 'recurrenceRuleId'],
  ['motherId', 'mother_id'], ['participants', 'invitedPersonId'], ['preferredTZLocation', 'preferredTZLocation'],
  ['joinVideomeetUrl', 'joinVideomeetUrl'],
];

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function changedColumns(c: AppointmentChange): string[] {
  const { before, after } = c;
  if (c.kind === 'deleted' || !after) return ['appointment_id'];
  if (c.kind === 'created' || !before) {
    return ['appointment_id', ...COLUMNS.map(([, col]) => col), 'activeDate', 'registered', 'registered_associate_id', 'updatedCount'];
  }
  const cols = COLUMNS.filter(([k]) => !same(before[k], after[k])).map(([, col]) => col);
  if (!same(before.start, after.start)) cols.push('activeDate');
  if (!same(before.status, after.status)) cols.push('done');
  return ['appointment_id', ...cols, 'updated', 'updated_associate_id', 'updatedCount'];
}

/** Dates in FieldValues: base-zone (UTC) time with its offset, as in the spec's sample. */
function when(d: Date | null): string {
  return d ? d.toISOString().replace('Z', '+00:00') : '0001-01-01T00:00:00';
}

/** Exactly the fields the page lists as included for activity events. */
function fieldValues(row: AppointmentRow): Record<string, unknown> {
  return {
    activeDate: when(row.start), associate_id: row.associateId, contact_id: row.contactId, do_by: when(row.start),
    document_id: row.documentId, endDate: when(row.end), modified_appointment_fields: 0, mother_id: row.motherId,
    person_id: row.personId, private: row.private, project_id: row.projectId,
    sale_id: row.saleId, status: row.status, task_idx: row.taskId, type: row.type, updated: when(row.updated),
    userdef2_id: 0, userdef_id: 0,
  };
}

export type WebhookPayloadShape = 'documented' | 'full';

export interface EventBody {
  EventId: string;
  Timestamp: string;
  Changes: string[];
  Event: string;
  PrimaryKey: number;
  Entity: string;
  ContextIdentifier: string;
  ChangedByAssociateId: number;
  WebhookName: string;
  FieldValues?: Record<string, unknown>;
  Values?: Record<string, unknown>;
}

/** The event without the per-webhook parts (EventId and WebhookName are filled in per hook). */
export function activityEvent(ctx: string, c: AppointmentChange, now: Date, shape: WebhookPayloadShape = 'documented'): Omit<EventBody, 'EventId' | 'WebhookName'> {
  const row = (c.after ?? c.before)!;
  const documented = shape === 'documented';
  const body: Omit<EventBody, 'EventId' | 'WebhookName'> = {
    Timestamp: now.toISOString(),
    Changes: c.kind === 'deleted' && documented ? [] : changedColumns(c),
    Event: `activity.${c.kind}`,
    PrimaryKey: row.appointmentId,
    Entity: 'activity',
    ContextIdentifier: ctx,
    ChangedByAssociateId: c.changedBy,
  };
  if (!documented || c.kind === 'created') body.FieldValues = fieldValues(row);
  if (c.kind === 'deleted') {
    body.Values = { appointment_id: row.appointmentId, contact_id: row.contactId, person_id: row.personId, project_id: row.projectId, sale_id: row.saleId };
  }
  return body;
}

export function testEvent(ctx: string, webhookName: string, actor: number, now: Date): EventBody {
  return {
    EventId: randomUUID(), Timestamp: now.toISOString(), Changes: [], Event: 'test', PrimaryKey: 0, Entity: 'test',
    ContextIdentifier: ctx, ChangedByAssociateId: actor, WebhookName: webhookName, FieldValues: {},
  };
}
