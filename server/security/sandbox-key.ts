// The sandbox runs without any configuration, so it makes its own SECRET_KEY once and keeps it in
// DATA_DIR next to the embedded database whose secrets it seals: losing the file would make every
// stored secret unreadable, so it is never regenerated over an existing one.
//
// A key file that group or others may read is refused, not silently chmod-ed: like ssh with a
// private key, we cannot know who read it meanwhile, and fixing it quietly would hide that. The
// error says which command makes it private again.
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const SANDBOX_KEY_FILE = 'secret-key';
const FORMAT = /^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]+={0,2}$/;

export class SandboxKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxKeyError';
  }
}

function generate(): string {
  return `sandbox-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64')}`;
}

function readChecked(path: string): string {
  const st = statSync(path);
  if (!st.isFile()) throw new SandboxKeyError(`${path} is not a regular file; remove it and start again to create a new key`);
  // Mode bits mean nothing on Windows; there the folder's ACL protects the file.
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new SandboxKeyError(
      `${path} is readable by other users (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); ` +
        `treat the key as exposed, then run \`chmod 600 ${path}\` and start again`,
    );
  }
  const spec = readFileSync(path, 'utf8').trim();
  if (!FORMAT.test(spec) || Buffer.from(spec.slice(spec.indexOf(':') + 1), 'base64').length !== 32) {
    throw new SandboxKeyError(
      `${path} does not hold a KEYID:BASE64 32-byte key; it is not replaced automatically because the secrets in the database need it`,
    );
  }
  return spec;
}

/** The sandbox's SECRET_KEY (`KEYID:BASE64`), created with mode 0600 the first time. */
export function loadOrCreateSandboxKey(dataDir: string): string {
  const path = join(dataDir, SANDBOX_KEY_FILE);
  try {
    return readChecked(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Written whole under a temporary name, then linked into place: a web and a worker process
  // starting together both end up with the one key that won, never with a half-written file.
  const tmp = join(dataDir, `.${SANDBOX_KEY_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
  writeFileSync(tmp, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
  try {
    chmodSync(tmp, 0o600); // the mode given to writeFileSync is narrowed by the umask, never widened; this pins it
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  return readChecked(path);
}
