// Status: every linked user, live (polled), filtered and sorted by the server; sync, pause or
// resume one or a selection; export what is shown as CSV; edit one user's preferences.
import { useState } from 'preact/hooks';
import { api, apiFetch } from '../../api.ts';
import { ActionButton } from '../../components/action-button.tsx';
import { saveBlob } from '../../components/download-file.ts';
import { LoadState, StaleNotice } from '../../components/load-state.tsx';
import { SelectField } from '../../components/select-field.tsx';
import type { SortOrder } from '../../components/sort-header.tsx';
import { STATE_WORDS } from '../../components/state-badge.tsx';
import { TextField } from '../../components/text-field.tsx';
import { useDebounced } from '../../components/use-debounced.ts';
import { usePolling } from '../../components/use-polling.ts';
import type { LinkState, ProfileSummary, StatusRow } from '../panel-api-types.ts';
import { LinkOverrides } from './link-overrides.tsx';
import { StatusGrid, type StatusColumn } from './status-grid.tsx';

const STATES = Object.keys(STATE_WORDS) as LinkState[];

export function StatusTab({ profiles }: { profiles: ProfileSummary[] }) {
  const [state, setState] = useState<LinkState | ''>('');
  const [profileId, setProfileId] = useState('');
  const [text, setText] = useState('');
  const [sort, setSort] = useState<StatusColumn>('userName');
  const [order, setOrder] = useState<SortOrder>('asc');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [editing, setEditing] = useState<string | null>(null);
  const q = useDebounced(text.trim());

  const params = new URLSearchParams({ sort, order });
  if (state) params.set('state', state);
  if (profileId) params.set('profileId', profileId);
  if (q) params.set('q', q);
  const query = params.toString();
  const status = usePolling<{ rows: StatusRow[] }>(`/admin/status?${query}`, { keepPrevious: true });
  const rows = status.data?.rows ?? [];
  const chosen = rows.filter((r) => selected.has(r.linkId)).map((r) => r.linkId);
  const editRow = rows.find((r) => r.linkId === editing) ?? null;

  const syncNow = async (linkIds: string[]) => {
    const { queued } = await api<{ queued: number }>('POST', '/admin/links/sync', { linkIds });
    void status.refresh();
    return queued === 0 ? 'Nothing queued: unlinked users do not sync.' : `Sync queued for ${queued} ${queued === 1 ? 'user' : 'users'}.`;
  };

  // One request a link; a failure stops there and names its reason, and the grid shows what was done.
  const setPaused = async (linkIds: string[], pause: boolean) => {
    try {
      for (const id of linkIds) await api<StatusRow>('POST', `/admin/links/${encodeURIComponent(id)}/${pause ? 'pause' : 'resume'}`);
    } finally {
      void status.refresh();
    }
    const who = linkIds.length === 1 ? '' : ` ${linkIds.length} users`;
    return pause ? `Paused${who}.` : `Resumed${who}; ${linkIds.length === 1 ? 'a sync is' : 'their syncs are'} queued.`;
  };
  // What the selection can take: pausing skips paused and unlinked links, resuming takes only paused ones.
  const pauseTargets = rows.filter((r) => selected.has(r.linkId) && r.state !== 'paused' && r.state !== 'unlinked').map((r) => r.linkId);
  const resumeTargets = rows.filter((r) => selected.has(r.linkId) && r.state === 'paused').map((r) => r.linkId);

  return (
    <section aria-labelledby="status-heading">
      <h2 id="status-heading">Status of linked users</h2>
      <div class="toolbar">
        <SelectField<LinkState | ''>
          label="State"
          value={state}
          onChange={setState}
          options={[{ value: '', label: 'Every linked user' }, ...STATES.map((s) => ({ value: s, label: STATE_WORDS[s] }))]}
        />
        {profiles.length > 1 ? (
          <SelectField
            label="Profile"
            value={profileId}
            onChange={setProfileId}
            options={[{ value: '', label: 'Every profile' }, ...profiles.map((p) => ({ value: p.id, label: p.name }))]}
          />
        ) : null}
        <TextField label="Search" type="search" value={text} onChange={setText} hint="Name, e-mail, mailbox or error." />
      </div>
      <div class="button-row">
        <ActionButton kind="primary" disabled={chosen.length === 0} busyText="Queuing…" run={() => syncNow(chosen)}>
          Sync selected now ({chosen.length})
        </ActionButton>
        <ActionButton disabled={pauseTargets.length === 0} busyText="Pausing…" run={() => setPaused(pauseTargets, true)}>
          Pause selected ({pauseTargets.length})
        </ActionButton>
        <ActionButton disabled={resumeTargets.length === 0} busyText="Resuming…" run={() => setPaused(resumeTargets, false)}>
          Resume selected ({resumeTargets.length})
        </ActionButton>
        <ActionButton
          busyText="Preparing the file…"
          run={async () => {
            const res = await apiFetch('GET', `/admin/status.csv?${query}`);
            saveBlob(await res.blob(), 'calendar-sync-status.csv');
            return 'Exported.';
          }}
        >
          Export CSV
        </ActionButton>
      </div>
      <StaleNotice error={status.data ? status.error : null} />
      {status.data ? (
        <StatusGrid
          rows={rows}
          sort={sort}
          order={order}
          onSort={(column, o) => {
            setSort(column);
            setOrder(o);
          }}
          selected={selected}
          onSelected={setSelected}
          syncNow={(id) => syncNow([id])}
          setPaused={(id, pause) => setPaused([id], pause)}
          editing={editing}
          onEdit={(id) => setEditing((e) => (e === id ? null : id))}
        />
      ) : (
        <LoadState loading={status.loading} error={status.error} what="the status" />
      )}
      {status.data && rows.length === 0 ? <p class="muted">{q || state || profileId ? 'No linked user matches the filter.' : 'No user is linked yet.'}</p> : null}
      {editRow ? <LinkOverrides key={editRow.linkId} row={editRow} onClose={() => setEditing(null)} onSaved={() => void status.refresh()} /> : null}
    </section>
  );
}
