// Builds a link's two sides for the sync task: SuperOffice (the owner's diary through the tenant's
// system user) and the calendar of the profile's system, from a registry of connectors. A system
// with no connector in this build makes the link say so instead of failing every minute.
import type { SuperOfficeApi } from '../superoffice/api-client.ts';
import type { SuperOfficeDirectory } from '../providers/superoffice/directory.ts';
import { createSuperOfficeSide, type SuperOfficeSideOptions } from '../providers/superoffice/side.ts';
import type { CalendarSide } from '../sync/side.ts';
import { CalendarUnavailable, type LinkForSync, type SidesFactory } from './sync-link.ts';
import type { TenantForWork } from './tenant-work.ts';

/** One calendar system's connector: the side of one link's mailbox, bound to its window. */
export type CalendarSideFactory = (link: LinkForSync, window: { from: Date; to: Date }, tenant: TenantForWork) => Promise<CalendarSide>;

const SYSTEM_NAMES: Record<string, string> = { graph: 'Microsoft 365', ews: 'Exchange Server', google: 'Google Workspace' };

export function createLinkSides(deps: {
  api: SuperOfficeApi;
  calendars: Record<string, CalendarSideFactory>;
  /** The SuperOffice side's options that come from the tenant (people, types, zone). */
  superofficeOptions?: (tenant: TenantForWork) => Partial<Parameters<typeof createSuperOfficeSide>[0]>;
}): SidesFactory {
  return async (link, window, tenant) => {
    const factory = deps.calendars[link.calendarSystem];
    if (!factory) {
      throw new CalendarUnavailable(`This installation has no ${SYSTEM_NAMES[link.calendarSystem] ?? link.calendarSystem} connector yet, so this user's calendar cannot be synced.`);
    }
    const bounds = { from: new Date(window.from), to: new Date(window.to) };
    const superoffice = createSuperOfficeSide({
      api: deps.api,
      tenant: tenant.who,
      associateId: link.associateId,
      window: bounds,
      ...deps.superofficeOptions?.(tenant),
    });
    return { superoffice, calendar: await factory(link, bounds, tenant) };
  };
}

/** The SuperOffice side's options that come from the tenant: its people, appointment types and base zone. */
export function superOfficeSideOptions(directories: (tenant: TenantForWork['who']) => SuperOfficeDirectory) {
  return (t: TenantForWork): Partial<SuperOfficeSideOptions> => {
    const d = directories(t.who);
    return {
      people: () => d.people(),
      tasks: () => d.tasks(),
      findPeople: (emails) => d.findByEmails(emails),
      // SuperOffice's wall times are in the tenant's base zone; unknown, the side assumes Europe/Oslo.
      ...(t.row.time_zone ? { timeZone: t.row.time_zone } : {}),
    };
  };
}
