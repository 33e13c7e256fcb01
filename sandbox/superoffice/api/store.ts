// The tenant API's data, in memory, one set per tenant context. Rows are shaped like NetServer's
// tables rather than like the wire entities, so that webhook `Changes` can name database columns and
// the archive can filter on them. Identity data (associates, persons) lives in the identity half's
// store and reaches this side through TenantApiDeps.

export interface Participant {
  associateId: number;
  personId: number;
  contactId: number;
  emailAddress: string;
  sendEmail: boolean;
  /** INVITATION_STATUS value. */
  invitationStatus: number;
}

export interface RecurrenceRule {
  recurrenceRuleId: number;
  /** RECURRENCE_PATTERN value. */
  pattern: number;
  start: Date;
  end: Date;
  /** RECURRENCE_END_TYPE value. */
  endType: number;
  counter: number;
  dayPattern: { cycle: number; pattern: number };
  weekPattern: { cycle: number; weekdays: number };
  monthPattern: { cycle: number; day: number; weekday: number; weekOfMonth: number; pattern: number };
  yearPattern: { cycle: number; day: number; weekday: number; weekOfMonth: number; pattern: number };
}

export interface AppointmentRow {
  appointmentId: number;
  associateId: number;
  contactId: number;
  personId: number;
  projectId: number;
  saleId: number;
  documentId: number;
  start: Date;
  end: Date;
  title: string;
  description: string;
  agenda: string;
  internalNotes: string;
  location: string;
  taskId: number;
  /** APPOINTMENT_TYPE value: 1 inDiary, 2 inChecklist, 4 Document, ... */
  type: number;
  /** APPOINTMENT_PRIVATE value. */
  private: number;
  /** ACTIVITY_STATUS value. */
  status: number;
  isAllDay: boolean;
  isFree: boolean;
  hasAlarm: boolean;
  alarmLeadTime: number;
  leadTime: number;
  lagTime: number;
  recurrenceRuleId: number;
  motherId: number;
  invitationStatus: number;
  participants: Participant[];
  preferredTZLocation: number;
  joinVideomeetUrl: string;
  customFields: Record<string, string>;
  registered: Date;
  registeredAssociateId: number;
  /** null until the first update: the wire then says 0001-01-01T00:00:00. */
  updated: Date | null;
  updatedAssociateId: number;
  updatedCount: number;
}

export interface WebhookRow {
  webhookId: number;
  name: string;
  events: string[];
  targetUrl: string;
  secret: string;
  /** WEBHOOK_STATE value. */
  state: number;
  type: string;
  headers: Record<string, string>;
  properties: Record<string, unknown>;
  /** Where SuperOffice mails when the hook turns TooManyErrors; the simulator sends no mail. */
  errorsEmail: string;
  registered: Date;
  registeredAssociateId: number;
  updated: Date | null;
  updatedAssociateId: number;
  totalCalls: number;
  totalErrors: number;
  consecutiveErrors: number;
  lastError: string;
}

export interface WebPanelRow {
  webPanelId: number;
  /** The app (client id) that saved it: GetAppWebPanels/DeleteAppWebPanels scope. */
  ownerApp: string;
  fields: Record<string, unknown>;
}

export interface ForeignKeyRow {
  foreignKeyId: number;
  applicationName: string;
  deviceName: string;
  deviceIdentifier: string;
  keyName: string;
  keyValue: string;
  tableName: string;
  recordId: number;
  created: Date;
  updated: Date | null;
  createdBy: string;
  updatedBy: string;
}

export interface ApiFaults {
  /** Delay added before every request while set. */
  latencyMs: number;
  /** The next `count` requests answer this status (429 or 503) instead of running. */
  status?: { code: 429 | 503; count: number; retryAfterSeconds?: number };
}

export interface TenantData {
  /** IANA zone the tenant's data is kept in (specs/superoffice.md 6.5); UTC unless a test sets another. */
  baseZone: string;
  appointments: Map<number, AppointmentRow>;
  rules: Map<number, RecurrenceRule>;
  foreignKeys: ForeignKeyRow[];
  webhooks: Map<number, WebhookRow>;
  webPanels: Map<number, WebPanelRow>;
  apiFaults: ApiFaults;
  nextId: { appointment: number; rule: number; foreignKey: number; webhook: number; webPanel: number };
}

export class ApiStore {
  private readonly tenants = new Map<string, TenantData>();

  /** The tenant's data, made empty on first use (tenants themselves are the identity half's). */
  tenant(ctx: string): TenantData {
    const key = ctx.toLowerCase();
    let t = this.tenants.get(key);
    if (!t) {
      t = {
        baseZone: 'UTC',
        appointments: new Map(),
        rules: new Map(),
        foreignKeys: [],
        webhooks: new Map(),
        webPanels: new Map(),
        apiFaults: { latencyMs: 0 },
        nextId: { appointment: 1, rule: 1, foreignKey: 1, webhook: 1, webPanel: 1 },
      };
      this.tenants.set(key, t);
    }
    return t;
  }
}
