// An event as Graph v1.0 writes it: the full property set by default, `$select` trimming it to the
// named properties plus `id` and `@odata.etag`, extended properties only when expanded (and then only
// when the event has one of them), start/end in the Prefer outlook.timezone zone. All-day events are
// floating midnights: their dateTime is midnight whatever zone is asked for. Delta answers use the
// same rendering for every instance, occurrences included (delta.ts).
import type { Mailbox, Instance } from './mailbox.ts';
import type { JsonObject } from './event-model.ts';
import type { Prefer } from './odata.ts';
import { dateTimeTimeZone, formatWall, resolveZone, toWall } from './time-zone.ts';

export const EVENT_PROPERTIES = [
  'id', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'categories', 'transactionId', 'originalStartTimeZone',
  'originalEndTimeZone', 'iCalUId', 'reminderMinutesBeforeStart', 'isReminderOn', 'hasAttachments', 'subject', 'bodyPreview',
  'importance', 'sensitivity', 'isAllDay', 'isCancelled', 'isOrganizer', 'responseRequested', 'seriesMasterId', 'showAs', 'type',
  'webLink', 'onlineMeetingUrl', 'isOnlineMeeting', 'onlineMeetingProvider', 'allowNewTimeProposals', 'isDraft', 'hideAttendees',
  'responseStatus', 'body', 'start', 'end', 'location', 'locations', 'recurrence', 'attendees', 'organizer', 'onlineMeeting',
  'originalStart',
] as const;

export interface RenderView {
  prefer: Prefer;
  select: Set<string> | null;
  expand: Set<string> | 'all' | null;
  /** The simulator's origin: an event's webLink opens its own mailbox page there. */
  webOrigin: string;
}

/**
 * The event's webLink. Real Graph points at outlook.office365.com, which would leave the sandbox;
 * here it is the simulator's mailbox page (control-page.ts), which opens the event's week with the
 * event marked and scrolled to.
 */
export function eventWebLink(webOrigin: string, upn: string, eventId: string): string {
  return `${webOrigin}/control/mailbox/${encodeURIComponent(upn)}?${new URLSearchParams({ event: eventId })}#event`;
}

const DAY = 86_400_000;

function stripHtml(html: string): string {
  return html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' ').replace(/&nbsp;/g, ' ').replace(/\s+/g, ' ').trim();
}

function time(instant: number, ownZone: string, allDay: boolean, prefer: Prefer) {
  if (allDay) {
    const iana = resolveZone(ownZone) ?? 'UTC';
    const wall = Math.round(toWall(instant, iana) / DAY) * DAY;
    return { dateTime: formatWall(wall), timeZone: prefer.zoneLabel };
  }
  return dateTimeTimeZone(instant, prefer.zone, prefer.zoneLabel);
}

function instanceICalUid(inst: Instance): string {
  if (inst.originalStart === null) return inst.master.iCalUId;
  return inst.master.iCalUId.slice(0, -16) + inst.originalStart.toString(16).toUpperCase().padStart(16, '0');
}

function fullJson(inst: Instance, box: Mailbox, prefer: Prefer, webOrigin: string): JsonObject {
  const c = inst.content;
  const m = inst.master;
  const isSeries = inst.originalStart !== null;
  const html = c.body.contentType === 'html';
  const body = prefer.bodyContentType === 'text' && html ? { contentType: 'text', content: stripHtml(c.body.content) } : { contentType: c.body.contentType, content: c.body.content };
  const owner = m.organizer.address.toLowerCase() === box.user.mail.toLowerCase();
  return {
    id: inst.id,
    createdDateTime: new Date(m.created).toISOString(),
    lastModifiedDateTime: new Date(inst.modified).toISOString(),
    changeKey: inst.changeKey,
    categories: c.categories,
    transactionId: m.transactionId,
    originalStartTimeZone: c.startZone,
    originalEndTimeZone: c.endZone,
    iCalUId: instanceICalUid(inst),
    reminderMinutesBeforeStart: c.reminderMinutesBeforeStart,
    isReminderOn: c.isReminderOn,
    hasAttachments: false,
    subject: c.subject,
    bodyPreview: (html ? stripHtml(c.body.content) : c.body.content).slice(0, 255),
    importance: c.importance,
    sensitivity: c.sensitivity,
    isAllDay: c.isAllDay,
    isCancelled: false,
    isOrganizer: owner,
    responseRequested: c.responseRequested,
    seriesMasterId: isSeries ? m.id : null,
    showAs: c.showAs,
    type: inst.kind,
    webLink: eventWebLink(webOrigin, box.user.userPrincipalName, inst.id),
    onlineMeetingUrl: null,
    isOnlineMeeting: c.isOnlineMeeting,
    onlineMeetingProvider: c.onlineMeetingProvider,
    allowNewTimeProposals: c.allowNewTimeProposals,
    isDraft: false,
    hideAttendees: c.hideAttendees,
    responseStatus: { response: owner ? 'organizer' : 'notResponded', time: '0001-01-01T00:00:00Z' },
    body,
    start: time(c.start, c.startZone, c.isAllDay, prefer),
    end: time(c.end, c.endZone, c.isAllDay, prefer),
    location: c.location,
    locations: c.locations.length ? c.locations : c.location.displayName ? [c.location] : [],
    recurrence: inst.kind === 'seriesMaster' && m.recurrence ? (m.recurrence as unknown as JsonObject) : null,
    attendees: c.attendees,
    organizer: { emailAddress: { name: m.organizer.name, address: m.organizer.address } },
    onlineMeeting: null,
    ...(isSeries ? { originalStart: new Date(inst.originalStart!).toISOString().replace('.000Z', 'Z') } : {}),
  };
}

export function eventJson(inst: Instance, box: Mailbox, view: RenderView): JsonObject {
  const full = fullJson(inst, box, view.prefer, view.webOrigin);
  const out: JsonObject = { '@odata.etag': `W/"${inst.changeKey}"` };
  if (view.select) {
    out.id = inst.id;
    for (const k of view.select) if (k in full) out[k] = full[k]!;
  } else Object.assign(out, full);
  if (view.expand) {
    const props = [...inst.master.ext].filter(([k]) => view.expand === 'all' || (view.expand as Set<string>).has(k)).map(([, p]) => ({ id: p.id, value: p.value }));
    if (props.length) out.singleValueExtendedProperties = props;
  }
  return out;
}
