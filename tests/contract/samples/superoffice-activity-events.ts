// SuperOffice's own samples of the activity webhooks, transcribed from
// https://docs.superoffice.com/en/automation/webhook/reference/activity-events.html
// (SuperOfficeDocs/superoffice-docs: docs/en/automation/webhook/reference/activity-events.md).
// Only the body: the page shows the headers of the first one (X-Superoffice-Event, -Eventid,
// -Signature), which the tests compute. Kept as the page has them, including the `Default` tenant
// and the created sample being a document row (type 4).

export const ACTIVITY_EVENTS_URL = 'https://docs.superoffice.com/en/automation/webhook/reference/activity-events.html';

export const activityCreated = {
  EventId: '6aa6de53-f5c3-4dc6-af3e-746df45573b8',
  Timestamp: '2018-04-24T08:13:17.8445662Z',
  Changes: [
    'appointment_id', 'suggestedDocumentId', 'status', 'task_idx', 'endDate', 'document_id', 'activeLinks', 'assignedBy', 'alarm', 'done',
    'updatedCount', 'contact_id', 'emailId', 'lagTime', 'priority_idx', 'associate_id', 'userdef_id', 'group_idx', 'recurrenceRuleId',
    'private', 'do_by', 'location', 'invitedPersonId', 'registered_associate_id', 'preferredTZLocation', 'updated', 'project_id',
    'rejectReason', 'sale_id', 'person_id', 'activeDate', 'rejectCounter', 'color_index', 'suggestedAppointmentId', 'leadtime',
    'registered', 'hasAlarm', 'alldayEvent', 'text_id', 'updated_associate_id', 'type', 'userdef2_id', 'freeBusy', 'source',
    'isMilestone', 'mother_id',
  ],
  Event: 'activity.created',
  PrimaryKey: 4039840,
  Entity: 'activity',
  ContextIdentifier: 'Default',
  ChangedByAssociateId: 37201,
  WebhookName: 'Name you provided',
  FieldValues: {
    activeDate: '2025-05-14T16:04:09.1213772+02:00',
    associate_id: 5,
    contact_id: 1,
    do_by: '2025-05-14T16:04:09.1213772+02:00',
    document_id: 168,
    endDate: '0001-01-01T00:00:00',
    modified_appointment_fields: 0,
    mother_id: 0,
    person_id: 4,
    private: 0,
    project_id: 0,
    sale_id: 8,
    status: 3,
    task_idx: 54,
    type: 4,
    updated: '0001-01-01T00:00:00',
    userdef2_id: 0,
    userdef_id: 0,
  },
};

export const activityChanged = {
  EventId: 'e87ac619-c864-4881-89eb-07ca5521ee2c',
  Timestamp: '2018-04-24T08:18:42.089895Z',
  Changes: ['appointment_id', 'status', 'done', 'updated', 'updated_associate_id', 'updatedCount'],
  Event: 'activity.changed',
  PrimaryKey: 4039840,
  Entity: 'activity',
  ContextIdentifier: 'Default',
  ChangedByAssociateId: 316,
  WebhookName: 'Name you provided',
};

export const activityDeleted = {
  EventId: 'e87ac619-c864-4881-89eb-07ca5521ee2c',
  Timestamp: '2018-04-24T08:18:42.089895Z',
  Changes: [],
  Values: { appointment_id: 4039840, contact_id: 1234, person_id: 0, project_id: 178105, sale_id: 0 },
  Event: 'activity.deleted',
  PrimaryKey: 4039840,
  Entity: 'activity',
  ContextIdentifier: 'Default',
  ChangedByAssociateId: 316,
  WebhookName: 'Name you provided',
};
