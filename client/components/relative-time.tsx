// A moment in the user's locale: "2 min ago" / "in 4 min", with the full date and time in the
// title (and for screen readers in the <time> element's datetime).
import { formatAbsolute, formatRelative } from './time-format.ts';

export function RelativeTime({ at, empty = '—' }: { at: string | null | undefined; empty?: string }) {
  if (!at) return <span class="muted">{empty}</span>;
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return <span>{at}</span>;
  const absolute = formatAbsolute(date);
  return (
    <time dateTime={date.toISOString()} title={absolute}>
      {formatRelative(date, new Date())}
    </time>
  );
}
