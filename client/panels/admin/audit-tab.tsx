// Audit & restore: every write Calendar Sync made, filtered by user and appointment, and the
// items deleted in the last 30 days that can still be restored.
import { useState } from 'preact/hooks';
import { SelectField } from '../../components/select-field.tsx';
import { STATE_WORDS } from '../../components/state-badge.tsx';
import { TextField } from '../../components/text-field.tsx';
import { useDebounced } from '../../components/use-debounced.ts';
import { usePolling } from '../../components/use-polling.ts';
import type { StatusRow } from '../panel-api-types.ts';
import { AuditLog } from './audit-log.tsx';
import { DeletedItems } from './deleted-items.tsx';

// Unlinked users too: their history stays in the log.
const EVERY_STATE = Object.keys(STATE_WORDS).join(',');

export function AuditTab() {
  const users = usePolling<{ rows: StatusRow[] }>(`/admin/status?state=${EVERY_STATE}`, { intervalMs: 60_000 });
  const [linkId, setLinkId] = useState('');
  const [appointment, setAppointment] = useState('');
  const appointmentId = useDebounced(appointment.trim(), 400);
  const appointmentIssue = appointmentId !== '' && !/^\d{1,18}$/.test(appointmentId) ? 'An appointment id is a number, e.g. 1234.' : undefined;
  const options = [{ value: '', label: 'Every user' }, ...(users.data?.rows ?? []).map((r) => ({ value: r.linkId, label: `${r.userName} (${r.mailbox})` }))];

  return (
    <section aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit & restore</h2>
      <div class="toolbar">
        <SelectField label="User" value={linkId} options={options} onChange={setLinkId} />
        <TextField label="SuperOffice appointment id" value={appointment} onChange={setAppointment} issue={appointmentIssue} hint="Shows the appointment's writes on both sides." />
      </div>
      <h3>Deleted items you can restore</h3>
      <DeletedItems linkId={linkId} />
      <h3>Audit log</h3>
      {appointmentIssue ? null : <AuditLog key={`${linkId}|${appointmentId}`} linkId={linkId} appointmentId={appointmentId} />}
    </section>
  );
}
