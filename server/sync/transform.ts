// What the engine writes to each side: the source item filtered through the profile's rules
// (field directions, subject template, participants in the text, invitation policy, reminders,
// default type), laid over the target's current item. Pure. toSuperOffice undoes what toCalendar
// adds, so an item that goes to the calendar and comes back is unchanged in SuperOffice.
import type { Attendee, CalendarEvent, Person } from './event.ts';
import { SYNCED_FIELDS, type SyncedField } from './hash.ts';
import type { SideName } from './plan-types.ts';
import { subjectTokens, type EffectiveSettings, type SubjectPlaceholder } from './settings.ts';

/** SuperOffice names of the item's company and person, for the subject template. */
export interface SubjectNames {
  company?: string;
  person?: string;
}

export interface CalendarContext {
  /** The calendar's mailbox; the invitation policy compares it with the organiser. */
  mailbox: string;
  names?: SubjectNames;
}

/** Start of the block of SuperOffice participants appended to the calendar text. */
const PARTICIPANTS_MARKER = '-- Participants (synced from SuperOffice) --';

/** Whether `field` may travel away from side `from`, by its field direction alone. */
function travels(settings: EffectiveSettings, field: SyncedField, from: SideName): boolean {
  const d = settings.fieldDirections[field] ?? 'two_way';
  return d === 'two_way' || d === (from === 'superoffice' ? 'to_calendar' : 'to_superoffice');
}

/**
 * The fields of an item on side `from` whose change can alter what is written to the other side:
 * a change to any other field is no edit worth syncing. Only field rules count here; the link's
 * direction is planSync's business.
 */
export function hashFieldsFor(from: SideName, settings: EffectiveSettings): SyncedField[] {
  const may = (f: SyncedField) => travels(settings, f, from);
  if (from === 'calendar') {
    // crmLinks never come from the calendar, which knows nothing of them.
    return SYNCED_FIELDS.filter((f) => f !== 'crmLinks' && may(f) && (f !== 'reminderMinutes' || settings.reminders.toSuperOffice));
  }
  const copy = settings.invitationPolicy === 'organizer_copy';
  const uses = (p: SubjectPlaceholder) => may('title') && subjectTokens(settings.subjectTemplate).some((t) => 'placeholder' in t && t.placeholder === p);
  return SYNCED_FIELDS.filter((f) => {
    switch (f) {
      case 'reminderMinutes':
        return may(f) && settings.reminders.toCalendar;
      case 'organizer':
        return may(f) && copy;
      case 'attendees':
        return may(f) && (copy || (settings.participantsInDescription && may('description')));
      case 'category':
        return may(f) || uses('type');
      case 'crmLinks':
        return may(f) || uses('company') || uses('person');
      default:
        return may(f);
    }
  });
}

/** The calendar item to write for SuperOffice item `source`, over the calendar's `current` (null: creating). */
export function toCalendar(source: CalendarEvent, current: CalendarEvent | null, settings: EffectiveSettings, ctx: CalendarContext): CalendarEvent {
  const may = (f: SyncedField) => travels(settings, f, 'superoffice');
  const showParticipants = settings.participantsInDescription && may('attendees');
  // Writing attendees makes the calendar send invitations; only the organiser's own copy may.
  const invites = settings.invitationPolicy === 'organizer_copy' && sameEmail(source.organizer, ctx.mailbox);
  return finish({
    title: may('title') ? renderSubject(settings.subjectTemplate, subjectValues(source.title, source.category, ctx.names)) : (current?.title ?? ''),
    description: may('description') ? withParticipants(source.description, showParticipants ? source.attendees : []) : (current?.description ?? ''),
    location: may('location') ? source.location : (current?.location ?? ''),
    // An item cannot be created without a time; the source's is the only one there is.
    timing: may('timing') ? source.timing : (current?.timing ?? source.timing),
    showAs: may('showAs') ? source.showAs : (current?.showAs ?? 'busy'),
    private: may('private') ? source.private : (current?.private ?? false),
    reminderMinutes: may('reminderMinutes') && settings.reminders.toCalendar ? source.reminderMinutes : current?.reminderMinutes,
    organizer: invites && may('organizer') ? source.organizer : current?.organizer,
    attendees: invites && may('attendees') ? source.attendees : (current?.attendees ?? []),
    recurrence: may('recurrence') ? source.recurrence : current?.recurrence,
    category: may('category') ? source.category : current?.category,
    crmLinks: may('crmLinks') ? source.crmLinks : (current?.crmLinks ?? {}),
    stableKey: current?.stableKey ?? source.stableKey,
  });
}

/** The SuperOffice item to write for calendar item `source`, over SuperOffice's `current` (null: creating). */
export function toSuperOffice(source: CalendarEvent, current: CalendarEvent | null, settings: EffectiveSettings, ctx: { names?: SubjectNames } = {}): CalendarEvent {
  const may = (f: SyncedField) => travels(settings, f, 'calendar');
  // A calendar without categories (Google) must not wipe the SuperOffice type, which every appointment needs.
  const category = (may('category') ? source.category : undefined) ?? current?.category ?? settings.defaultType ?? undefined;
  return finish({
    title: may('title') ? titleFromCalendar(source.title, settings, [category, current?.category], ctx.names) : (current?.title ?? ''),
    description: may('description') ? withoutParticipants(source.description) : (current?.description ?? ''),
    location: may('location') ? source.location : (current?.location ?? ''),
    timing: may('timing') ? source.timing : (current?.timing ?? source.timing),
    showAs: may('showAs') ? source.showAs : (current?.showAs ?? 'busy'),
    private: may('private') ? source.private : (current?.private ?? false),
    reminderMinutes: may('reminderMinutes') && settings.reminders.toSuperOffice ? source.reminderMinutes : current?.reminderMinutes,
    organizer: may('organizer') ? (source.organizer ?? current?.organizer) : current?.organizer,
    attendees: may('attendees') ? attendeesFromCalendar(source, current, settings) : (current?.attendees ?? []),
    recurrence: may('recurrence') ? source.recurrence : current?.recurrence,
    category,
    crmLinks: current?.crmLinks ?? {},
    stableKey: current?.stableKey ?? source.stableKey,
  });
}

// Under 'never' (and for items the mailbox does not organise) we never write attendees to the
// calendar, so an empty calendar list says nothing about SuperOffice's participants and must not
// erase them. A non-empty list is a calendar meeting, whose attendees become participants.
function attendeesFromCalendar(source: CalendarEvent, current: CalendarEvent | null, settings: EffectiveSettings): Attendee[] {
  if (!current || source.attendees.length > 0) return source.attendees;
  const ourCopy = settings.invitationPolicy === 'organizer_copy' && current.organizer !== undefined && sameEmail(source.organizer, current.organizer.email);
  return ourCopy ? [] : current.attendees;
}

function subjectValues(title: string, type: string | undefined, names: SubjectNames | undefined): Record<SubjectPlaceholder, string> {
  return { title, type: type ?? '', company: names?.company ?? '', person: names?.person ?? '' };
}

function renderSubject(template: string, values: Record<SubjectPlaceholder, string>): string {
  return subjectTokens(template)
    .map((t) => ('text' in t ? t.text : values[t.placeholder]))
    .join('');
}

/**
 * The SuperOffice title behind a calendar subject: the {title} part when the subject still matches
 * the template (tried with each type it may have been rendered with), else the subject as the user
 * left it. Only a title that also travels to the calendar was ever rendered, so only that is parsed.
 */
function titleFromCalendar(subject: string, settings: EffectiveSettings, types: Array<string | undefined>, names: SubjectNames | undefined): string {
  if (!travels(settings, 'title', 'superoffice')) return subject;
  for (const type of new Set(types.map((t) => t ?? ''))) {
    const title = parseSubject(settings.subjectTemplate, subject, subjectValues('', type, names));
    if (title !== null) return title;
  }
  return subject;
}

// Every part but {title} is a known string, so the match is exact and unique: the title's length
// follows from the subject's, and repeated {title}s must agree (the back-reference).
function parseSubject(template: string, subject: string, values: Record<SubjectPlaceholder, string>): string | null {
  let seenTitle = false;
  const pattern = subjectTokens(template)
    .map((t) => {
      if ('text' in t) return escapeRegExp(t.text);
      if (t.placeholder !== 'title') return escapeRegExp(values[t.placeholder]);
      if (seenTitle) return '\\1';
      seenTitle = true;
      return '([\\s\\S]*)';
    })
    .join('');
  if (!seenTitle) return null;
  return new RegExp(`^${pattern}$`).exec(subject)?.[1] ?? null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// The block goes last, after a blank line (or alone when there is no text), so that removing the
// last block restores the text exactly, trailing newlines included.
function withParticipants(text: string, attendees: readonly Attendee[]): string {
  if (attendees.length === 0) return text;
  const block = [PARTICIPANTS_MARKER, ...attendees.map(participantLine)].join('\n');
  return text === '' ? block : `${text}\n\n${block}`;
}

// Removed whatever the profile says now, so a block written before the setting changed never
// reaches SuperOffice. Text typed below the block is lost with it.
function withoutParticipants(text: string): string {
  const at = text.lastIndexOf(`\n\n${PARTICIPANTS_MARKER}\n`);
  if (at >= 0) return text.slice(0, at);
  return text.startsWith(`${PARTICIPANTS_MARKER}\n`) ? '' : text;
}

// Always holds '<', so a line is never empty and never the marker itself.
function participantLine(a: Attendee): string {
  const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');
  return a.name ? `${oneLine(a.name)} <${oneLine(a.email)}>` : `<${oneLine(a.email)}>`;
}

function sameEmail(person: Person | undefined, email: string): boolean {
  return person !== undefined && person.email.trim().toLowerCase() === email.trim().toLowerCase();
}

const OPTIONAL = ['reminderMinutes', 'organizer', 'recurrence', 'category', 'stableKey'] as const;

/** A deep copy that shares nothing with its inputs and omits optional fields without a value. */
function finish(event: CalendarEvent): CalendarEvent {
  const out = structuredClone(event);
  for (const k of OPTIONAL) if (out[k] === undefined) delete out[k];
  return out;
}
