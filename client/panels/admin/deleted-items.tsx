// Items deleted within the last 30 days, each with Restore (written back where it was deleted).
import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { ActionButton } from '../../components/action-button.tsx';
import { LoadState, StaleNotice } from '../../components/load-state.tsx';
import { RelativeTime } from '../../components/relative-time.tsx';
import { formatDateTime } from '../../components/time-format.ts';
import { usePolling } from '../../components/use-polling.ts';
import type { DeletedItem } from '../panel-api-types.ts';

const DELETED_ON = { superoffice: 'in SuperOffice', calendar: 'in the calendar' } as const;

export function DeletedItems({ linkId }: { linkId: string }) {
  const deleted = usePolling<{ items: DeletedItem[] }>(linkId ? `/admin/deleted?linkId=${encodeURIComponent(linkId)}` : '/admin/deleted', { intervalMs: 30_000 });
  // The restored item leaves the list (and its button with it), so the outcome is said here.
  const [restored, setRestored] = useState('');
  const status = (
    <p class="action-status action-status-success" role="status" aria-live="polite">
      {restored}
    </p>
  );
  if (!deleted.data) return <LoadState loading={deleted.loading} error={deleted.error} what="the deleted items" />;
  const items = deleted.data.items;
  if (items.length === 0) {
    return (
      <>
        {status}
        <p class="muted">Nothing was deleted in the last 30 days.</p>
      </>
    );
  }
  return (
    <>
      {status}
      <StaleNotice error={deleted.error} />
      <ul class="deleted-list">
        {items.map((i) => (
          <li key={i.id} class="deleted-item">
            <div>
              <strong>{i.title || '(no subject)'}</strong> <span class="muted">{i.start ? formatDateTime(i.start) : ''}</span>
              <div class="muted">
                {i.userName}: deleted {DELETED_ON[i.deletedOn] ?? ''} <RelativeTime at={i.deletedAt} />; restorable until {formatDateTime(i.restorableUntil)}
              </div>
            </div>
            <ActionButton
              label={`Restore ${i.title || 'this item'}`}
              busyText="Restoring…"
              run={async () => {
                await api('POST', `/admin/deleted/${encodeURIComponent(i.id)}/restore`);
                setRestored(`Restored “${i.title || 'the item'}”; it returns on both sides with the next sync.`);
                await deleted.refresh();
                return '';
              }}
            >
              Restore
            </ActionButton>
          </li>
        ))}
      </ul>
    </>
  );
}
