// A deterministic event for engine tests: one hour on a fixed date, nothing optional set.
import type { CalendarEvent } from '../../server/sync/event.ts';

/** 2026-03-02 09:00-10:00 in Europe/Oslo (CET, so 08:00-09:00Z), busy, not private, no attendees. */
export function makeEvent(over: Partial<CalendarEvent> = {}): CalendarEvent {
  return {
    title: 'Planning meeting',
    description: '',
    location: '',
    timing: {
      allDay: false,
      start: { instant: '2026-03-02T08:00:00.000Z', timeZone: 'Europe/Oslo' },
      end: { instant: '2026-03-02T09:00:00.000Z', timeZone: 'Europe/Oslo' },
    },
    showAs: 'busy',
    private: false,
    attendees: [],
    crmLinks: {},
    ...over,
  };
}

/** A timed span in Europe/Oslo between two UTC instants. */
export const timedOslo = (start: string, end: string): CalendarEvent['timing'] => ({
  allDay: false,
  start: { instant: start, timeZone: 'Europe/Oslo' },
  end: { instant: end, timeZone: 'Europe/Oslo' },
});

/**
 * The provider side tests' fuller event: 2026-05-04 10:00-11:00 Oslo, with a description,
 * location, reminder, organiser and category, for `organizer` (the diary's or mailbox's owner).
 */
export function pilotReview(organizer: { email: string; name: string }, over: Partial<CalendarEvent> = {}): CalendarEvent {
  return makeEvent({
    title: 'Pilot review',
    description: 'Where we are with the pilot',
    location: 'Room 4',
    timing: timedOslo('2026-05-04T08:00:00.000Z', '2026-05-04T09:00:00.000Z'),
    reminderMinutes: 15,
    organizer,
    category: 'Meeting',
    ...over,
  });
}
