// The status grid itself: sortable headers, a checkbox per row, and per row "Sync now", "Pause" or
// "Resume", and "Preferences". At most MAX_ROWS are drawn; the filters narrow the rest.
import { ActionButton } from '../../components/action-button.tsx';
import { RelativeTime } from '../../components/relative-time.tsx';
import { SortHeader, type SortOrder } from '../../components/sort-header.tsx';
import { StateBadge } from '../../components/state-badge.tsx';
import type { StatusRow } from '../panel-api-types.ts';

export type StatusColumn = 'userName' | 'mailbox' | 'state' | 'lastSyncAt' | 'nextSyncAt' | 'itemsSynced' | 'pending' | 'lastError';

const COLUMNS: { key: StatusColumn; label: string }[] = [
  { key: 'userName', label: 'User' },
  { key: 'mailbox', label: 'Mailbox' },
  { key: 'state', label: 'State' },
  { key: 'lastSyncAt', label: 'Last sync' },
  { key: 'nextSyncAt', label: 'Next sync' },
  { key: 'itemsSynced', label: 'Items' },
  { key: 'pending', label: 'Pending' },
  { key: 'lastError', label: 'Last error' },
];

const MAX_ROWS = 500;

export interface StatusGridProps {
  rows: StatusRow[];
  sort: StatusColumn;
  order: SortOrder;
  onSort: (column: StatusColumn, order: SortOrder) => void;
  selected: ReadonlySet<string>;
  onSelected: (next: ReadonlySet<string>) => void;
  syncNow: (linkId: string) => Promise<string>;
  /** Pauses (true) or resumes (false) one link; resolves to the sentence shown beside the button. */
  setPaused: (linkId: string, pause: boolean) => Promise<string>;
  editing: string | null;
  onEdit: (linkId: string) => void;
}

export function StatusGrid({ rows, sort, order, onSort, selected, onSelected, syncNow, setPaused, editing, onEdit }: StatusGridProps) {
  const shown = rows.slice(0, MAX_ROWS);
  const all = shown.length > 0 && shown.every((r) => selected.has(r.linkId));
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    onSelected(next);
  };
  return (
    <>
      <div class="table-wrap">
        <table class="grid grid-cards status-grid">
          <caption class="visually-hidden">Linked users and their sync state; column headers sort</caption>
          <thead>
            <tr>
              <th scope="col" class="col-check">
                <input type="checkbox" aria-label="Select every user shown" checked={all} onChange={(e) => onSelected(e.currentTarget.checked ? new Set(shown.map((r) => r.linkId)) : new Set())} />
              </th>
              {COLUMNS.map((c) => (
                <SortHeader key={c.key} column={c.key} label={c.label} sort={sort} order={order} onSort={onSort} />
              ))}
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.linkId} class={r.state === 'error' || r.state === 'needs_reconnect' ? 'row-attention' : undefined}>
                <td class="col-check">
                  <input type="checkbox" aria-label={`Select ${r.userName}`} checked={selected.has(r.linkId)} onChange={(e) => toggle(r.linkId, e.currentTarget.checked)} />
                </td>
                <td data-label="User">
                  <div>
                    <strong>{r.userName}</strong>
                    {/* The e-mail only where it is not the mailbox beside it: the grid has little room. */}
                    {r.email && r.email.toLowerCase() !== r.mailbox.toLowerCase() ? <div class="muted">{r.email}</div> : null}
                    <div class="muted">{r.profileName}</div>
                  </div>
                </td>
                <td data-label="Mailbox" class="break">
                  <span>{r.mailbox}</span>
                </td>
                <td data-label="State">
                  <StateBadge state={r.state} text={r.stateText} />
                </td>
                <td data-label="Last sync">
                  <RelativeTime at={r.lastSyncAt} empty="not yet" />
                </td>
                <td data-label="Next sync">
                  <RelativeTime at={r.nextSyncAt} empty="not planned" />
                </td>
                <td data-label="Items" class="num">
                  <span>{r.itemsSynced}</span>
                </td>
                <td data-label="Pending" class="num">
                  <span>{r.pending}</span>
                </td>
                <td data-label="Last error" class="error-cell">
                  <span class={r.lastError ? undefined : 'muted'}>{r.lastError ?? 'none'}</span>
                </td>
                <td data-label="Actions">
                  <div class="button-stack">
                    <ActionButton label={`Sync now for ${r.userName}`} busyText="Queuing…" disabled={r.state === 'unlinked'} run={() => syncNow(r.linkId)}>
                      Sync now
                    </ActionButton>
                    {/* One button for both, so the outcome stays beside it when the row turns paused or active. */}
                    <ActionButton
                      label={`${r.state === 'paused' ? 'Resume' : 'Pause'} syncing for ${r.userName}`}
                      busyText={r.state === 'paused' ? 'Resuming…' : 'Pausing…'}
                      disabled={r.state === 'unlinked'}
                      run={() => setPaused(r.linkId, r.state !== 'paused')}
                    >
                      {r.state === 'paused' ? 'Resume' : 'Pause'}
                    </ActionButton>
                    <button type="button" class="btn btn-secondary" aria-expanded={editing === r.linkId} aria-label={`Preferences of ${r.userName}`} onClick={() => onEdit(r.linkId)}>
                      Preferences
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length > shown.length ? <p class="muted">Showing the first {shown.length} of {rows.length}. Narrow the list with the filters.</p> : null}
    </>
  );
}
