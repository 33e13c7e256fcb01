// AppointmentEntity on the wire (specs/superoffice.md 6.2): reading a client's body into a row, and
// writing a row out as NetServer does (PascalCase, enum names, TimeSpans as "00:15:00", created and
// updated dates in UTC, Updated "0001-01-01T00:00:00" until the first update). The field set is the
// one of SuperOffice's reference page, docs/en/api/reference/restful/rest/Appointment/
// v1AppointmentEntity_GetAppointmentEntity.md (AppointmentEntityWithLinks), nothing more or less.
import { SoApiError } from './errors.ts';
import { recurrenceInfo } from './recurrence.ts';
import type { AppointmentRow, Participant, RecurrenceRule } from './store.ts';
import { formatDate, formatUtc, parseDate, type TimeZoneView } from './time-zone.ts';
import type { SoAssociate, SoPerson } from './types.ts';
import {
  ACTIVITY_STATUS, APPOINTMENT_PRIVATE, APPOINTMENT_TYPE, INVITATION_STATUS, bool, durationSeconds, enumName,
  enumValue, has, int, isObject, pick, str, timeSpan, type Json,
} from './wire.ts';

export interface EntityContext {
  ctx: string;
  view: TimeZoneView;
  associates: SoAssociate[];
  persons: SoPerson[];
}

/** The tenant's activity types (TaskListItem); every one is an appointment type. */
const TASKS: Record<number, { value: string; type: string; allDay: boolean; free: boolean }> = {
  1: { value: 'Meeting', type: 'Appointment', allDay: false, free: false },
  2: { value: 'Phone call', type: 'Phone', allDay: false, free: false },
  3: { value: 'Lunch', type: 'Appointment', allDay: false, free: false },
  4: { value: 'Out of office', type: 'Appointment', allDay: true, free: false },
};
const DEFAULT_TASK_ID = 1;

export function blankRow(associateId: number, now: Date): AppointmentRow {
  // Preference defaults: the next whole hour, one hour long, a meeting, in the owner's diary.
  const start = new Date(Math.ceil(now.getTime() / 3600000) * 3600000);
  return {
    appointmentId: 0, associateId, contactId: 0, personId: 0, projectId: 0, saleId: 0, documentId: 0,
    start, end: new Date(start.getTime() + 3600000),
    title: '', description: '', agenda: '', internalNotes: '', location: '',
    taskId: DEFAULT_TASK_ID, type: 1, private: 0, status: 1,
    isAllDay: false, isFree: false, hasAlarm: false, alarmLeadTime: 0, leadTime: 0, lagTime: 0,
    recurrenceRuleId: 0, motherId: 0, invitationStatus: 2, participants: [], preferredTZLocation: 0,
    joinVideomeetUrl: '', customFields: {},
    registered: now, registeredAssociateId: associateId, updated: null, updatedAssociateId: 0, updatedCount: 0,
  };
}

function idOf(v: unknown, idField: string, field: string): number {
  if (v === null) return 0;
  if (isObject(v)) return int(pick(v, idField) ?? 0, `${field}.${idField}`);
  return int(v, field);
}

function readParticipants(v: unknown, c: EntityContext): Participant[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw new SoApiError(400, 'ArgumentException', 'Participants must be an array');
  return v.map((p, i) => {
    const f = `Participants[${i}]`;
    let associateId = int(pick(p, 'AssociateId') ?? 0, `${f}.AssociateId`);
    let personId = int(pick(p, 'PersonId') ?? 0, `${f}.PersonId`);
    let contactId = int(pick(p, 'ContactId') ?? 0, `${f}.ContactId`);
    let emailAddress = str(pick(p, 'EmailAddress') ?? '', `${f}.EmailAddress`);
    const byMail = emailAddress.toLowerCase();
    const assoc = c.associates.find((a) => (associateId ? a.associateId === associateId : byMail && a.email.toLowerCase() === byMail));
    const person = assoc ? undefined : c.persons.find((x) => (personId ? x.personId === personId : byMail && x.email.toLowerCase() === byMail));
    if (assoc) {
      associateId = assoc.associateId;
      personId = assoc.personId;
      emailAddress ||= assoc.email;
    } else if (person) {
      personId = person.personId;
      contactId ||= person.contactId;
      emailAddress ||= person.email;
    } else if (associateId || personId) {
      throw new SoApiError(400, 'ArgumentException', `${f}: no associate ${associateId} or person ${personId} in this tenant`);
    }
    const status = pick(p, 'InvitationStatus');
    return {
      associateId, personId, contactId, emailAddress,
      sendEmail: bool(pick(p, 'SendEmail') ?? false, `${f}.SendEmail`),
      invitationStatus: status === undefined ? 4 : enumValue(status, INVITATION_STATUS, `${f}.InvitationStatus`),
    };
  });
}

/**
 * Applies the fields present in `body` to a copy of `row` (absent fields keep their value: PUT and
 * PATCH both behave as merges here). Returns the row and the body's Recurrence, if any.
 */
export function applyAppointmentInput(row: AppointmentRow, body: unknown, c: EntityContext): { row: AppointmentRow; recurrence: unknown } {
  if (!isObject(body)) throw new SoApiError(400, 'ArgumentException', 'Expected an AppointmentEntity object');
  const r: AppointmentRow = { ...row, participants: [...row.participants], customFields: { ...row.customFields } };
  const set = <K extends keyof AppointmentRow>(name: string, key: K, read: (v: unknown) => AppointmentRow[K]) => {
    const v = pick(body, name);
    if (v !== undefined) r[key] = read(v);
  };
  set('Associate', 'associateId', (v) => idOf(v, 'AssociateId', 'Associate'));
  set('Contact', 'contactId', (v) => idOf(v, 'ContactId', 'Contact'));
  set('Person', 'personId', (v) => idOf(v, 'PersonId', 'Person'));
  set('Project', 'projectId', (v) => idOf(v, 'ProjectId', 'Project'));
  set('Sale', 'saleId', (v) => idOf(v, 'SaleId', 'Sale'));
  set('Task', 'taskId', (v) => idOf(v, 'TaskListItemId', 'Task'));
  for (const [name, key] of [['StartDate', 'start'], ['EndDate', 'end']] as const) {
    const v = pick(body, name);
    if (v !== undefined) {
      const d = parseDate(v, c.view, name);
      if (d) r[key] = d;
    }
  }
  for (const [name, key] of [['Title', 'title'], ['Description', 'description'], ['Agenda', 'agenda'],
    ['InternalNotes', 'internalNotes'], ['Location', 'location'], ['JoinVideomeetUrl', 'joinVideomeetUrl']] as const) {
    set(name, key, (v) => str(v, name));
  }
  set('Type', 'type', (v) => enumValue(v, APPOINTMENT_TYPE, 'Type'));
  set('Private', 'private', (v) => enumValue(v, APPOINTMENT_PRIVATE, 'Private'));
  set('Completed', 'status', (v) => enumValue(v, ACTIVITY_STATUS, 'Completed'));
  set('InvitationStatus', 'invitationStatus', (v) => enumValue(v, INVITATION_STATUS, 'InvitationStatus'));
  for (const [name, key] of [['IsAlldayEvent', 'isAllDay'], ['IsFree', 'isFree'], ['HasAlarm', 'hasAlarm']] as const) {
    set(name, key, (v) => bool(v, name));
  }
  for (const [name, key] of [['AlarmLeadTime', 'alarmLeadTime'], ['LeadTime', 'leadTime'], ['LagTime', 'lagTime']] as const) {
    set(name, key, (v) => durationSeconds(v, name));
  }
  set('PreferredTZLocation', 'preferredTZLocation', (v) => int(v, 'PreferredTZLocation'));
  set('Participants', 'participants', (v) => readParticipants(v, c));
  const custom = pick(body, 'CustomFields');
  if (isObject(custom)) for (const [k, v] of Object.entries(custom)) r.customFields[k] = v === null ? '' : String(v);

  if (!c.associates.some((a) => a.associateId === r.associateId)) {
    throw new SoApiError(400, 'ArgumentException', `Associate ${r.associateId} does not exist in ${c.ctx}`);
  }
  if (!TASKS[r.taskId]) throw new SoApiError(400, 'ArgumentException', `Task ${r.taskId} does not exist`);
  if (r.end.getTime() < r.start.getTime()) {
    throw new SoApiError(400, 'ArgumentException', 'EndDate must not be before StartDate');
  }
  // The owner is implied; keep only the other participants on the row.
  r.participants = r.participants.filter((p) => p.associateId !== r.associateId);
  return { row: r, recurrence: has(body, 'Recurrence') ? pick(body, 'Recurrence') : undefined };
}

function tableRight(mask = 'Select, Update, Insert, Delete') {
  return { Mask: mask, Reason: '' };
}

/** The TaskListItem carrier of an activity type (AppointmentEntity.Task, ListAgent.GetAllTasks). */
function taskJson(id: number): Json {
  const task = TASKS[id]!;
  return {
    TaskListItemId: id, Value: task.value, Direction: 'Unknown', Type: task.type, Tooltip: '', Deleted: false,
    IntentId: 0, Rank: id, IsDefaultAlldayEvent: task.allDay, IsDefaultFree: task.free, IsDefaultPublished: false,
    ColorIndex: 'LightBlue', DefaultVideomeetingStatus: 'None', TableRight: null, FieldProperties: {},
  };
}

/** Every activity type, in rank order. */
export function taskListJson(): Json[] {
  return Object.keys(TASKS).map(Number).sort((a, b) => a - b).map(taskJson);
}

export function associateJson(id: number, c: EntityContext): Json | null {
  const a = c.associates.find((x) => x.associateId === id);
  if (!a) return null;
  const login = a.email.split('@')[0]?.toUpperCase() ?? a.name;
  return {
    AssociateId: a.associateId, Name: login, PersonId: a.personId, Rank: 0, Tooltip: '', Type: a.type ?? 'InternalAssociate',
    GroupIdx: 1, FullName: a.name, FormalName: a.name, Deleted: false, EjUserId: 0, UserName: a.email,
    TableRight: tableRight('Select, Update, Delete'), FieldProperties: {},
  };
}

function personJson(id: number, c: EntityContext): Json | null {
  if (!id) return null;
  const p = c.persons.find((x) => x.personId === id);
  const [first = '', ...rest] = (p?.name ?? '').split(' ');
  return {
    PersonId: id, Firstname: first, Lastname: rest.join(' '), MiddleName: '', FullName: p?.name ?? '',
    Email: p?.email ?? '', ContactId: p?.contactId ?? 0, TableRight: tableRight(), FieldProperties: {},
  };
}

export function appointmentEntity(
  row: AppointmentRow,
  series: { rule: RecurrenceRule | undefined; dates: Date[]; baseZone: string },
  c: EntityContext,
  self: string,
): Json {
  const owner = c.associates.find((a) => a.associateId === row.associateId);
  const participants: Json[] = [
    { AssociateId: row.associateId, PersonId: owner?.personId ?? 0, ContactId: 0, EmailId: 0, SendEmail: false, InvitationStatus: 'Accepted', EmailAddress: owner?.email ?? '', Description: '' },
    ...row.participants.map((p) => ({
      AssociateId: p.associateId, PersonId: p.personId, ContactId: p.contactId, EmailId: 0, SendEmail: p.sendEmail,
      InvitationStatus: enumName(p.invitationStatus, INVITATION_STATUS), EmailAddress: p.emailAddress,
      // ParticipantInfo.Description: text for an e-mail participant's address row; none are kept here.
      Description: '',
    })),
  ];
  return {
    AppointmentId: row.appointmentId,
    Associate: associateJson(row.associateId, c),
    Contact: row.contactId ? { ContactId: row.contactId, Name: '', TableRight: tableRight(), FieldProperties: {} } : null,
    Person: personJson(row.personId, c),
    Project: row.projectId ? { ProjectId: row.projectId, Name: '' } : null,
    Sale: row.saleId ? { SaleId: row.saleId, Heading: '' } : null,
    CreatedBy: associateJson(row.registeredAssociateId, c),
    UpdatedBy: row.updated ? associateJson(row.updatedAssociateId, c) : null,
    CreatedDate: formatUtc(row.registered, c.view),
    UpdatedDate: formatUtc(row.updated, c.view),
    StartDate: formatDate(row.start, c.view),
    EndDate: formatDate(row.end, c.view),
    ActiveDate: formatDate(row.start, c.view),
    Title: row.title,
    Description: row.description,
    Agenda: row.agenda,
    InternalNotes: row.internalNotes,
    Location: row.location,
    Task: taskJson(TASKS[row.taskId] ? row.taskId : DEFAULT_TASK_ID),
    Type: enumName(row.type, APPOINTMENT_TYPE),
    Private: enumName(row.private, APPOINTMENT_PRIVATE),
    VisibleFor: [{ VisibleId: 0, Visibility: row.private === 0 ? 'All' : 'Associate', DisplayValue: '' }],
    Completed: enumName(row.status, ACTIVITY_STATUS),
    IsAlldayEvent: row.isAllDay,
    IsFree: row.isFree,
    HasAlarm: row.hasAlarm,
    AlarmLeadTime: timeSpan(row.alarmLeadTime),
    LeadTime: timeSpan(row.leadTime),
    LagTime: timeSpan(row.lagTime),
    IsMileStone: false,
    HasConflict: false,
    MotherId: row.motherId,
    MotherAssociate: associateJson(row.associateId, c),
    InvitedPerson: null,
    AssignedBy: null,
    InvitationStatus: enumName(row.invitationStatus, INVITATION_STATUS),
    AssignmentStatus: 'None',
    BookingType: row.participants.length ? 'Owner' : 'None',
    RejectCounter: 0,
    RejectReason: '',
    Recurrence: recurrenceInfo(series.rule, row, series.dates, c.view, series.baseZone),
    Participants: participants,
    PreferredTZLocation: row.preferredTZLocation,
    // Read-only TimeZoneData; the reference sample has null, and the simulator has no zone table.
    PreferredTZLocationData: null,
    CautionWarning: 'OK',
    // AppointmentExternalOwner: 'None' unless an external system (Outlook, Google...) owns the row.
    OwnedExternally: 'None',
    JoinVideomeetUrl: row.joinVideomeetUrl,
    CentralserviceVideomeetId: '',
    Priority: null,
    ColorIndex: 0,
    ActiveLinks: 0,
    Links: [],
    SuggestedAppointmentId: 0,
    IsPublished: false,
    // The deprecated halves of CustomFields (which "combines user defined fields and extra fields"):
    // extra fields are database extensions (x_ names), the rest are user-defined fields.
    UserDefinedFields: Object.fromEntries(Object.entries(row.customFields).filter(([k]) => !k.startsWith('x_'))),
    ExtraFields: Object.fromEntries(Object.entries(row.customFields).filter(([k]) => k.startsWith('x_'))),
    CustomFields: row.customFields,
    // Never published: NetServer's empty date, as for UpdatedDate before the first update.
    PublishEventDate: formatUtc(null, c.view),
    PublishTo: formatUtc(null, c.view),
    PublishFrom: formatUtc(null, c.view),
    TableRight: tableRight(),
    FieldProperties: {},
    _Links: { Self: self },
  };
}
