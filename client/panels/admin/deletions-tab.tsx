// Mass deletions held back: each link waiting for confirmation, with what would be deleted.
import { LoadState, StaleNotice } from '../../components/load-state.tsx';
import { usePolling } from '../../components/use-polling.ts';
import type { StatusRow } from '../panel-api-types.ts';
import { DeletionReview } from './deletion-review.tsx';

export function DeletionsTab() {
  const waiting = usePolling<{ rows: StatusRow[] }>('/admin/status?state=needs_confirmation');
  const rows = waiting.data?.rows ?? [];
  return (
    <section aria-labelledby="deletions-heading">
      <h2 id="deletions-heading">Deletions waiting for confirmation</h2>
      <p class="field-hint">
        When a sync would delete many items at once (see the mass-deletion guard in Preferences), it waits here. Confirm to delete them, or reject to
        keep them and bring them back on the other side.
      </p>
      <StaleNotice error={waiting.data ? waiting.error : null} />
      {waiting.data ? (
        rows.length === 0 ? (
          <p role="status">No deletions are waiting.</p>
        ) : (
          <ul class="card-list">
            {rows.map((r) => (
              <li key={r.linkId}>
                <DeletionReview row={r} refresh={waiting.refresh} />
              </li>
            ))}
          </ul>
        )
      ) : (
        <LoadState loading={waiting.loading} error={waiting.error} what="the deletions" />
      )}
    </section>
  );
}
