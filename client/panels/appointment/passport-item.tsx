// The calendar item an appointment is synced with: where it is, the direction, the last sync and
// the last error, and a link to open it in its calendar when the calendar offers one.
import { RelativeTime } from '../../components/relative-time.tsx';
import { DIRECTION_OPTIONS, optionLabel } from '../../components/settings/settings-labels.ts';
import { SYSTEM_LABELS, type CalendarSystem, type Passport } from '../panel-api-types.ts';

const OPEN_IN: Record<CalendarSystem, string> = {
  graph: 'Open in Outlook',
  ews: 'Open in Outlook on the web',
  google: 'Open in Google Calendar',
};

export function PassportItem({ item }: { item: NonNullable<Passport['item']> }) {
  return (
    <>
      <dl class="facts facts-stacked">
        <div>
          <dt>Calendar</dt>
          <dd>{SYSTEM_LABELS[item.calendarSystem] ?? item.calendarSystem}</dd>
        </div>
        <div>
          <dt>Direction</dt>
          <dd>{optionLabel(DIRECTION_OPTIONS, item.direction)}</dd>
        </div>
        <div>
          <dt>Last sync</dt>
          <dd>
            <RelativeTime at={item.lastSyncedAt} empty="not yet" />
          </dd>
        </div>
        <div>
          <dt>Calendar item</dt>
          <dd class="break muted">{item.calendarItemId}</dd>
        </div>
      </dl>
      {item.lastError ? (
        <div class="last-error">
          <h2>Last error</h2>
          <p>{item.lastError}</p>
        </div>
      ) : null}
      {item.webLink ? (
        <p>
          <a class="btn btn-secondary" href={item.webLink} target="_blank" rel="noopener noreferrer">
            {OPEN_IN[item.calendarSystem] ?? 'Open in the calendar'}
            <span class="visually-hidden"> (opens in a new window)</span>
          </a>
        </p>
      ) : null}
    </>
  );
}
