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
