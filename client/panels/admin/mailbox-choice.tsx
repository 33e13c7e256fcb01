// Which mailbox a not-yet-linked user gets: a choice among the directory's mailboxes (the e-mail
// match preselected), or, without a directory (users connect their own calendars), an address.
import type { MatchPreview, MatchRow } from '../panel-api-types.ts';

export interface MailboxChoiceProps {
  id: string;
  row: MatchRow;
  value: string;
  mailboxes: MatchPreview['mailboxes'];
  onChange: (mailbox: string) => void;
  disabled: boolean;
  describedBy: string | undefined;
}

export function MailboxChoice({ id, row, value, mailboxes, onChange, disabled, describedBy }: MailboxChoiceProps) {
  const directory = mailboxes.length > 0;
  const proposed = row.proposedMailbox !== null && value === row.proposedMailbox;
  return (
    <div>
      <label for={id} class="visually-hidden">
        Mailbox for {row.userName}
      </label>
      {directory ? (
        <select id={id} value={value} disabled={disabled} aria-describedby={describedBy} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">No mailbox</option>
          {value !== '' && !mailboxes.some((m) => m.email === value) ? <option value={value}>{value}</option> : null}
          {mailboxes.map((m) => (
            <option key={m.email} value={m.email}>
              {m.name} ({m.email})
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          type="email"
          value={value}
          disabled={disabled}
          autoComplete="off"
          aria-describedby={describedBy}
          onInput={(e) => onChange(e.currentTarget.value.trim())}
        />
      )}
      {proposed && row.matchedBy === 'email' ? <span class="tag">matched by e-mail</span> : null}
      {proposed && !directory ? <span class="tag">the user’s own address</span> : null}
      {row.proposedMailbox === null && directory && value === '' ? <div class="muted">No mailbox has this e-mail address; choose one.</div> : null}
    </div>
  );
}
