// SuperOffice AppointmentEntity (the @superoffice/webapi carrier) <-> CalendarEvent. Pure: the side
// hands in what it read (the entity, a series' rows, our stable key) and the tenant's people and
// activity types. Only the synced fields move; InternalNotes, Agenda and the rest of the entity are
// left as the base entity has them, so an update never wipes what SuperOffice keeps for itself.
import {
  AppointmentPrivate, InvitationStatus, mkDuration, type AppointmentEntity, type ParticipantInfo,
} from '@superoffice/webapi';
import type { Attendee, AttendeeResponse, CalendarEvent, CrmLinks, EventTiming, Person } from '../../sync/event.ts';
import { analyseSeries, type SeriesAnalysis, type SeriesRow } from './series.ts';
import { writeRule } from './recurrence.ts';
import { addDays, isTimeZone, midnightOf, nearestDate } from '../wall-clock.ts';

export type { SeriesAnalysis, SeriesRow } from './series.ts';

/** Used when the tenant's (or user's) zone is unknown: SuperOffice's home market. */
export const DEFAULT_TIME_ZONE = 'Europe/Oslo';
/** How far ahead an open-ended series is materialised (SuperOffice stores every occurrence). */
export const DEFAULT_NO_END_HORIZON_DAYS = 730;

/** A SuperOffice user (associate) or contact person, as matched by e-mail address. */
export interface SuperOfficePerson {
  email: string;
  name?: string;
  /** Set for users; a user is also a person (personId) of the owner company. */
  associateId?: number;
  personId?: number;
  contactId?: number;
}

/** An appointment type (TaskListItem) of the tenant. */
export interface TaskType {
  id: number;
  name: string;
}

export interface MappingOptions {
  /** IANA zone of the tenant or user: timed items carry it, all-day dates and series are laid out in it. */
  timeZone?: string;
  /** Who can be a participant; attendees are matched to them by e-mail address. */
  people?: readonly SuperOfficePerson[];
  /** The tenant's appointment types; an incoming category selects one by name. */
  tasks?: readonly TaskType[];
  /** The type for a category that names none (else the base entity's type stays). */
  defaultTaskId?: number;
  noEndHorizonDays?: number;
}

export function zoneOf(opts: MappingOptions): string {
  return opts.timeZone && isTimeZone(opts.timeZone) ? opts.timeZone : DEFAULT_TIME_ZONE;
}

const lower = (s: string | undefined) => (s ?? '').trim().toLowerCase();

function byEmail(opts: MappingOptions, email: string): SuperOfficePerson | undefined {
  const all = (opts.people ?? []).filter((p) => lower(p.email) === lower(email));
  // A user's address is also on their person; the user (associate) is the better participant.
  return all.find((p) => p.associateId) ?? all[0];
}

function personOf(opts: MappingOptions, p: { associateId?: number; personId?: number }): SuperOfficePerson | undefined {
  const people = opts.people ?? [];
  if (p.associateId) return people.find((x) => x.associateId === p.associateId);
  if (p.personId) return people.find((x) => x.personId === p.personId && !x.associateId) ?? people.find((x) => x.personId === p.personId);
  return undefined;
}

function timingOf(entity: AppointmentEntity, zone: string): EventTiming {
  const start = entity.startDate?.getTime();
  const end = entity.endDate?.getTime() ?? start;
  if (start === undefined || end === undefined || Number.isNaN(start) || Number.isNaN(end)) {
    throw new Error(`appointment ${entity.appointmentId ?? '?'} has no valid StartDate/EndDate`);
  }
  if (entity.isAlldayEvent) {
    const startDate = nearestDate(start, zone);
    const endDate = nearestDate(end, zone);
    return { allDay: true, startDate, endDate: endDate > startDate ? endDate : addDays(startDate, 1) };
  }
  return {
    allDay: false,
    start: { instant: new Date(start).toISOString(), timeZone: zone },
    end: { instant: new Date(Math.max(start, end)).toISOString(), timeZone: zone },
  };
}

function responseOf(status: InvitationStatus | undefined): AttendeeResponse {
  if (status === InvitationStatus.Accepted) return 'accepted';
  if (status === InvitationStatus.Declined) return 'declined';
  return 'none';
}

function statusOf(response: AttendeeResponse): InvitationStatus {
  if (response === 'accepted') return InvitationStatus.Accepted;
  if (response === 'declined') return InvitationStatus.Declined;
  return InvitationStatus.Invitation;
}

function minutesOf(lead: AppointmentEntity['alarmLeadTime']): number {
  const m = lead ? lead.asMinutes() : 0;
  return Number.isFinite(m) ? Math.max(0, Math.round(m)) : 0;
}

function withName<T extends { email: string }>(base: T, name: string | undefined): T & { name?: string } {
  return name ? { ...base, name } : base;
}

/** One appointment row as a CalendarEvent, without recurrence (seriesToEvent adds that). */
export function entityToEvent(entity: AppointmentEntity, opts: MappingOptions, stableKey?: string): CalendarEvent {
  const zone = zoneOf(opts);
  const ownerId = entity.associate?.associateId ?? 0;
  const participants = entity.participants ?? [];
  const ownerEntry = ownerId ? personOf(opts, { associateId: ownerId }) : undefined;
  const userName = entity.associate?.userName ?? '';
  const ownerEmail = participants.find((p) => ownerId && p.associateId === ownerId)?.emailAddress || ownerEntry?.email || (userName.includes('@') ? userName : '');
  const organizer: Person | undefined = ownerEmail ? withName({ email: ownerEmail }, entity.associate?.fullName || ownerEntry?.name) : undefined;

  const attendees: Attendee[] = [];
  for (const p of participants) {
    if (ownerId && p.associateId === ownerId) continue;
    const known = personOf(opts, { associateId: p.associateId, personId: p.personId });
    const email = p.emailAddress || known?.email;
    if (!email || attendees.some((a) => lower(a.email) === lower(email))) continue;
    attendees.push(withName({ email, response: responseOf(p.invitationStatus) }, known?.name));
  }

  const crmLinks: CrmLinks = {};
  if (entity.contact?.contactId) crmLinks.companyId = entity.contact.contactId;
  if (entity.person?.personId) crmLinks.personId = entity.person.personId;
  if (entity.project?.projectId) crmLinks.projectId = entity.project.projectId;
  if (entity.sale?.saleId) crmLinks.saleId = entity.sale.saleId;

  const event: CalendarEvent = {
    title: entity.title ?? '',
    description: entity.description ?? '',
    location: entity.location ?? '',
    timing: timingOf(entity, zone),
    showAs: entity.isFree ? 'free' : 'busy',
    private: entity.private !== undefined && entity.private !== null && entity.private !== AppointmentPrivate.Public,
    attendees,
    crmLinks,
  };
  if (entity.hasAlarm) event.reminderMinutes = minutesOf(entity.alarmLeadTime);
  if (organizer) event.organizer = organizer;
  if (entity.task?.value) event.category = entity.task.value;
  if (stableKey) event.stableKey = stableKey;
  return event;
}

/**
 * A recurring appointment from all rows of its series: the series once, with the occurrences that
 * differ from it (or are missing) as exceptions. `rows` carry what the side read, each row's stamp
 * included where it asked for one (see SeriesAnalysis.offSlot).
 */
export function seriesToEvent(rows: readonly SeriesRow[], opts: MappingOptions, stableKey?: string): SeriesAnalysis {
  return analyseSeries(rows, zoneOf(opts), (e) => entityToEvent(e, opts), stableKey);
}

function participantsFor(event: CalendarEvent, base: AppointmentEntity, opts: MappingOptions): ParticipantInfo[] {
  const ownerId = base.associate?.associateId ?? 0;
  const owner = (base.participants ?? []).filter((p) => ownerId && p.associateId === ownerId);
  const ownerEmail = lower(owner[0]?.emailAddress ?? personOf(opts, { associateId: ownerId })?.email);
  const out: ParticipantInfo[] = [...owner];
  for (const a of event.attendees) {
    const who = byEmail(opts, a.email);
    // Only people SuperOffice knows can take part; the owner is there already.
    if (!who || lower(a.email) === ownerEmail || (ownerId && who.associateId === ownerId)) continue;
    if (out.some((p) => (who.associateId ? p.associateId === who.associateId : p.personId === who.personId && !p.associateId))) continue;
    out.push({
      associateId: who.associateId ?? 0,
      personId: who.personId ?? 0,
      contactId: who.associateId ? 0 : who.contactId ?? 0,
      emailAddress: who.email,
      sendEmail: false,
      invitationStatus: statusOf(a.response),
    });
  }
  return out;
}

/**
 * `base` (a default entity for a create, the current one for an update) with the event's synced
 * fields written over it. A recurring event writes its rule; the first occurrence is `timing`.
 */
export function eventToEntity(event: CalendarEvent, base: AppointmentEntity, opts: MappingOptions): AppointmentEntity {
  const zone = zoneOf(opts);
  const e: AppointmentEntity = { ...base };
  e.title = event.title;
  e.description = event.description;
  e.location = event.location;
  if (event.timing.allDay) {
    e.isAlldayEvent = true;
    e.startDate = new Date(midnightOf(event.timing.startDate, zone));
    e.endDate = new Date(midnightOf(event.timing.endDate, zone));
  } else {
    e.isAlldayEvent = false;
    e.startDate = new Date(event.timing.start.instant);
    e.endDate = new Date(event.timing.end.instant);
  }
  e.isFree = event.showAs === 'free';
  const privateNow = base.private === AppointmentPrivate.PrivateUser || base.private === AppointmentPrivate.PrivateGroup;
  // A group-private appointment stays group-private; "private" from a calendar means the owner's.
  e.private = event.private ? (privateNow ? base.private : AppointmentPrivate.PrivateUser) : AppointmentPrivate.Public;
  // VisibleFor is derived from Private; an old copy must not contradict the new value.
  delete e.visibleFor;
  e.hasAlarm = event.reminderMinutes !== undefined;
  e.alarmLeadTime = mkDuration(event.reminderMinutes ?? 0, 'minutes');
  e.participants = participantsFor(event, base, opts);
  const task = (opts.tasks ?? []).find((t) => event.category !== undefined && lower(t.name) === lower(event.category))
    ?? (opts.defaultTaskId !== undefined ? (opts.tasks ?? []).find((t) => t.id === opts.defaultTaskId) ?? { id: opts.defaultTaskId, name: '' } : undefined);
  // SuperOffice fills in the rest of the TaskListItem from its id.
  if (task) e.task = { taskListItemId: task.id, ...(task.name ? { value: task.name } : {}) };
  // Id 0 is "no record": sending it clears a link the calendar does not carry.
  const links = event.crmLinks;
  e.contact = { contactId: links.companyId ?? 0 };
  e.person = { personId: links.personId ?? 0 };
  e.project = { projectId: links.projectId ?? 0 };
  e.sale = { saleId: links.saleId ?? 0 };
  if (event.recurrence) {
    const horizon = opts.noEndHorizonDays ?? DEFAULT_NO_END_HORIZON_DAYS;
    e.recurrence = { ...writeRule(event.recurrence.pattern, event.recurrence.range, zone, horizon), recurrenceId: base.recurrence?.recurrenceId ?? 0 };
  }
  return e;
}
