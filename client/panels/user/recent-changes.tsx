// What Calendar Sync wrote lately, in both directions.
import { RelativeTime } from '../../components/relative-time.tsx';
import type { RecentChange } from '../panel-api-types.ts';

const DIRECTION = { to_calendar: 'SuperOffice → calendar', to_superoffice: 'calendar → SuperOffice' } as const;

export function RecentChanges({ changes }: { changes: RecentChange[] }) {
  return (
    <section class="card" aria-labelledby="recent-heading">
      <h2 id="recent-heading">Recent changes</h2>
      {changes.length === 0 ? (
        <p class="muted">Nothing synced yet.</p>
      ) : (
        <ul class="recent-list">
          {changes.map((c, i) => (
            <li key={`${c.at}-${i}`}>
              <span class={`tag tag-${c.action}`}>{c.action}</span> <strong>{c.title}</strong>
              <div class="muted">
                {DIRECTION[c.direction]}, <RelativeTime at={c.at} />
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
