// The demo tenant the sandbox shows before the SuperOffice simulator exists: one company, four users
// (one administrator), a handful of appointments each. The sandbox seeds these into the SuperOffice
// simulator and shows the simulator's data (superoffice/shell-data.ts); this static form stays the
// shell's default for tests that run it without a simulator.
export type CalendarSystem = 'graph' | 'google' | 'ews';

export interface DemoUser {
  associateId: number;
  firstName: string;
  lastName: string;
  email: string;
  isAdministrator: boolean;
  /** Which calendar the user's diary is synced with; null: not linked yet. */
  calendarSystem: CalendarSystem | null;
  /** The mailbox on that calendar system; null when there is none. */
  mailbox: string | null;
  /** ISO 639-1, what SuperOffice puts in <lani>. */
  language: string;
  /** What SuperOffice puts in <lanc>. */
  culture: string;
}

export interface DemoAppointment {
  id: number;
  associateId: number;
  title: string;
  /** Instants (ISO 8601 with offset) in the tenant's time zone. */
  start: string;
  end: string;
  location: string;
  companyName: string;
  description: string;
}

export interface DemoTenant {
  contextIdentifier: string;
  companyName: string;
  /** IANA zone the diary is kept in. */
  timeZone: string;
  /** The week the diary shows: Monday 00:00 to the next Monday 00:00, local to the server. */
  week: { start: string; end: string };
  users: DemoUser[];
  appointments: DemoAppointment[];
}

const USERS: DemoUser[] = [
  {
    associateId: 5,
    firstName: 'Ada',
    lastName: 'Lindqvist',
    email: 'ada.lindqvist@demo-company.example',
    isAdministrator: true,
    calendarSystem: 'graph',
    mailbox: 'ada.lindqvist@demo-company.example',
    language: 'en',
    culture: 'en-US',
  },
  {
    associateId: 6,
    firstName: 'Bjørn',
    lastName: 'Haugen',
    email: 'bjorn.haugen@demo-company.example',
    isAdministrator: false,
    calendarSystem: 'google',
    mailbox: 'bjorn.haugen@demo-company.example',
    language: 'nb',
    culture: 'nb-NO',
  },
  {
    associateId: 7,
    firstName: 'Carla',
    lastName: 'Mendes',
    email: 'carla.mendes@demo-company.example',
    isAdministrator: false,
    calendarSystem: 'ews',
    mailbox: 'carla.mendes@exchange.demo-company.example',
    language: 'en',
    culture: 'en-GB',
  },
  {
    associateId: 8,
    firstName: 'Daniel',
    lastName: 'Okafor',
    email: 'daniel.okafor@demo-company.example',
    isAdministrator: false,
    // The second Microsoft 365 user, so the sandbox shows two synced diaries side by side.
    calendarSystem: 'graph',
    mailbox: 'daniel.okafor@demo-company.example',
    language: 'en',
    culture: 'en-US',
  },
];

/** [associateId, weekday 0=Monday, start "HH:MM", minutes, title, company, location, description] */
type Row = [number, number, string, number, string, string, string, string];
const ROWS: Row[] = [
  [5, 0, '09:00', 30, 'Weekly sales meeting', 'Demo Company', 'Room Fjord', 'Pipeline review for the quarter.'],
  [5, 1, '13:00', 60, 'Contract review with Nordic Tools', 'Nordic Tools AS', 'Teams', 'Renewal terms and seat count.'],
  [5, 2, '10:30', 45, 'Calendar Sync rollout plan', 'Demo Company', 'Room Fjord', 'Which users to link first.'],
  [5, 4, '15:00', 30, 'Budget check-in', 'Demo Company', 'Ada’s office', 'Travel budget for next quarter.'],
  [6, 0, '08:30', 60, 'Site visit: Fjellet Bygg', 'Fjellet Bygg AS', 'Bergen', 'Demo of the new service plan.'],
  [6, 1, '11:00', 30, 'Call with Lund & Co', 'Lund & Co', 'Phone', 'Follow up on the quote from last week.'],
  [6, 3, '14:00', 90, 'Workshop: onboarding Vest Energi', 'Vest Energi', 'Their office, floor 3', 'Kick-off with the project team.'],
  [7, 0, '10:00', 60, 'Quarterly review with Atlas Freight', 'Atlas Freight Ltd', 'London office', 'Volumes, service levels, next steps.'],
  [7, 2, '09:30', 30, 'Demo for Brightside Health', 'Brightside Health', 'Teams', 'Product demo with the IT lead.'],
  [7, 3, '16:00', 45, 'Price list update', 'Demo Company', 'Room Atlas', 'Agree the 2026 list prices.'],
  [8, 1, '09:00', 60, 'Training: SuperOffice diary', 'Demo Company', 'Room Fjord', 'Introduction for new staff.'],
  [8, 2, '13:30', 30, 'Lunch with Kari Nilsen', 'Nilsen Consulting', 'Café Sentrum', 'Introductions; possible partnership.'],
  [8, 4, '10:00', 60, 'Prepare tender for Oslo Kommune', 'Oslo Kommune', 'Room Atlas', 'Draft the response outline.'],
];

/** Monday 00:00 local time of the week holding `now`. */
export function weekStart(now: Date): Date {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d;
}

/** ISO 8601 with the local offset, the form SuperOffice's REST API uses for diary times. */
export function localIso(d: Date): string {
  const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:00` +
    `${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`
  );
}

/** The demo tenant with its appointments placed in the current week, so the diary is never empty. */
export function demoTenant(now: Date = new Date()): DemoTenant {
  const monday = weekStart(now);
  const nextMonday = new Date(monday);
  nextMonday.setDate(monday.getDate() + 7);
  const appointments = ROWS.map(([associateId, day, hhmm, minutes, title, companyName, location, description], i) => {
    const [h, m] = hhmm.split(':').map(Number) as [number, number];
    const start = new Date(monday.getFullYear(), monday.getMonth(), monday.getDate() + day, h, m);
    const end = new Date(start.getTime() + minutes * 60_000);
    return { id: 1001 + i, associateId, title, start: localIso(start), end: localIso(end), location, companyName, description };
  });
  return {
    contextIdentifier: 'Cust12345',
    companyName: 'Demo Company',
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    week: { start: localIso(monday), end: localIso(nextMonday) },
    users: USERS.map((u) => ({ ...u })),
    appointments,
  };
}
