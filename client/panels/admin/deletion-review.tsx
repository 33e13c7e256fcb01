// One link's held-back deletions: the list, then Confirm (delete them) or Reject (keep them).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { ConfirmButton } from '../../components/confirm-button.tsx';
import { errorText } from '../../components/error-text.ts';
import { formatDateTime } from '../../components/time-format.ts';
import type { DeletionItem, StatusRow } from '../panel-api-types.ts';

const SIDE_WORDS = { superoffice: 'in SuperOffice', calendar: 'in the calendar' } as const;

export function DeletionReview({ row, refresh }: { row: StatusRow; refresh: () => Promise<void> }) {
  const [items, setItems] = useState<DeletionItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const path = `/admin/links/${encodeURIComponent(row.linkId)}/deletions`;
  useEffect(() => {
    let live = true;
    api<{ items: DeletionItem[] }>('GET', path).then(
      (r) => live && setItems(r.items),
      (err: unknown) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [path]);
  const headingId = `deletions-${row.linkId}`;
  const decide = (verb: 'confirm' | 'reject') => async () => {
    const { count } = await api<{ count: number }>('POST', `${path}/${verb}`);
    await refresh();
    return verb === 'confirm' ? `${count} items will be deleted on the next sync.` : `Rejected: ${count} items are kept.`;
  };
  return (
    <article class="card" aria-labelledby={headingId}>
      <h3 id={headingId} class="card-title">
        {row.userName} <span class="muted">({row.mailbox})</span>
      </h3>
      {error ? <p class="error-text">Could not load the list: {error}</p> : null}
      {items === null && !error ? <p class="muted">Loading what would be deleted…</p> : null}
      {items ? (
        <>
          <p>
            {items.length} {items.length === 1 ? 'item' : 'items'} would be deleted:
          </p>
          <ul class="deletion-list">
            {items.map((i) => (
              <li key={`${i.side}:${i.itemId}`}>
                <strong>{i.title || '(no subject)'}</strong> <span class="muted">{i.start ? formatDateTime(i.start) : ''}</span>{' '}
                <span class="tag">{SIDE_WORDS[i.side] ?? i.side}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <div class="button-row">
        <ConfirmButton question={`Delete these items for ${row.userName}?`} confirmText="Yes, delete them" run={decide('confirm')}>
          Confirm deletions
        </ConfirmButton>
        <ConfirmButton kind="primary" question="Keep these items?" confirmText="Yes, keep them" run={decide('reject')}>
          Reject
        </ConfirmButton>
      </div>
    </article>
  );
}
