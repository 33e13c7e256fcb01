// The SuperOffice side against the whole simulator: the demo tenant with the app installed, the
// app's SuperOffice services (tickets, tenant state, SDK agents), and sides for Ada's diary built
// with the tenant's people and appointment types, as the sync job will build them.
import { createSuperOfficeServices, type SuperOfficeServices } from '../../../server/superoffice/services.ts';
import type { SystemUserTenant } from '../../../server/superoffice/system-user.ts';
import { createSuperOfficeSide, type SuperOfficeSideOptions } from '../../../server/providers/superoffice/side.ts';
import type { SuperOfficePerson, TaskType } from '../../../server/providers/superoffice/mapping.ts';
import type { CalendarSide } from '../../../server/sync/side.ts';
import { startSuperOfficeSim, type SimOptions, type SuperOfficeSim } from '../../helpers/superoffice-sim.ts';

export const CTX = 'Cust12345';
/** Ada Lindqvist, whose diary the sides are bound to. */
export const ADA = 5;
/** The simulator's activity types (sandbox/superoffice/api/appointment-entity.ts). */
export const TASKS: TaskType[] = [
  { id: 1, name: 'Meeting' },
  { id: 2, name: 'Phone call' },
  { id: 3, name: 'Lunch' },
  { id: 4, name: 'Out of office' },
];

export interface SideHarness {
  so: SuperOfficeSim;
  services: SuperOfficeServices;
  who: SystemUserTenant;
  people: SuperOfficePerson[];
  side(opts?: Partial<SuperOfficeSideOptions>): CalendarSide;
  close(): Promise<void>;
}

export async function startSideHarness(sim: SimOptions = {}): Promise<SideHarness> {
  const so = await startSuperOfficeSim(sim);
  const services = createSuperOfficeServices(
    { identityBaseUrl: so.sim.url, clientId: so.seed.app.clientId, clientSecret: so.seed.app.clientSecret, privateKey: so.seed.privateKeyPem },
    { publicUrl: 'https://app.example', extraCaPem: so.caPem },
  );
  const who: SystemUserTenant = { tenantId: 'tenant-1', contextIdentifier: CTX, systemToken: so.systemToken, serial: so.tenant.serial };
  const users = [...so.tenant.associates.values()].filter((a) => a.userType === 'InternalAssociate');
  const userPersons = new Set(users.map((a) => a.personId));
  const people: SuperOfficePerson[] = [
    ...users.map((a) => ({ email: a.email, name: `${a.firstName} ${a.lastName}`, associateId: a.associateId, personId: a.personId })),
    ...[...so.tenant.persons.values()]
      .filter((p) => !userPersons.has(p.personId) && p.emails[0])
      .map((p) => ({ email: p.emails[0]!, name: `${p.firstName} ${p.lastName}`, personId: p.personId, contactId: p.contactId })),
  ];
  return {
    so,
    services,
    who,
    people,
    side: (opts = {}) =>
      createSuperOfficeSide({
        api: services.api,
        tenant: who,
        associateId: ADA,
        window: { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') },
        timeZone: 'Europe/Oslo',
        people,
        tasks: TASKS,
        ...opts,
      }),
    close: () => so.close(),
  };
}
