// The tenant line above the tabs: company, subscription, seats; below it, while SuperOffice refuses
// the app its webhook, the server's words for that (what to request, how sync runs meanwhile).
import type { AdminOverview } from '../panel-api-types.ts';
import { SeatCount } from './seat-count.tsx';

export function TenantSummary({ overview }: { overview: AdminOverview }) {
  const { tenant } = overview;
  return (
    <>
      <dl class="summary-line">
        <div>
          <dt>Company</dt>
          <dd>
            {tenant.name} <span class="muted">({tenant.contextIdentifier})</span>
          </dd>
        </div>
        <div>
          <dt>Subscription</dt>
          <dd>{tenant.subscriptionState}</dd>
        </div>
        <div>
          <dt>Seats</dt>
          <dd>
            <SeatCount seats={tenant.seats} />
          </dd>
        </div>
      </dl>
      {tenant.webhookMessage ? (
        <p class="hint hint-warn" role="status">
          {tenant.webhookMessage}
        </p>
      ) : null}
    </>
  );
}
