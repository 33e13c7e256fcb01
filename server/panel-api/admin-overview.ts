// GET /admin/overview: the installation at a glance, its subscription seats, whether SuperOffice
// lets it keep its webhook, its profiles, and the calendar systems a profile can be made for.
import { Router } from 'express';
import { seatUsage } from '../superoffice/subscription.ts';
import type { PanelContext } from './context.ts';
import { notFound } from './errors.ts';
import { CALENDAR_SYSTEMS, profileRecords, summaryOf } from './profile-summary.ts';
import { adminOf } from './session.ts';

export function adminOverviewRoutes(c: PanelContext): Router {
  const r = Router();
  r.get('/overview', async (_req, res) => {
    const s = adminOf(res);
    const tenant = await c.db('tenants').where({ id: s.tenantId }).first('context_identifier', 'name', 'webhook_message');
    if (!tenant) throw notFound('The installation');
    const [seats, profiles] = await Promise.all([seatUsage(c.db, s.tenantId), profileRecords(c, s.tenantId)]);
    res.json({
      tenant: {
        contextIdentifier: tenant.context_identifier,
        name: tenant.name ?? tenant.context_identifier,
        subscriptionState: seats.state,
        seats: { used: seats.used, total: seats.total },
        // Set by provisioning while SuperOffice refuses the Webhook agent (server/jobs/provision-tenant.ts).
        webhookMessage: (tenant.webhook_message as string | null) ?? null,
      },
      profiles: profiles.map(summaryOf),
      calendarSystems: CALENDAR_SYSTEMS,
    });
  });
  return r;
}
