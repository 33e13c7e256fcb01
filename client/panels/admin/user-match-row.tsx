// One SuperOffice user in the match preview: who, which mailbox (proposed or chosen), the link's
// state, and unlink / relink.
import { ConfirmButton } from '../../components/confirm-button.tsx';
import { StateBadge } from '../../components/state-badge.tsx';
import type { MatchPreview, MatchRow } from '../panel-api-types.ts';
import { MailboxChoice } from './mailbox-choice.tsx';

export interface RowChoice {
  mailbox: string;
  selected: boolean;
}

/** Linked and not stopped: its mailbox is fixed until it is unlinked. */
export function isLinked(r: MatchRow): boolean {
  return r.linkId !== null && r.state !== null && r.state !== 'unlinked';
}

export interface UserMatchRowProps {
  row: MatchRow;
  choice: RowChoice;
  mailboxes: MatchPreview['mailboxes'];
  error: string | undefined;
  onChoice: (next: Partial<RowChoice>) => void;
  onRelink: () => Promise<void>;
  onUnlink: () => Promise<string>;
  disabled: boolean;
}

export function UserMatchRow({ row, choice, mailboxes, error, onChoice, onRelink, onUnlink, disabled }: UserMatchRowProps) {
  const linked = isLinked(row);
  const id = `mailbox-${row.associateId}`;
  return (
    <tr class={error ? 'row-error' : undefined}>
      <td class="col-check">
        <input type="checkbox" aria-label={`Select ${row.userName}`} checked={choice.selected} onChange={(e) => onChoice({ selected: e.currentTarget.checked })} />
      </td>
      <td data-label="SuperOffice user">
        <div>
          <strong>{row.userName}</strong>
          <div class="muted">{row.email ?? 'no e-mail address'}</div>
        </div>
      </td>
      <td data-label="Mailbox">
        <div>
          {linked ? (
            <span class="break">{row.linkedMailbox}</span>
          ) : (
            <MailboxChoice
              id={id}
              row={row}
              value={choice.mailbox}
              mailboxes={mailboxes}
              disabled={disabled}
              describedBy={error ? `${id}-error` : undefined}
              onChange={(mailbox) => onChoice({ mailbox, selected: mailbox !== '' })}
            />
          )}
          {error ? (
            <p id={`${id}-error`} class="field-issue">
              {error}
            </p>
          ) : null}
        </div>
      </td>
      <td data-label="State">
        <span>{row.state ? <StateBadge state={row.state} text={row.state === 'unlinked' ? 'Unlinked (can be relinked)' : null} /> : <span class="muted">not linked</span>}</span>
      </td>
      <td data-label="Actions">
        <span>
          {linked ? (
            <ConfirmButton question={`Unlink ${row.userName}? Items stay on both sides.`} confirmText="Yes, unlink" run={onUnlink} label={`Unlink ${row.userName}`} disabled={disabled}>
              Unlink
            </ConfirmButton>
          ) : row.linkId && row.linkedMailbox ? (
            <button type="button" class="btn btn-secondary" disabled={disabled || choice.mailbox === ''} aria-label={`Relink ${row.userName}`} onClick={() => void onRelink()}>
              Relink
            </button>
          ) : null}
        </span>
      </td>
    </tr>
  );
}
