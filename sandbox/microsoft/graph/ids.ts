// Graph REST ids are URL-safe base64 (`-`, `_`), and an occurrence's id encodes its series master and
// original start (real occurrence ids embed the master's id and the date the same way, which is why
// they stay stable while the series does). Event ids start `AAMk`, occurrence ids `AQMk`.
import { randomBytes } from 'node:crypto';

const b64 = (b: Buffer) => b.toString('base64url');

export function newEventId(): string {
  return `AAMk${b64(randomBytes(33))}`;
}

export function newCalendarId(): string {
  return `AAMkCal${b64(randomBytes(24))}`;
}

export function occurrenceId(masterId: string, originalStart: number): string {
  return `AQMk${b64(Buffer.from(`${masterId}|${originalStart.toString(36)}`))}`;
}

export function parseOccurrenceId(id: string): { masterId: string; originalStart: number } | null {
  if (!id.startsWith('AQMk')) return null;
  const text = Buffer.from(id.slice(4), 'base64url').toString('utf8');
  const bar = text.lastIndexOf('|');
  if (bar < 0) return null;
  const originalStart = parseInt(text.slice(bar + 1), 36);
  return Number.isFinite(originalStart) ? { masterId: text.slice(0, bar), originalStart } : null;
}

/**
 * A change key as Exchange's look (`CQAAABYAAAA…`): an 8-byte header (9, then the length 22, as
 * little-endian 32-bit numbers) and 22 bytes of version. A GET's `@odata.etag` is `W/"<changeKey>"`.
 */
export function newChangeKey(): string {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(0x09, 0);
  header.writeUInt32LE(22, 4);
  return Buffer.concat([header, randomBytes(22)]).toString('base64');
}

/** A Global Object Id-shaped hex string, as Outlook's iCalUId is. */
export function newICalUid(): string {
  return `040000008200E00074C5B7101A82E00800000000${randomBytes(24).toString('hex').toUpperCase()}`;
}

export function opaqueToken(): string {
  return b64(randomBytes(24));
}
