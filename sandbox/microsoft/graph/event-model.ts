// The stored event and how a POST/PATCH body becomes one. Times are kept as instants plus the zone
// names the client gave; all-day events are instants of midnight in their zone and go out as
// floating midnights. A series master keeps its pattern, its exceptions (overrides keyed by the
// original start) and its cancelled occurrences; occurrences themselves are derived, never stored.
import { badRequest, GraphError } from './errors.ts';
import { readRecurrence, type Recurrence } from './recurrence.ts';
import { fromWall, parseDateTime, resolveZone, toWall } from './time-zone.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface EventContent {
  subject: string;
  body: { contentType: 'text' | 'html'; content: string };
  start: number;
  end: number;
  /** The zone names as the client gave them (Windows, IANA or UTC). */
  startZone: string;
  endZone: string;
  isAllDay: boolean;
  location: JsonObject;
  locations: JsonObject[];
  attendees: JsonObject[];
  showAs: string;
  sensitivity: string;
  importance: string;
  isReminderOn: boolean;
  reminderMinutesBeforeStart: number;
  categories: string[];
  responseRequested: boolean;
  allowNewTimeProposals: boolean;
  isOnlineMeeting: boolean;
  onlineMeetingProvider: string;
  hideAttendees: boolean;
}

export interface ExtendedProperty {
  id: string;
  value: string;
}

export interface OccurrenceException {
  overrides: Partial<EventContent>;
  changeKey: string;
  modified: number;
}

export interface StoredEvent {
  id: string;
  calendarId: string;
  iCalUId: string;
  changeKey: string;
  created: number;
  modified: number;
  transactionId: string | null;
  content: EventContent;
  organizer: { name: string; address: string };
  /** Keyed by the normalised property id (see extKey). */
  ext: Map<string, ExtendedProperty>;
  recurrence: Recurrence | null;
  exceptions: Map<number, OccurrenceException>;
  cancelled: Set<number>;
}

export interface EventInput {
  content: Partial<EventContent>;
  recurrence?: Recurrence | null;
  ext?: ExtendedProperty[];
  transactionId?: string;
}

const SHOW_AS = ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'];
const SENSITIVITY = ['normal', 'personal', 'private', 'confidential'];
const IMPORTANCE = ['low', 'normal', 'high'];
const ATTENDEE_TYPES = ['required', 'optional', 'resource'];
/** Properties Graph returns but ignores (or refuses silently) on write. */
const READ_ONLY = new Set([
  'id', 'changeKey', 'createdDateTime', 'lastModifiedDateTime', 'iCalUId', 'uid', 'type', 'seriesMasterId', 'webLink',
  'isOrganizer', 'isCancelled', 'responseStatus', 'originalStart', 'onlineMeeting', 'onlineMeetingUrl', 'hasAttachments',
  'isDraft', 'occurrenceId', 'bodyPreview', 'organizer', 'originalStartTimeZone', 'originalEndTimeZone', 'cancelledOccurrences',
  'exceptionOccurrences', 'multiValueExtendedProperties', 'attachments', 'extensions', 'calendar', 'instances',
]);

/** Normalised extended property id: type and GUID are case-insensitive, the Name part is not. */
export function extKey(id: string): string {
  const m = /^(\S+)\s+\{([0-9a-f-]{36})\}\s+(Name|Id)\s+(.+)$/i.exec(id.trim());
  if (m) return `${m[1]!.toLowerCase()} {${m[2]!.toLowerCase()}} ${m[3]!.toLowerCase()} ${m[3]!.toLowerCase() === 'id' ? m[4]!.toLowerCase() : m[4]!}`;
  const tag = /^(\S+)\s+(0x[0-9a-f]+)$/i.exec(id.trim());
  if (tag) return `${tag[1]!.toLowerCase()} ${tag[2]!.toLowerCase()}`;
  return '';
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(v: unknown, field: string): string {
  if (typeof v !== 'string') throw badRequest(`Invalid value for '${field}': expected a string.`);
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw badRequest(`Invalid value for '${field}': expected true or false.`);
  return v;
}

function oneOf(v: unknown, allowed: string[], field: string): string {
  const s = str(v, field);
  const hit = allowed.find((a) => a.toLowerCase() === s.toLowerCase());
  if (!hit) throw badRequest(`Requested value '${s}' was not found for '${field}'.`);
  return hit;
}

function readTime(v: unknown, field: string): { instant: number; zone: string } {
  if (!isObj(v)) throw badRequest(`'${field}' must be a dateTimeTimeZone object.`);
  const text = str(v.dateTime, `${field}.dateTime`);
  const label = v.timeZone === undefined || v.timeZone === null ? 'UTC' : str(v.timeZone, `${field}.timeZone`);
  const iana = resolveZone(label);
  if (!iana) {
    throw new GraphError(400, 'TimeZoneNotSupportedException', `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${label}'.`);
  }
  const parsed = parseDateTime(text);
  if (!parsed) throw badRequest(`Cannot convert the literal '${text}' to the expected type 'Edm.DateTime'.`, 'UnableToDeserializePostBody');
  return { instant: parsed.instant ? parsed.ms : fromWall(parsed.ms, iana), zone: label };
}

function readAttendees(v: unknown): JsonObject[] {
  if (!Array.isArray(v)) throw badRequest("'attendees' must be an array.");
  return v.map((a, i) => {
    if (!isObj(a) || !isObj(a.emailAddress)) throw badRequest(`attendees[${i}].emailAddress is required.`);
    const address = str(a.emailAddress.address, `attendees[${i}].emailAddress.address`);
    const name = a.emailAddress.name === undefined || a.emailAddress.name === null ? address : str(a.emailAddress.name, `attendees[${i}].emailAddress.name`);
    const type = a.type === undefined ? 'required' : oneOf(a.type, ATTENDEE_TYPES, `attendees[${i}].type`);
    const status = isObj(a.status) ? (a.status as JsonObject) : { response: 'none', time: '0001-01-01T00:00:00Z' };
    return { type, status, emailAddress: { name, address } };
  });
}

function readLocation(v: unknown, field: string): JsonObject {
  if (!isObj(v)) throw badRequest(`'${field}' must be an object.`);
  const displayName = v.displayName === undefined || v.displayName === null ? '' : str(v.displayName, `${field}.displayName`);
  return { locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {}, ...(v as JsonObject), displayName };
}

function readExt(v: unknown): ExtendedProperty[] {
  if (!Array.isArray(v)) throw badRequest("'singleValueExtendedProperties' must be an array.");
  return v.map((p, i) => {
    if (!isObj(p)) throw badRequest(`singleValueExtendedProperties[${i}] must be an object.`);
    const id = str(p.id, `singleValueExtendedProperties[${i}].id`);
    if (!extKey(id)) throw badRequest(`The extended property id '${id}' is not valid.`, 'ErrorInvalidExtendedPropertyValue');
    return { id, value: str(p.value, `singleValueExtendedProperties[${i}].value`) };
  });
}

/**
 * Reads a POST (create) or PATCH (update) body against the current content. Unknown properties are
 * refused as OData refuses them; read-only ones are ignored.
 */
export function readEventInput(body: unknown, current: EventContent | null): EventInput {
  if (!isObj(body)) throw badRequest('Empty Payload. JSON content expected.');
  const c: Partial<EventContent> = {};
  const out: EventInput = { content: c };
  let start: ReturnType<typeof readTime> | undefined;
  let end: ReturnType<typeof readTime> | undefined;
  for (const [k, v] of Object.entries(body)) {
    if (k.startsWith('@odata.') || READ_ONLY.has(k)) continue;
    switch (k) {
      case 'subject': c.subject = v === null ? '' : str(v, k); break;
      case 'body':
        if (!isObj(v)) throw badRequest("'body' must be an itemBody object.");
        c.body = { contentType: v.contentType === undefined ? 'html' : (oneOf(v.contentType, ['text', 'html'], 'body.contentType') as 'text' | 'html'), content: v.content === undefined || v.content === null ? '' : str(v.content, 'body.content') };
        break;
      case 'start': start = readTime(v, k); break;
      case 'end': end = readTime(v, k); break;
      case 'isAllDay': c.isAllDay = bool(v, k); break;
      case 'location': c.location = readLocation(v, k); break;
      case 'locations':
        if (!Array.isArray(v)) throw badRequest("'locations' must be an array.");
        c.locations = v.map((l, i) => readLocation(l, `locations[${i}]`));
        break;
      case 'attendees': c.attendees = readAttendees(v); break;
      case 'showAs': c.showAs = oneOf(v, SHOW_AS, k); break;
      case 'sensitivity': c.sensitivity = oneOf(v, SENSITIVITY, k); break;
      case 'importance': c.importance = oneOf(v, IMPORTANCE, k); break;
      case 'isReminderOn': c.isReminderOn = bool(v, k); break;
      case 'reminderMinutesBeforeStart':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw badRequest("'reminderMinutesBeforeStart' must be a non-negative integer.");
        c.reminderMinutesBeforeStart = v;
        break;
      case 'categories':
        if (!Array.isArray(v)) throw badRequest("'categories' must be an array of strings.");
        c.categories = v.map((x, i) => str(x, `categories[${i}]`));
        break;
      case 'responseRequested': c.responseRequested = bool(v, k); break;
      case 'allowNewTimeProposals': c.allowNewTimeProposals = bool(v, k); break;
      case 'isOnlineMeeting': c.isOnlineMeeting = bool(v, k); break;
      case 'onlineMeetingProvider': c.onlineMeetingProvider = str(v, k); break;
      case 'hideAttendees': c.hideAttendees = bool(v, k); break;
      case 'recurrence': out.recurrence = v === null ? null : readRecurrence(v); break;
      case 'singleValueExtendedProperties': out.ext = readExt(v); break;
      case 'transactionId': out.transactionId = str(v, k); break;
      default:
        throw badRequest(`The property '${k}' does not exist on type 'microsoft.graph.event'. Make sure to only use property names that are defined by the type or mark the type as open type.`, 'RequestBodyRead');
    }
  }
  if (!current && (!start || !end)) throw badRequest("An event needs both 'start' and 'end'.", 'ErrorInvalidRequest');
  if (start) { c.start = start.instant; c.startZone = start.zone; }
  if (end) { c.end = end.instant; c.endZone = end.zone; }
  const s = c.start ?? current?.start ?? 0;
  const e = c.end ?? current?.end ?? 0;
  if (e < s) throw new GraphError(400, 'ErrorInvalidRequest', 'The end time of the event must not be before its start time.');
  const allDay = c.isAllDay ?? current?.isAllDay ?? false;
  if (allDay && (start || end || c.isAllDay)) {
    const zs = resolveZone(c.startZone ?? current?.startZone ?? 'UTC') ?? 'UTC';
    const ze = resolveZone(c.endZone ?? current?.endZone ?? 'UTC') ?? 'UTC';
    const DAY = 86_400_000;
    if (toWall(s, zs) % DAY !== 0 || toWall(e, ze) % DAY !== 0 || e <= s) {
      throw new GraphError(400, 'ErrorInvalidRequest', 'Your request can\'t be completed. If the event is an all-day event, the start and end time must be at midnight and they must be in the same time zone.');
    }
  }
  return out;
}

// Defaults shared by every event that does not set them; content is replaced, never edited in place.
const EMPTY_BODY = Object.freeze({ contentType: 'html', content: '' }) as EventContent['body'];
const NO_LOCATION = Object.freeze({ displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} }) as JsonObject;
const NONE = Object.freeze([]) as unknown as never[];

export function defaultContent(start: number, end: number, zone: string): EventContent {
  return {
    subject: '', body: EMPTY_BODY, start, end, startZone: zone, endZone: zone, isAllDay: false,
    location: NO_LOCATION, locations: NONE,
    attendees: NONE, showAs: 'busy', sensitivity: 'normal', importance: 'normal', isReminderOn: true, reminderMinutesBeforeStart: 15,
    categories: NONE, responseRequested: true, allowNewTimeProposals: true, isOnlineMeeting: false, onlineMeetingProvider: 'unknown',
    hideAttendees: false,
  };
}
