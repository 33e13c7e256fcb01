// The SuperOffice calls the sync side makes, through @superoffice/webapi and SuperOfficeApi (ticket,
// running check, 401 renewal, 421 re-resolve), with every failure classified here into the sync
// engine's errors: the engine never sees an axios error or an HTTP status.
//
// Every call sends `SO-TimeZone: UTC,includeTZOffset` (specs/superoffice.md 6.5): the SDK parses
// dates with `new Date(str)`, so un-offset base-zone times would be read in this process's zone.
import {
  AppointmentAgent, AppointmentRestApi, ArchiveAgent, ForeignSystemAgent, mkDuration,
  type AppointmentEntity, type Appointment_DeleteRequest, type Appointment_SaveRequest, type ArchiveListItem, type RecurrenceUpdateMode, type WebApiRequestOptions,
} from '@superoffice/webapi';
import { AuthorizationRevoked, PreconditionFailed, NotFound, RateLimited, SyncError, Transient } from '../../sync/errors.ts';
import { SuperOfficeRequestFailed, type AgentFactory, type SuperOfficeApi } from '../../superoffice/api-client.ts';
import { InstallationRevoked } from '../../superoffice/errors.ts';
import type { SystemUserTenant } from '../../superoffice/system-user.ts';

/** SuperOffice refused the request as such (400 and the like): retrying it unchanged will not help. */
export class SuperOfficeRejected extends Error {
  constructor(
    readonly status: number,
    readonly superOfficeMessage: string,
  ) {
    super(`SuperOffice refused the request (${status}): ${superOfficeMessage}`);
    this.name = 'SuperOfficeRejected';
  }
}

/** Who stamps foreign keys: the ForeignSystem application and device (specs/superoffice.md 6.6). */
export interface ForeignKeyOwner {
  applicationName: string;
  deviceName: string;
}

/** One FindAppointment row, as far as the side needs it. */
export interface ArchiveRow {
  appointmentId: number;
  recurrenceRuleId: number;
  rawType: number;
  /** Last change (UpdatedDate, else RegisteredDate), ISO, second precision; undefined when not given. */
  changed: string | undefined;
  /** Start and end (`date`, `endDate`), read as the request's SO-TimeZone (UTC); undefined when not given. */
  start: Date | undefined;
  end: Date | undefined;
}

const TABLE = 'appointment';
const DEFAULT_RETRY_AFTER_MS = 30_000;
const DEFAULT_PAGE_SIZE = 200;

interface HttpError {
  isAxiosError?: boolean;
  response?: { status: number; headers?: Record<string, unknown>; data?: unknown };
  message?: string;
}

function retryAfterMs(headers: Record<string, unknown> | undefined): number {
  const v = headers?.['retry-after'];
  const text = typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, at - Date.now());
}

function soMessage(e: HttpError): string {
  const d = e.response?.data;
  if (d && typeof d === 'object' && typeof (d as { Message?: unknown }).Message === 'string') return (d as { Message: string }).Message;
  return e.message ?? 'no message';
}

/**
 * The engine's error for an answer of SuperOffice, or undefined for those the API client handles
 * (401 renewal, 421 re-resolve, 503 and other 5xx, no answer at all).
 */
function classify(err: unknown, itemId: string | undefined): Error | undefined {
  const e = err as HttpError;
  if (!e?.isAxiosError) return err instanceof Error ? err : new Error(String(err));
  const status = e.response?.status;
  if (status === undefined || status === 401 || status === 421 || status >= 500) return undefined;
  if (status === 429) return new RateLimited(retryAfterMs(e.response?.headers), `SuperOffice rate limit: ${soMessage(e)}`);
  if ((status === 404 || status === 410) && itemId) return new NotFound(itemId);
  if ((status === 409 || status === 412) && itemId) return new PreconditionFailed(itemId);
  if (status === 403) return new AuthorizationRevoked(`SuperOffice refused access: ${soMessage(e)}`);
  return new SuperOfficeRejected(status, soMessage(e));
}

/** Errors the API client raised around the call, in the engine's terms. */
function classifyOuter(err: unknown): Error {
  if (err instanceof SyncError || err instanceof SuperOfficeRejected) return err;
  if (err instanceof InstallationRevoked) return new AuthorizationRevoked(err.message, { cause: err });
  if (err instanceof SuperOfficeRequestFailed && err.status !== undefined && err.status < 500) {
    return new SuperOfficeRejected(err.status, err.superOfficeMessage);
  }
  // TenantUnavailable, TenantMoved, a refused or unreachable ticket exchange, 5xx, no answer.
  return new Transient(err instanceof Error ? err.message : String(err), { cause: err });
}

/**
 * One call through the API client (ticket, running check, renewals), with every failure in the
 * engine's terms; `itemId` names the item a 404/410 or 409/412 is about.
 */
export async function callSuperOffice<T>(api: SuperOfficeApi, tenant: SystemUserTenant, fn: (agent: AgentFactory) => Promise<T>, itemId?: string): Promise<T> {
  type Outcome = { ok: true; value: T } | { ok: false; error: Error };
  let out: Outcome;
  try {
    out = await api.call<Outcome>(tenant, async (agent) => {
      try {
        return { ok: true, value: await fn(agent) };
      } catch (err) {
        const error = classify(err, itemId);
        if (error) return { ok: false, error };
        throw err;
      }
    });
  } catch (err) {
    throw classifyOuter(err);
  }
  if (!out.ok) throw out.error;
  return out.value;
}

/** .NET TimeSpan text (`1.02:00:00`) in seconds; the SDK's dayjs cannot read the day part. */
function timeSpanSeconds(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2}))?/.exec(v);
  if (!m) return undefined;
  const s = Number(m[2] ?? 0) * 86400 + Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5] ?? 0);
  return m[1] ? -s : s;
}

/** An archive row's DisplayValue for `name` (column names are matched case-insensitively). */
export function cell(item: ArchiveListItem, name: string): string | undefined {
  const data = (item.columnData ?? {}) as Record<string, unknown>;
  const key = Object.keys(data).find((k) => k.toLowerCase() === name.toLowerCase());
  const c = key === undefined ? undefined : (data[key] as { displayValue?: unknown; DisplayValue?: unknown } | undefined);
  const v = c?.displayValue ?? c?.DisplayValue;
  return typeof v === 'string' ? v : undefined;
}

/** "[I:63]" -> 63. */
export function intCell(item: ArchiveListItem, name: string): number {
  const m = /^\[I:(-?\d+)\]$/.exec(cell(item, name) ?? '');
  return m ? Number(m[1]) : 0;
}

/** "[DT:MM/dd/yyyy HH:mm:ss.fffffff]" (UTC for registeredDate/updatedDate) -> Date; year 1 means never. */
export function dateCell(item: ArchiveListItem, name: string): Date | undefined {
  const m = /^\[DT:(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)?\]$/.exec(cell(item, name) ?? '');
  if (!m || m[3] === '0001') return undefined;
  return new Date(Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6])));
}

export class SuperOfficeAppointments {
  private readonly pageSize: number;

  constructor(
    private readonly api: SuperOfficeApi,
    private readonly tenant: SystemUserTenant,
    private readonly owner: ForeignKeyOwner,
    opts: { pageSize?: number } = {},
  ) {
    this.pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  private run<T>(fn: (agent: AgentFactory) => Promise<T>, itemId?: string): Promise<T> {
    return callSuperOffice(this.api, this.tenant, fn, itemId);
  }

  /** Options for one SDK call; the raw answer lets us repair what the SDK misreads. */
  private options(raw?: { data?: unknown }): WebApiRequestOptions {
    return { timezone: 'UTC', timezoneInclude: true, ...(raw ? { responseCallback: (r) => { raw.data = r.data; } } : {}) };
  }

  private repaired(entity: AppointmentEntity | null, raw: { data?: unknown }): AppointmentEntity | null {
    if (!entity) return null;
    const seconds = timeSpanSeconds((raw.data as { AlarmLeadTime?: unknown } | undefined)?.AlarmLeadTime);
    if (seconds !== undefined && !Number.isFinite(entity.alarmLeadTime?.asSeconds() ?? NaN)) {
      entity.alarmLeadTime = mkDuration(seconds, 'seconds');
    }
    return entity;
  }

  /** The entity, or null when there is no such appointment. */
  async get(id: number): Promise<AppointmentEntity | null> {
    const raw: { data?: unknown } = {};
    return this.repaired(await this.run((agent) => agent(AppointmentAgent).getAppointmentEntityAsync(id, this.options(raw))), raw);
  }

  /** A new entity with the tenant's defaults: the way SuperOffice wants creates to start. */
  async createDefault(): Promise<AppointmentEntity> {
    const raw: { data?: unknown } = {};
    return this.repaired(await this.run((agent) => agent(AppointmentAgent).createDefaultAppointmentEntityAsync(this.options(raw))), raw)!;
  }

  /** Agent save (create when AppointmentId is 0); `mode` says what a series row's change reaches. */
  async save(entity: AppointmentEntity, mode: RecurrenceUpdateMode, itemId?: string): Promise<AppointmentEntity> {
    const raw: { data?: unknown } = {};
    const saved = await this.run(
      (agent) =>
        agent(AppointmentAgent).saveAsync(
          // The mail-server fields only matter when participants are e-mailed, which we never ask for.
          { appointmentEntity: entity, updateMode: mode, sendEmailToParticipants: false } as Appointment_SaveRequest,
          this.options(raw),
        ),
      itemId,
    );
    return this.repaired(saved, raw)!;
  }

  /** REST PUT with If-Unmodified-Since: 412 (PreconditionFailed) when it changed after `since`. */
  async put(id: number, entity: AppointmentEntity, since: Date): Promise<AppointmentEntity> {
    const raw: { data?: unknown } = {};
    const saved = await this.run(
      (agent) => agent(AppointmentRestApi).putByIdAsync(id, entity, { ...this.options(raw), ifUnmodifiedSince: since }),
      String(id),
    );
    return this.repaired(saved, raw)!;
  }

  /** REST DELETE with If-Unmodified-Since. */
  async deleteUnmodified(id: number, since: Date): Promise<void> {
    await this.run((agent) => agent(AppointmentRestApi).deleteByIdAsync(id, { ...this.options(), ifUnmodifiedSince: since }), String(id));
  }

  /** Agent delete of one row, or of a row and those after it (ThisAndForward). */
  async deleteRow(id: number, mode: RecurrenceUpdateMode): Promise<void> {
    await this.run(
      (agent) =>
        agent(AppointmentAgent).deleteAsync(
          { appointmentId: id, updateMode: mode, sendEmailToParticipants: false } as Appointment_DeleteRequest,
          this.options(),
        ),
      String(id),
    );
  }

  /**
   * Every FindAppointment row matching `restriction`, paged by primary key (keyset: rows that change
   * while we read would shift offset pages).
   */
  async archive(restriction: string): Promise<ArchiveRow[]> {
    const out: ArchiveRow[] = [];
    let after = 0;
    for (;;) {
      const where = `${restriction} and appointmentId > ${after}`;
      const items = await this.run((agent) =>
        agent(ArchiveAgent).getArchiveListByColumns2Async(
          'FindAppointment', 'appointmentId,recurrenceRuleId,rawType,updatedDate,registeredDate,date,endDate', 'appointmentId asc', where, 'appointment', 0, this.pageSize, this.options(),
        ),
      );
      const page = (items ?? []).map((i) => ({
        appointmentId: i.primaryKey ?? intCell(i, 'appointmentId'),
        recurrenceRuleId: intCell(i, 'recurrenceRuleId'),
        rawType: intCell(i, 'rawType'),
        changed: (dateCell(i, 'updatedDate') ?? dateCell(i, 'registeredDate'))?.toISOString(),
        start: dateCell(i, 'date'),
        end: dateCell(i, 'endDate'),
      }));
      out.push(...page);
      if (page.length < this.pageSize) return out;
      const last = page[page.length - 1]!.appointmentId;
      if (last <= after) throw new Transient('FindAppointment did not page by appointmentId');
      after = last;
    }
  }

  async getKey(keyName: string, recordId: number): Promise<string | undefined> {
    const k = await this.run((agent) =>
      agent(ForeignSystemAgent).getKeyAsync({ ...this.owner, keyName, tableName: TABLE, recordId }, this.options()),
    );
    return k?.value || undefined;
  }

  async saveKey(keyName: string, recordId: number, value: string): Promise<void> {
    await this.run((agent) =>
      agent(ForeignSystemAgent).saveForeignKeyAsync(
        { ...this.owner, deviceIdentifier: '', foreignKey: { key: keyName, value, recordId, tableName: TABLE } },
        this.options(),
      ),
    );
  }

  async deleteKey(keyName: string, recordId: number): Promise<void> {
    await this.run((agent) =>
      agent(ForeignSystemAgent).deleteForeignKeyAsync(
        { ...this.owner, deviceIdentifier: '', foreignKey: { key: keyName }, tableName: TABLE, recordId },
        this.options(),
      ),
    );
  }

  /** The appointment a key value is stamped on, if any. */
  async findKey(keyName: string, keyValue: string): Promise<number | undefined> {
    const k = await this.run((agent) =>
      agent(ForeignSystemAgent).getKeyByValueAsync({ ...this.owner, keyName, keyValue, tableName: TABLE }, this.options()),
    );
    return k?.recordId || undefined;
  }
}
