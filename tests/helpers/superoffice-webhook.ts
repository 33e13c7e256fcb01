// Registers an activity.* webhook on the simulated demo tenant the way the app does: a system-user
// ticket from the simulator's control API, then POST /api/v1/Webhook (which test-posts to the target).
import type { SuperOfficeSim } from './superoffice-sim.ts';

export const ACTIVITY_EVENTS = ['activity.created', 'activity.changed', 'activity.deleted'];

export async function registerWebhook(so: SuperOfficeSim, targetUrl: string): Promise<number> {
  const ticketRes = await so.fetch(`${so.sim.url}/control/tenants/${so.tenant.contextIdentifier}/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: so.seed.app.clientId }),
  });
  if (ticketRes.status !== 201) throw new Error(`ticket: ${ticketRes.status} ${await ticketRes.text()}`);
  const { ticket } = (await ticketRes.json()) as { ticket: string };
  const res = await so.fetch(new URL('v1/Webhook', so.store.webApiUrl(so.tenant)).href, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `SOTicket ${ticket}`, 'so-apptoken': so.seed.app.clientSecret },
    body: JSON.stringify({ Name: 'CalSync test', Events: ACTIVITY_EVENTS, TargetUrl: targetUrl, State: 'Active', Type: 'webhook' }),
  });
  if (!res.ok) throw new Error(`webhook: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { WebhookId: number }).WebhookId;
}
