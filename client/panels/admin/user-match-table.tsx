// The match preview as a table: one row per SuperOffice user with the proposed mailbox, a manual
// choice, and a checkbox; the bulk bar links or unlinks the selected rows.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { ActionStatus } from '../../components/action-status.tsx';
import { TextField } from '../../components/text-field.tsx';
import { useAction } from '../../components/use-action.ts';
import type { MatchPreview, MatchRow } from '../panel-api-types.ts';
import { isLinked, UserMatchRow, type RowChoice } from './user-match-row.tsx';

const PAGE = 200;
const key = (r: MatchRow) => String(r.associateId);

/** The proposals; a choice made by hand on a row that is still not linked survives a new preview. */
function initialChoices(rows: MatchRow[], before: Record<string, RowChoice> = {}): Record<string, RowChoice> {
  const out: Record<string, RowChoice> = {};
  for (const r of rows) {
    const kept = before[key(r)];
    if (kept && !isLinked(r)) {
      out[key(r)] = kept;
      continue;
    }
    const mailbox = r.linkedMailbox ?? r.proposedMailbox ?? '';
    out[key(r)] = { mailbox, selected: !isLinked(r) && r.matchedBy === 'email' && mailbox !== '' && !kept };
  }
  return out;
}

export interface UserMatchTableProps {
  profileId: string;
  preview: MatchPreview;
  afterChange: () => Promise<void>;
}

export function UserMatchTable({ profileId, preview, afterChange }: UserMatchTableProps) {
  const [choices, setChoices] = useState(() => initialChoices(preview.rows));
  const [rowErrors, setRowErrors] = useState<Record<string, string>>({});
  const [filter, setFilter] = useState('');
  const [limit, setLimit] = useState(PAGE);
  useEffect(() => setChoices((c) => initialChoices(preview.rows, c)), [preview]);

  const q = filter.trim().toLowerCase();
  const visible = useMemo(
    () => (q === '' ? preview.rows : preview.rows.filter((r) => `${r.userName} ${r.email ?? ''} ${r.linkedMailbox ?? ''}`.toLowerCase().includes(q))),
    [preview.rows, q],
  );
  const shown = visible.slice(0, limit);
  const choice = (r: MatchRow): RowChoice => choices[key(r)] ?? { mailbox: '', selected: false };
  const toLink = preview.rows.filter((r) => choice(r).selected && choice(r).mailbox !== '' && !isLinked(r));
  const toUnlink = preview.rows.filter((r) => choice(r).selected && isLinked(r) && r.linkId);
  const allShownSelected = shown.length > 0 && shown.every((r) => choice(r).selected);

  const setChoice = (r: MatchRow, next: Partial<RowChoice>) => setChoices((c) => ({ ...c, [key(r)]: { ...choice(r), ...next } }));
  const selectShown = (selected: boolean) =>
    setChoices((c) => {
      const next = { ...c };
      for (const r of shown) next[key(r)] = { ...choice(r), selected };
      return next;
    });

  const link = useAction(async (rows: MatchRow[]) => {
    setRowErrors({});
    const links = rows.map((r) => ({ associateId: r.associateId, mailbox: choice(r).mailbox }));
    const result = await api<{ linked: number; errors: { associateId: string | number; message: string }[] }>('POST', `/admin/profiles/${encodeURIComponent(profileId)}/links`, { links });
    setRowErrors(Object.fromEntries(result.errors.map((e) => [String(e.associateId), e.message])));
    await afterChange();
    const failed = result.errors.length;
    return `Linked ${result.linked} ${result.linked === 1 ? 'user' : 'users'}.${failed > 0 ? ` ${failed} could not be linked; see the rows marked.` : ''}`;
  });
  const unlink = useAction(async (rows: MatchRow[]) => {
    for (const r of rows) if (r.linkId) await api('DELETE', `/admin/links/${encodeURIComponent(r.linkId)}`);
    await afterChange();
    return `Unlinked ${rows.length} ${rows.length === 1 ? 'user' : 'users'}. Their items stay on both sides.`;
  });
  const busy = link.busy || unlink.busy;

  return (
    <div class="match">
      <div class="toolbar">
        <TextField label="Find a user" type="search" value={filter} onChange={(v) => {
            setFilter(v);
            setLimit(PAGE);
          }} />
        <div class="button-row">
          <button type="button" class="btn btn-primary" disabled={busy || toLink.length === 0} aria-busy={link.busy || undefined} onClick={() => void link.run(toLink)}>
            Link selected ({toLink.length})
          </button>
          <button type="button" class="btn btn-secondary" disabled={busy || toUnlink.length === 0} aria-busy={unlink.busy || undefined} onClick={() => void unlink.run(toUnlink)}>
            Unlink selected ({toUnlink.length})
          </button>
          <ActionStatus error={link.error ?? unlink.error} success={link.success ?? unlink.success} busy={busy} busyText="Saving…" />
        </div>
      </div>
      <div class="table-wrap">
        <table class="grid grid-cards">
          <caption class="visually-hidden">SuperOffice users and the mailboxes proposed for them</caption>
          <thead>
            <tr>
              <th scope="col" class="col-check">
                <input type="checkbox" aria-label="Select every user shown" checked={allShownSelected} onChange={(e) => selectShown(e.currentTarget.checked)} />
              </th>
              <th scope="col">SuperOffice user</th>
              <th scope="col">Mailbox</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <UserMatchRow
                key={key(r)}
                row={r}
                choice={choice(r)}
                mailboxes={preview.mailboxes}
                error={rowErrors[key(r)]}
                onChoice={(next) => setChoice(r, next)}
                onRelink={() => link.run([r])}
                onUnlink={async () => {
                  if (r.linkId) await api('DELETE', `/admin/links/${encodeURIComponent(r.linkId)}`);
                  await afterChange();
                  return 'Unlinked.';
                }}
                disabled={busy}
              />
            ))}
          </tbody>
        </table>
      </div>
      {visible.length === 0 ? <p class="muted">{q === '' ? 'SuperOffice has no users to link.' : 'No user matches the search.'}</p> : null}
      {visible.length > shown.length ? (
        <p>
          Showing {shown.length} of {visible.length}.{' '}
          <button type="button" class="btn btn-secondary" onClick={() => setLimit((l) => l + PAGE)}>
            Show more
          </button>
        </p>
      ) : null}
    </div>
  );
}
