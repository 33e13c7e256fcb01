// The provider-neutral appointment every side maps to and from. Plain data only: the engine
// hashes and compares it, each provider's mapping.ts translates it, nothing here does I/O.

/** An instant in UTC (ISO 8601, e.g. `2026-03-29T07:00:00.000Z`) plus the IANA zone it was set in. */
export interface ZonedInstant {
  /** ISO 8601 instant; any offset is accepted, the hash normalises it to UTC. */
  instant: string;
  /** IANA zone name (`Europe/Oslo`), kept so recurrences expand on the right wall clock. */
  timeZone: string;
}

/** When the event happens: timed (instants) or all-day (dates, end exclusive, no zone). */
export type EventTiming =
  | { allDay: false; start: ZonedInstant; end: ZonedInstant }
  /** `startDate` and `endDate` are `YYYY-MM-DD`; `endDate` is exclusive, as in iCalendar. */
  | { allDay: true; startDate: string; endDate: string };

export type ShowAs = 'busy' | 'free' | 'tentative' | 'oof';

export type AttendeeResponse = 'none' | 'accepted' | 'declined' | 'tentative';

export interface Person {
  /** Matching key across sides; compared case-insensitively. */
  email: string;
  name?: string;
}

export interface Attendee extends Person {
  response: AttendeeResponse;
}

/** How a series repeats; modelled on the common ground of RRULE, Graph and SuperOffice RecurrenceInfo. */
export type RecurrencePattern =
  | { type: 'daily'; interval: number }
  | { type: 'weekly'; interval: number; daysOfWeek: Weekday[]; firstDayOfWeek?: Weekday }
  | { type: 'monthly'; interval: number; dayOfMonth: number }
  | { type: 'monthlyNth'; interval: number; weekday: Weekday; nth: 1 | 2 | 3 | 4 | -1 }
  | { type: 'yearly'; interval: number; month: number; dayOfMonth: number };

export type Weekday = 'mo' | 'tu' | 'we' | 'th' | 'fr' | 'sa' | 'su';

/** Where a series stops; `startDate` is the first occurrence's date in the series' zone. */
export type RecurrenceRange =
  | { type: 'noEnd'; startDate: string }
  | { type: 'endDate'; startDate: string; endDate: string }
  | { type: 'count'; startDate: string; count: number };

/**
 * One occurrence that differs from the pattern, identified by its original start
 * (an instant for timed series, a date for all-day ones) so both sides can match it.
 */
export type RecurrenceException =
  | { kind: 'cancelled'; originalStart: string }
  /** Moved or otherwise changed: `changes` holds only the fields that differ from the series. */
  | { kind: 'changed'; originalStart: string; changes: Partial<Omit<CalendarEvent, 'recurrence' | 'stableKey' | 'crmLinks'>> };

export interface Recurrence {
  pattern: RecurrencePattern;
  range: RecurrenceRange;
  exceptions: RecurrenceException[];
}

/** SuperOffice records an appointment belongs to; numeric ids as SuperOffice hands them out. */
export interface CrmLinks {
  companyId?: number;
  personId?: number;
  projectId?: number;
  saleId?: number;
}

export interface CalendarEvent {
  title: string;
  description: string;
  location: string;
  timing: EventTiming;
  showAs: ShowAs;
  private: boolean;
  /** Minutes before start; undefined means no reminder (0 is a reminder at start). */
  reminderMinutes?: number;
  organizer?: Person;
  attendees: Attendee[];
  recurrence?: Recurrence;
  /** SuperOffice appointment type / calendar category, by name; mapping decides how each side stores it. */
  category?: string;
  crmLinks: CrmLinks;
  /**
   * Our idempotency key (tenant + link + item), stamped on every item we create and searched for
   * before any create, so retries and relinks adopt instead of duplicating.
   */
  stableKey?: string;
}
