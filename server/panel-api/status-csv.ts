// The status grid as CSV (RFC 4180: CRLF line ends, fields quoted when they hold a quote, comma or
// line break, quotes doubled). A text cell that a spreadsheet would run as a formula (starting with
// = + - @, or a tab or carriage return before one) is prefixed with an apostrophe.
import type { StatusRow } from './link-rows.ts';

const COLUMNS: Array<[header: string, value: (r: StatusRow) => string | number | null]> = [
  ['SuperOffice user', (r) => r.userName],
  ['E-mail', (r) => r.email],
  ['Mailbox', (r) => r.mailbox],
  ['Profile', (r) => r.profileName],
  ['State', (r) => r.state],
  ['State in words', (r) => r.stateText],
  ['Last sync', (r) => r.lastSyncAt],
  ['Next sync', (r) => r.nextSyncAt],
  ['Items synced', (r) => r.itemsSynced],
  ['Pending', (r) => r.pending],
  ['Last error', (r) => r.lastError],
];

const FORMULA = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function statusCsv(rows: readonly StatusRow[]): string {
  const lines = [COLUMNS.map(([h]) => csvCell(h)).join(',')];
  for (const r of rows) lines.push(COLUMNS.map(([, v]) => csvCell(v(r))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
