// Graph event JSON <-> CalendarEvent. Pure: the side hands in what it read (an event, a series'
// master and instances) and the mailbox's zone.
//
// Times: every request asks `Prefer: outlook.timezone="UTC"`, so start/end arrive as UTC wall
// clock and turn into instants without guessing; the zone the user set the event in comes from
// `originalStartTimeZone` / `originalEndTimeZone` (Windows names go through the CLDR table). A value
// that still comes in another zone is converted all the same. Writes send wall clock in the
// event's own IANA zone, which Graph accepts, so Outlook shows and repeats it on that clock.
//
// Only synced fields are written, and an update writes only those that differ from what the event
// holds (patchFor): an unchanged attendee list is never sent, so nobody gets a meeting update.
import { z } from 'zod';
import type { Attendee, AttendeeResponse, CalendarEvent, EventTiming, Person, ShowAs } from '../../sync/event.ts';
import { contentHash, type SyncedField } from '../../sync/hash.ts';
import { htmlToText } from './html-text.ts';
import { readRecurrence, writeRecurrence, type GraphRecurrence } from './recurrence.ts';
import { exceptionsOf, type Occurrence } from './series.ts';
import { addDays, instantOf, isTimeZone, nearestDate, wallOf } from '../wall-clock.ts';
import { formatGraphWall, ianaZone, parseGraphWall } from './graph-time.ts';

/** Our stable key on a Graph event (and, through MAPI, the same named property in EWS). */
export const STABLE_KEY_PROPERTY = 'String {d3f1e5a9-6038-4878-a64d-e2e0dacf2be2} Name calsync.stableKey';

const text = z.string().nullish();
const dateTimeZone = z.object({ dateTime: z.string(), timeZone: text });
const emailAddress = z.object({ address: text, name: text }).nullish();

const graphEventSchema = z.object({
  id: z.string().min(1),
  '@odata.etag': text,
  changeKey: text,
  lastModifiedDateTime: text,
  type: text,
  seriesMasterId: text,
  originalStart: text,
  originalStartTimeZone: text,
  originalEndTimeZone: text,
  subject: text,
  body: z.object({ contentType: text, content: text }).nullish(),
  location: z.object({ displayName: text }).nullish(),
  start: dateTimeZone.nullish(),
  end: dateTimeZone.nullish(),
  isAllDay: z.boolean().nullish(),
  showAs: text,
  sensitivity: text,
  isReminderOn: z.boolean().nullish(),
  reminderMinutesBeforeStart: z.number().nullish(),
  organizer: z.object({ emailAddress }).nullish(),
  attendees: z.array(z.object({ type: text, status: z.object({ response: text }).nullish(), emailAddress })).nullish(),
  recurrence: z
    .object({
      pattern: z.object({
        type: z.string(), interval: z.number().nullish(), month: z.number().nullish(), dayOfMonth: z.number().nullish(),
        daysOfWeek: z.array(z.string()).nullish(), firstDayOfWeek: text, index: text,
      }),
      range: z.object({ type: z.string(), startDate: text, endDate: text, recurrenceTimeZone: text, numberOfOccurrences: z.number().nullish() }),
    })
    .nullish(),
  categories: z.array(z.string()).nullish(),
  singleValueExtendedProperties: z.array(z.object({ id: z.string(), value: text })).nullish(),
});

export type GraphEvent = z.infer<typeof graphEventSchema>;

/** A Graph event as we read it, or an error naming what is wrong with it. */
export function parseGraphEvent(raw: unknown): GraphEvent {
  const r = graphEventSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new Error(`Graph sent an event this connector cannot read (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'bad shape'})`);
}

export interface MappingOptions {
  /** The mailbox's IANA zone: all-day events are written in it, and it breaks ties among Windows names. */
  timeZone: string;
}

/** The body Graph sends for create (everything synced) or update (what differs). */
export interface GraphEventWrite {
  subject?: string;
  body?: { contentType: 'text'; content: string };
  location?: { displayName: string };
  start?: { dateTime: string; timeZone: string };
  end?: { dateTime: string; timeZone: string };
  isAllDay?: boolean;
  showAs?: string;
  sensitivity?: string;
  isReminderOn?: boolean;
  reminderMinutesBeforeStart?: number;
  attendees?: Array<{ emailAddress: { address: string; name?: string }; type: string }>;
  categories?: string[];
  recurrence?: GraphRecurrence | null;
  singleValueExtendedProperties?: Array<{ id: string; value: string }>;
  transactionId?: string;
}

const zoneOr = (zone: string | undefined, opts: MappingOptions) => (zone && isTimeZone(zone) ? zone : isTimeZone(opts.timeZone) ? opts.timeZone : 'UTC');

/**
 * The IANA zone an event was set in. Start's own zone says so only when it is not the UTC we asked
 * for; an event whose zone nobody can place is taken to be in the mailbox's.
 */
function eventZone(ev: GraphEvent, opts: MappingOptions): string {
  const startZone = ianaZone(ev.start?.timeZone, opts.timeZone);
  return zoneOr(ianaZone(ev.originalStartTimeZone, opts.timeZone) ?? (startZone === 'UTC' ? undefined : startZone), opts);
}

function instantOfValue(v: { dateTime: string; timeZone?: string | null }, fallback: string): number {
  return instantOf(parseGraphWall(v.dateTime), ianaZone(v.timeZone, fallback) ?? fallback);
}

function dateOfValue(v: { dateTime: string; timeZone?: string | null }, zone: string): string {
  // Midnight as written is the date, whatever zone it names; anything else was converted from the event's zone.
  if (/T00:00(:00(\.0+)?)?$/.test(v.dateTime.trim())) return v.dateTime.trim().slice(0, 10);
  return nearestDate(instantOfValue(v, zone), zone);
}

function timingOf(ev: GraphEvent, opts: MappingOptions): EventTiming {
  if (!ev.start || !ev.end) throw new Error(`Graph event ${ev.id} has no start or end`);
  const zone = eventZone(ev, opts);
  if (ev.isAllDay) {
    const startDate = dateOfValue(ev.start, zone);
    const endDate = dateOfValue(ev.end, zone);
    return { allDay: true, startDate, endDate: endDate > startDate ? endDate : addDays(startDate, 1) };
  }
  const endZone = zoneOr(ianaZone(ev.originalEndTimeZone, opts.timeZone), { timeZone: zone });
  const start = instantOfValue(ev.start, zone);
  const end = Math.max(start, instantOfValue(ev.end, zone));
  return { allDay: false, start: { instant: new Date(start).toISOString(), timeZone: zone }, end: { instant: new Date(end).toISOString(), timeZone: endZone } };
}

function showAsOf(v: string | null | undefined): ShowAs {
  if (v === 'free' || v === 'tentative' || v === 'oof') return v;
  return 'busy'; // busy, workingElsewhere, unknown
}

function responseOf(v: string | null | undefined): AttendeeResponse {
  if (v === 'accepted' || v === 'organizer') return 'accepted';
  if (v === 'declined') return 'declined';
  if (v === 'tentativelyAccepted') return 'tentative';
  return 'none';
}

function person(address: string, name: string | null | undefined): Person {
  return name ? { email: address, name } : { email: address };
}

/** Our stable key on an event read with the property expanded. */
function stableKeyOf(ev: GraphEvent): string | undefined {
  const want = STABLE_KEY_PROPERTY.toLowerCase();
  return ev.singleValueExtendedProperties?.find((p) => p.id.toLowerCase() === want)?.value ?? undefined;
}

/** One Graph event (a single, an occurrence, or a master without its rule) as a CalendarEvent. */
export function eventFromGraph(ev: GraphEvent, opts: MappingOptions): CalendarEvent {
  const body = ev.body?.content ?? '';
  const attendees: Attendee[] = [];
  for (const a of ev.attendees ?? []) {
    const address = a.emailAddress?.address?.trim();
    if (!address || attendees.some((x) => x.email.toLowerCase() === address.toLowerCase())) continue;
    attendees.push({ ...person(address, a.emailAddress?.name), response: responseOf(a.status?.response) });
  }
  const event: CalendarEvent = {
    title: ev.subject ?? '',
    description: ev.body?.contentType?.toLowerCase() === 'html' ? htmlToText(body) : body,
    location: ev.location?.displayName ?? '',
    timing: timingOf(ev, opts),
    showAs: showAsOf(ev.showAs),
    private: ev.sensitivity === 'private' || ev.sensitivity === 'confidential',
    attendees,
    crmLinks: {},
  };
  if (ev.isReminderOn) event.reminderMinutes = Math.max(0, Math.round(ev.reminderMinutesBeforeStart ?? 15));
  const organizer = ev.organizer?.emailAddress?.address?.trim();
  if (organizer) event.organizer = person(organizer, ev.organizer?.emailAddress?.name);
  if (ev.categories?.[0]) event.category = ev.categories[0];
  const key = stableKeyOf(ev);
  if (key) event.stableKey = key;
  return event;
}

/** The zone a series repeats in: its recurrence's, else the one it was set in. */
export function seriesZone(master: GraphEvent, opts: MappingOptions): string {
  return zoneOr(ianaZone(master.recurrence?.range.recurrenceTimeZone, opts.timeZone) ?? eventZone(master, opts), opts);
}

/** A series master with its rule and no exceptions yet; a rule we cannot hold reads as a single. */
export function masterFromGraph(master: GraphEvent, opts: MappingOptions): CalendarEvent {
  const event = eventFromGraph(master, opts);
  const first = event.timing.allDay ? event.timing.startDate : nearestDate(Date.parse(event.timing.start.instant), seriesZone(master, opts));
  const rule = readRecurrence(master.recurrence, first);
  return rule ? { ...event, recurrence: { ...rule, exceptions: [] } } : event;
}

/**
 * A series master with its instances read over [from, to): the rule, and the occurrences that
 * differ from it or are missing as exceptions.
 */
export function seriesFromGraph(master: GraphEvent, instances: readonly GraphEvent[], span: { from: Date; to: Date }, opts: MappingOptions): CalendarEvent {
  const event = masterFromGraph(master, opts);
  if (!event.recurrence) return event;
  const occurrences: Occurrence[] = instances
    .filter((i) => i.originalStart)
    .map((i) => ({ originalStart: i.originalStart!, event: eventFromGraph(i, opts) }));
  event.recurrence.exceptions = exceptionsOf(event, occurrences, seriesZone(master, opts), span.from, span.to);
  return event;
}

function writeTiming(t: EventTiming, opts: MappingOptions): Pick<GraphEventWrite, 'start' | 'end' | 'isAllDay'> {
  if (t.allDay) {
    const zone = zoneOr(undefined, opts);
    return { isAllDay: true, start: { dateTime: `${t.startDate}T00:00:00`, timeZone: zone }, end: { dateTime: `${t.endDate}T00:00:00`, timeZone: zone } };
  }
  const sz = zoneOr(t.start.timeZone, opts);
  const ez = zoneOr(t.end.timeZone, { timeZone: sz });
  return {
    isAllDay: false,
    start: { dateTime: formatGraphWall(wallOf(Date.parse(t.start.instant), sz)), timeZone: sz },
    end: { dateTime: formatGraphWall(wallOf(Date.parse(t.end.instant), ez)), timeZone: ez },
  };
}

/** The zone a series we write repeats in. */
function writeZone(event: CalendarEvent, opts: MappingOptions): string {
  return event.timing.allDay ? zoneOr(undefined, opts) : zoneOr(event.timing.start.timeZone, opts);
}

function attendeesFor(event: CalendarEvent, current: GraphEvent | undefined): NonNullable<GraphEventWrite['attendees']> {
  const typeOf = new Map((current?.attendees ?? []).map((a) => [a.emailAddress?.address?.toLowerCase() ?? '', a.type ?? 'required']));
  return event.attendees.map((a) => ({
    emailAddress: a.name ? { address: a.email, name: a.name } : { address: a.email },
    type: typeOf.get(a.email.toLowerCase()) ?? 'required',
  }));
}

const emailsOf = (list: readonly Person[]) => [...new Set(list.map((p) => p.email.trim().toLowerCase()))].sort().join('\n');
const differs = (a: CalendarEvent, b: CalendarEvent, f: SyncedField) => contentHash(a, [f]) !== contentHash(b, [f]);

/**
 * Whether two timings put the event at the same moments on the same clock. Zone names alone may
 * differ: Graph may hand back a Windows name for the IANA one we wrote, which maps back to another
 * IANA zone of the same rules (Stockholm -> Berlin); rewriting the times for that would, in Outlook,
 * drop a series' exceptions. Zones count as the same when their offsets agree now and half a year on.
 */
function sameTiming(a: EventTiming, b: EventTiming, opts: MappingOptions): boolean {
  if (a.allDay || b.allDay) return contentHash({ timing: a } as CalendarEvent, ['timing']) === contentHash({ timing: b } as CalendarEvent, ['timing']);
  const at = Date.parse(a.start.instant);
  if (at !== Date.parse(b.start.instant) || Date.parse(a.end.instant) !== Date.parse(b.end.instant)) return false;
  const clock = (zone: string) => [at, at + 182 * 86_400_000].map((t) => wallOf(t, zoneOr(zone, opts)) - t).join();
  return clock(a.start.timeZone) === clock(b.start.timeZone) && clock(a.end.timeZone) === clock(b.end.timeZone);
}

/**
 * The PATCH body that turns `current` into `desired`: only fields that differ. Attendees count as
 * different only when the addresses differ (responses are theirs to give, names are cosmetic);
 * `raw` keeps each kept attendee's type and the categories after the first.
 */
export function patchFor(current: CalendarEvent, desired: CalendarEvent, raw: GraphEvent | undefined, opts: MappingOptions): GraphEventWrite {
  const out: GraphEventWrite = {};
  if (differs(current, desired, 'title')) out.subject = desired.title;
  if (differs(current, desired, 'description')) out.body = { contentType: 'text', content: desired.description };
  if (differs(current, desired, 'location')) out.location = { displayName: desired.location };
  if (!sameTiming(current.timing, desired.timing, opts)) Object.assign(out, writeTiming(desired.timing, opts));
  if (differs(current, desired, 'showAs')) out.showAs = desired.showAs;
  if (differs(current, desired, 'private')) out.sensitivity = desired.private ? 'private' : 'normal';
  if (differs(current, desired, 'reminderMinutes')) {
    out.isReminderOn = desired.reminderMinutes !== undefined;
    if (desired.reminderMinutes !== undefined) out.reminderMinutesBeforeStart = desired.reminderMinutes;
  }
  if (emailsOf(current.attendees) !== emailsOf(desired.attendees)) out.attendees = attendeesFor(desired, raw);
  if ((current.category ?? '') !== (desired.category ?? '')) {
    const rest = (raw?.categories ?? []).slice(1).filter((c) => c !== desired.category);
    out.categories = desired.category ? [desired.category, ...rest] : rest;
  }
  const rule = (e: CalendarEvent) => (e.recurrence ? { pattern: e.recurrence.pattern, range: e.recurrence.range } : undefined);
  if (desired.recurrence && contentHash({ recurrence: rule(current) } as CalendarEvent, ['recurrence']) !== contentHash({ recurrence: rule(desired) } as CalendarEvent, ['recurrence'])) {
    out.recurrence = writeRecurrence(desired.recurrence.pattern, desired.recurrence.range, writeZone(desired, opts));
  }
  if (desired.stableKey && desired.stableKey !== current.stableKey) out.singleValueExtendedProperties = [{ id: STABLE_KEY_PROPERTY, value: desired.stableKey }];
  return out;
}

/** The POST body of a new event: every synced field, our key, and the rule (exceptions are written to instances afterwards). */
export function createBodyFor(event: CalendarEvent, opts: MappingOptions): GraphEventWrite {
  const out: GraphEventWrite = {
    subject: event.title,
    body: { contentType: 'text', content: event.description },
    location: { displayName: event.location },
    ...writeTiming(event.timing, opts),
    showAs: event.showAs,
    sensitivity: event.private ? 'private' : 'normal',
    isReminderOn: event.reminderMinutes !== undefined,
    ...(event.reminderMinutes !== undefined ? { reminderMinutesBeforeStart: event.reminderMinutes } : {}),
    categories: event.category ? [event.category] : [],
  };
  if (event.attendees.length > 0) out.attendees = attendeesFor(event, undefined);
  if (event.recurrence) out.recurrence = writeRecurrence(event.recurrence.pattern, event.recurrence.range, writeZone(event, opts));
  if (event.stableKey) out.singleValueExtendedProperties = [{ id: STABLE_KEY_PROPERTY, value: event.stableKey }];
  return out;
}
