// The audit log, newest first, a page at a time ("Load more" asks for entries before the last).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { errorText } from '../../components/error-text.ts';
import { RelativeTime } from '../../components/relative-time.tsx';
import type { AuditEntry } from '../panel-api-types.ts';

const PAGE = 50;
const SIDE_WORDS: Record<string, string> = { superoffice: 'SuperOffice', calendar: 'calendar' };

/** An actor (`admin:associate:5`, `sync:settings-changed`) that may wrap after each colon rather than inside a word. */
function actorText(actor: string) {
  const parts = actor.split(':');
  return parts.map((p, i) => (i < parts.length - 1 ? [`${p}:`, <wbr key={i} />] : p));
}

interface Page {
  entries: AuditEntry[];
  nextBefore: string | number | null;
}

export function AuditLog({ linkId, appointmentId }: { linkId: string; appointmentId: string }) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);

  const load = async (before: string | number | null) => {
    setBusy(true);
    setError(null);
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (linkId) q.set('linkId', linkId);
    if (appointmentId) q.set('appointmentId', appointmentId);
    if (before !== null) q.set('before', String(before));
    try {
      const page = await api<Page>('GET', `/admin/audit?${q}`);
      setEntries((e) => (before === null ? page.entries : [...e, ...page.entries]));
      setNext(page.nextBefore);
      setLoaded(true);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => void load(null), []);

  return (
    <div>
      <div class="button-row">
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => void load(null)}>
          Refresh
        </button>
      </div>
      {error ? (
        <p class="error-text" role="alert">
          Could not load the audit log: {error}
        </p>
      ) : null}
      {loaded && entries.length === 0 ? <p class="muted">No entries.</p> : null}
      {entries.length > 0 ? (
        <div class="table-wrap">
          <table class="grid grid-cards audit-grid">
            <caption class="visually-hidden">Audit log, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">User</th>
                <th scope="col">Item</th>
                <th scope="col">By</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id}>
                  <td data-label="When">
                    <RelativeTime at={e.at} />
                  </td>
                  <td data-label="Action">
                    <span>
                      {e.action.replace(/_/g, ' ')}
                      {e.side ? <span class="muted"> in {SIDE_WORDS[e.side] ?? e.side}</span> : null}
                    </span>
                  </td>
                  <td data-label="User">
                    <span>{e.userName ?? '—'}</span>
                  </td>
                  <td data-label="Item" class="break">
                    <span>
                      {e.title ?? ''} {e.itemId ? <span class="muted">({e.itemId})</span> : null}
                    </span>
                  </td>
                  <td data-label="By">
                    <span>{actorText(e.actor)}</span>
                  </td>
                  <td data-label="Why">
                    <span>{e.reason?.replace(/_/g, ' ') ?? ''}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div role="status" aria-live="polite" class="muted">
        {busy ? 'Loading…' : loaded ? `${entries.length} entries shown.` : ''}
      </div>
      {next !== null ? (
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => void load(next)}>
          Load more
        </button>
      ) : null}
    </div>
  );
}
