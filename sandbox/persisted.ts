// The few things a simulator keeps across sandbox restarts (its app registration, keys, consents),
// as one JSON file per simulator in the data folder: written atomically and readable only by us,
// and read back only when whole and valid.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/** The parsed file when `valid` accepts it; null when missing or damaged (a sandbox starts afresh rather than failing). */
export function readPersisted<T>(file: string, valid: (p: T) => boolean): T | null {
  try {
    const p = JSON.parse(readFileSync(file, 'utf8')) as T;
    return valid(p) ? p : null;
  } catch {
    return null;
  }
}

/** Replaces the file in one rename, so a crash mid-write never leaves half a file; mode 0600. */
export function writePersisted(file: string, p: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(p, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
}
