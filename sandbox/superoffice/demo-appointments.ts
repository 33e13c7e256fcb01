// Puts the demo diary of sandbox/demo.ts into the simulated demo tenant, so the shell and the app see
// the same appointments through the tenant API. Seeding creates no webhooks: this is the state the
// tenant had before the app was installed.
import { demoTenant } from '../demo.ts';
import type { TenantApiControl } from './api/tenant-api.ts';
import type { Json } from './api/wire.ts';
import { DEMO_CTX } from './seed.ts';
import type { Tenant } from './store.ts';

/** The demo appointments as AppointmentEntity bodies; the company is linked by name when the tenant has it. */
export function demoAppointmentBodies(tenant: Tenant, now: Date): Json[] {
  const contactIds = new Map([...tenant.companies.values()].map((c) => [c.name, c.contactId]));
  return demoTenant(now).appointments.map((a) => {
    const contactId = contactIds.get(a.companyName);
    return {
      Associate: { AssociateId: a.associateId },
      ...(contactId ? { Contact: { ContactId: contactId } } : {}),
      Title: a.title,
      StartDate: a.start,
      EndDate: a.end,
      Location: a.location,
      Description: a.description,
    };
  });
}

/** Seeds the demo tenant's diary unless it already has appointments. Returns the ids created. */
export function seedDemoAppointments(control: TenantApiControl, tenant: Tenant, now: Date = new Date()): number[] {
  if (tenant.contextIdentifier !== DEMO_CTX || control.appointments(DEMO_CTX).length > 0) return [];
  return control.seedAppointments(DEMO_CTX, demoAppointmentBodies(tenant, now));
}
