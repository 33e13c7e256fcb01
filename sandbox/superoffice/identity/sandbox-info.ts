// The SuperOffice part of GET /sandbox/info: each tenant's API base URL on its current numbered
// host, a live system-user ticket with the app token to send beside it, and the users with their
// sandbox mailboxes. The ticket is minted directly (no signed exchange) because the point is to let
// an outside tool call the tenant API at once; it is reused while it lives, so polling /sandbox/info
// does not pile up tickets.
import type { SandboxInfo } from '../../info.ts';
import type { RegisteredApp, SuperOfficeStore } from '../store.ts';

const minted = new WeakMap<SuperOfficeStore, Map<string, string>>();

export function superOfficeInfo(store: SuperOfficeStore, app: RegisteredApp): SandboxInfo['superoffice'] {
  let tickets = minted.get(store);
  if (!tickets) minted.set(store, (tickets = new Map()));
  return {
    tenants: store.tenants().map((tenant) => {
      const key = `${app.clientId}\n${tenant.contextIdentifier}`;
      const cached = tickets.get(key);
      const ticket = (cached && store.useTicket(cached)?.ticket) || store.issueTicket(app.clientId, tenant).ticket;
      tickets.set(key, ticket);
      return {
        contextIdentifier: tenant.contextIdentifier,
        webApiUrl: store.webApiUrl(tenant),
        ticket,
        appToken: app.clientSecret,
        users: store.users(tenant).map((u) => ({
          associateId: u.associateId,
          email: u.email,
          isAdministrator: u.isAdministrator,
          calendarSystem: u.calendarSystem,
          mailbox: u.mailbox,
        })),
      };
    }),
  };
}
