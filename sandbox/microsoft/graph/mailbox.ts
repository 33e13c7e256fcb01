// One Exchange Online mailbox's calendars. Whoever changes an event (the app through Graph, a person
// through the control API) goes through here, and every change is reported to `emit`, which drives
// change notifications. Occurrences of a series are derived on demand (see instancesIn); an edit of
// one becomes an exception on the master, a deletion a cancelled slot. Either renews the master's
// change key, as Exchange stores exceptions inside the master item.
import type { DirUser } from '../directory.ts';
import { badRequest, GraphError, itemNotFound } from './errors.ts';
import { defaultContent, extKey, type EventContent, type EventInput, type OccurrenceException, type StoredEvent } from './event-model.ts';
import { newCalendarId, newChangeKey, newEventId, newICalUid, occurrenceId, parseOccurrenceId } from './ids.ts';
import { expandSeries } from './recurrence.ts';

export interface Calendar {
  id: string;
  name: string;
  color: string;
  isDefault: boolean;
  changeKey: string;
}

export type ChangeType = 'created' | 'updated' | 'deleted';

export interface MailboxChange {
  user: DirUser;
  calendarId: string;
  eventId: string;
  changeType: ChangeType;
  changeKey: string | null;
}

export interface Instance {
  kind: 'singleInstance' | 'seriesMaster' | 'occurrence' | 'exception';
  id: string;
  master: StoredEvent;
  originalStart: number | null;
  content: EventContent;
  changeKey: string;
  modified: number;
}

// Events without exceptions or extended properties (most of them) share these empty collections and
// never write to them: only a series' occurrences are edited or cancelled, and a series gets maps of
// its own (see slots); the first extended property replaces NO_EXT. The benchmark's 10,000 mailboxes
// would otherwise carry three empty collections per event.
const NO_EXCEPTIONS: Map<number, OccurrenceException> = new Map();
const NO_CANCELLED: Set<number> = new Set();
const NO_EXT: StoredEvent['ext'] = new Map();

function slots(recurrence: unknown): Pick<StoredEvent, 'exceptions' | 'cancelled'> {
  return recurrence ? { exceptions: new Map(), cancelled: new Set() } : { exceptions: NO_EXCEPTIONS, cancelled: NO_CANCELLED };
}

/** `If-Match` against a change key: `*`, `W/"key"` or `"key"`; a mismatch is Exchange's 412. */
function checkIfMatch(ifMatch: string | undefined, changeKey: string): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const given = ifMatch.trim().replace(/^W\//i, '').replace(/^"|"$/g, '');
  if (given !== changeKey) {
    throw new GraphError(412, 'ErrorIrresolvableConflict', 'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.');
  }
}

export class Mailbox {
  readonly calendars = new Map<string, Calendar>();
  readonly events = new Map<string, StoredEvent>();
  private readonly byTransaction = new Map<string, string>();
  readonly defaultCalendarId: string;

  constructor(
    readonly user: DirUser,
    /** IANA zone of the mailbox (Outlook's working-hours zone): all-day events and the control page use it. */
    public timeZone: string,
    private readonly emit: (c: MailboxChange) => void,
    private readonly now: () => number,
  ) {
    this.defaultCalendarId = this.addCalendar('Calendar', true).id;
  }

  addCalendar(name: string, isDefault = false): Calendar {
    const cal = { id: newCalendarId(), name, color: isDefault ? 'auto' : 'lightBlue', isDefault, changeKey: newChangeKey() };
    this.calendars.set(cal.id, cal);
    return cal;
  }

  calendar(id: string): Calendar {
    const cal = this.calendars.get(id === 'default' ? this.defaultCalendarId : id);
    if (!cal) throw itemNotFound();
    return cal;
  }

  private instanceOf(master: StoredEvent, originalStart: number): Instance {
    const ex = master.exceptions.get(originalStart);
    const duration = master.content.end - master.content.start;
    const content = { ...master.content, start: originalStart, end: originalStart + duration, ...(ex?.overrides ?? {}) };
    return {
      kind: ex ? 'exception' : 'occurrence', id: occurrenceId(master.id, originalStart), master, originalStart, content,
      changeKey: ex?.changeKey ?? master.changeKey, modified: ex?.modified ?? master.modified,
    };
  }

  private asInstance(ev: StoredEvent): Instance {
    return { kind: ev.recurrence ? 'seriesMaster' : 'singleInstance', id: ev.id, master: ev, originalStart: null, content: ev.content, changeKey: ev.changeKey, modified: ev.modified };
  }

  /** An event, series master, or occurrence by id; null when there is none. */
  find(id: string): Instance | null {
    const ev = this.events.get(id);
    if (ev) return this.asInstance(ev);
    const occ = parseOccurrenceId(id);
    const master = occ ? this.events.get(occ.masterId) : undefined;
    if (!occ || !master?.recurrence || master.cancelled.has(occ.originalStart)) return null;
    const dur = master.content.end - master.content.start;
    const slots = expandSeries(master.recurrence, master.content.start, master.content.startZone, dur, occ.originalStart, occ.originalStart + Math.max(dur, 1));
    return slots.includes(occ.originalStart) ? this.instanceOf(master, occ.originalStart) : null;
  }

  get(id: string): Instance {
    const hit = this.find(id);
    if (!hit) throw itemNotFound();
    return hit;
  }

  /** `dedup` false: a repeated transactionId still makes a new event (a service that does not deduplicate). */
  create(calendarId: string, input: EventInput, organizer?: { name: string; address: string }, dedup = true): { event: StoredEvent; duplicate: boolean } {
    const cal = this.calendar(calendarId);
    if (input.transactionId && dedup) {
      const existing = this.events.get(this.byTransaction.get(input.transactionId) ?? '');
      if (existing) return { event: existing, duplicate: true };
    }
    const now = this.now();
    const c = input.content;
    const content = { ...defaultContent(c.start ?? now, c.end ?? now, c.startZone ?? 'UTC'), ...c };
    const ev: StoredEvent = {
      id: newEventId(), calendarId: cal.id, iCalUId: newICalUid(), changeKey: newChangeKey(), created: now, modified: now,
      transactionId: input.transactionId ?? null, content,
      organizer: organizer ?? { name: this.user.displayName, address: this.user.mail },
      ext: input.ext?.length ? new Map(input.ext.map((p) => [extKey(p.id), p])) : NO_EXT,
      recurrence: input.recurrence ?? null, ...slots(input.recurrence ?? null),
    };
    this.events.set(ev.id, ev);
    if (ev.transactionId) this.byTransaction.set(ev.transactionId, ev.id);
    this.emit({ user: this.user, calendarId: cal.id, eventId: ev.id, changeType: 'created', changeKey: ev.changeKey });
    return { event: ev, duplicate: false };
  }

  update(id: string, input: EventInput, ifMatch?: string): Instance {
    const target = this.get(id);
    checkIfMatch(ifMatch, target.changeKey);
    const master = target.master;
    const now = this.now();
    if (target.originalStart !== null) {
      if (input.recurrence !== undefined) throw badRequest('The recurrence of an occurrence cannot be set; change the series master.');
      if (input.ext?.length) throw badRequest('Extended properties of an occurrence cannot be set in this simulator; set them on the series master.');
      const prev = master.exceptions.get(target.originalStart);
      master.exceptions.set(target.originalStart, { overrides: { ...(prev?.overrides ?? {}), ...input.content }, changeKey: newChangeKey(), modified: now });
    } else {
      const timesChanged = input.content.start !== undefined || input.content.end !== undefined || input.content.startZone !== undefined;
      Object.assign(master.content, input.content);
      if (input.ext?.length && master.ext === NO_EXT) master.ext = new Map();
      for (const p of input.ext ?? []) master.ext.set(extKey(p.id), p);
      if (input.recurrence !== undefined) master.recurrence = input.recurrence;
      // Outlook drops a series' exceptions when its pattern or times change.
      if (input.recurrence !== undefined || timesChanged) Object.assign(master, slots(master.recurrence));
    }
    master.changeKey = newChangeKey();
    master.modified = now;
    this.emit({ user: this.user, calendarId: master.calendarId, eventId: master.id, changeType: 'updated', changeKey: master.changeKey });
    return target.originalStart !== null ? this.instanceOf(master, target.originalStart) : this.asInstance(master);
  }

  remove(id: string, ifMatch?: string): void {
    const target = this.get(id);
    checkIfMatch(ifMatch, target.changeKey);
    const master = target.master;
    if (target.originalStart !== null) {
      master.exceptions.delete(target.originalStart);
      master.cancelled.add(target.originalStart);
      master.changeKey = newChangeKey();
      master.modified = this.now();
      this.emit({ user: this.user, calendarId: master.calendarId, eventId: master.id, changeType: 'updated', changeKey: master.changeKey });
      return;
    }
    this.events.delete(master.id);
    if (master.transactionId) this.byTransaction.delete(master.transactionId);
    this.emit({ user: this.user, calendarId: master.calendarId, eventId: master.id, changeType: 'deleted', changeKey: null });
  }

  /** Whether an event made with this transactionId is still in the mailbox. */
  hasTransaction(transactionId: string): boolean {
    return this.events.has(this.byTransaction.get(transactionId) ?? '');
  }

  /** Single events and series masters of a calendar (what GET .../events lists). */
  masters(calendarId: string): StoredEvent[] {
    const cal = this.calendar(calendarId);
    return [...this.events.values()].filter((e) => e.calendarId === cal.id);
  }

  /** The instances of one series or single event that overlap [from, to): occurrences and exceptions, not the master. */
  instancesOf(ev: StoredEvent, from: number, to: number): Instance[] {
    const overlaps = (s: number, e: number) => s < to && (e > from || (e === s && s >= from));
    if (!ev.recurrence) return overlaps(ev.content.start, ev.content.end) ? [this.asInstance(ev)] : [];
    const dur = ev.content.end - ev.content.start;
    const out = expandSeries(ev.recurrence, ev.content.start, ev.content.startZone, dur, from, to)
      .filter((s) => !ev.cancelled.has(s) && !ev.exceptions.has(s))
      .map((s) => this.instanceOf(ev, s));
    for (const s of ev.exceptions.keys()) {
      const inst = this.instanceOf(ev, s);
      if (!ev.cancelled.has(s) && overlaps(inst.content.start, inst.content.end)) out.push(inst);
    }
    return out;
  }

  /** calendarView: every single event, occurrence and exception overlapping [from, to), by start. */
  instancesIn(calendarId: string, from: number, to: number): Instance[] {
    return sortInstances(this.masters(calendarId).flatMap((ev) => this.instancesOf(ev, from, to)));
  }

  /** What calendarView/delta reports: the view's instances plus the masters of series with one in it. */
  deltaInstances(calendarId: string, from: number, to: number): Instance[] {
    const out: Instance[] = [];
    for (const ev of this.masters(calendarId)) {
      const inst = this.instancesOf(ev, from, to);
      if (ev.recurrence && inst.length) out.push(this.asInstance(ev));
      out.push(...inst);
    }
    return sortInstances(out);
  }
}

export function sortInstances(list: Instance[]): Instance[] {
  return list.sort((a, b) => a.content.start - b.content.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
