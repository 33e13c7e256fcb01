// The shell's document (the DemoTenant shape of sandbox/demo.ts) read from the SuperOffice simulator:
// its users and the appointments in its tenant API, so what a person edits in the shell, and what
// the app writes through the API, is what the diary shows.
import { demoTenant, localIso, weekStart, type DemoAppointment, type DemoTenant, type DemoUser } from '../demo.ts';
import type { TenantApiControl } from './api/tenant-api.ts';
import type { Json } from './api/wire.ts';
import type { SuperOfficeStore } from './store.ts';

const idOf = (v: unknown, field: string): number => {
  const id = v && typeof v === 'object' ? (v as Record<string, unknown>)[field] : undefined;
  return typeof id === 'number' ? id : 0;
};
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

export function shellData(store: SuperOfficeStore, control: TenantApiControl, ctx: string): (now?: Date) => DemoTenant {
  return (now = new Date()) => {
    const tenant = store.tenant(ctx);
    if (!tenant) throw new Error(`The simulator has no tenant ${ctx}`);
    // The store keeps no culture (SuperOffice's <lanc>); the demo's users carry it.
    const cultures = new Map(demoTenant(now).users.map((u) => [u.associateId, u.culture]));
    const users: DemoUser[] = store.users(tenant).map((a) => ({
      associateId: a.associateId,
      firstName: a.firstName,
      lastName: a.lastName,
      email: a.email,
      isAdministrator: a.isAdministrator,
      calendarSystem: a.calendarSystem,
      mailbox: a.mailbox,
      language: a.language,
      culture: cultures.get(a.associateId) ?? 'en-US',
    }));
    const appointments = control.appointments(ctx).map((e: Json): DemoAppointment => {
      const contactId = idOf(e.Contact, 'ContactId');
      return {
        id: Number(e.AppointmentId),
        associateId: idOf(e.Associate, 'AssociateId'),
        title: text(e.Title),
        // The control view answers in UTC; the shell's date tags and day grouping want local wall time.
        start: localIso(new Date(text(e.StartDate))),
        end: localIso(new Date(text(e.EndDate))),
        location: text(e.Location),
        companyName: (contactId && tenant.companies.get(contactId)?.name) || '',
        description: text(e.Description),
      };
    });
    const monday = weekStart(now);
    const nextMonday = new Date(monday);
    nextMonday.setDate(monday.getDate() + 7);
    return {
      contextIdentifier: tenant.contextIdentifier,
      companyName: tenant.companyName,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      week: { start: localIso(monday), end: localIso(nextMonday) },
      users,
      appointments,
    };
  };
}
