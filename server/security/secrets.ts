// Secrets at rest: AES-256-GCM under a named key. A sealed value says which key sealed it, so a new
// SECRET_KEY can be rolled out while rows sealed under the old one (now in SECRET_KEYS_PREVIOUS)
// stay readable until they are resealed. Every value is bound to the record it belongs to through
// the additional authenticated data (AAD): copied onto another row, it no longer opens.
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.ts';
import { loadOrCreateSandboxKey } from './sandbox-key.ts';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

/** Why a secret could not be sealed or opened. Never carries plaintext or key material. */
export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

export interface SecretKey {
  id: string;
  key: Buffer;
}

export interface Keyring {
  /** Id of the key new values are sealed with. */
  readonly currentKeyId: string;
  /** Ids of every key that can open values: the current one first. */
  readonly keyIds: readonly string[];
  /** `v1.<keyId>.<iv>.<tag>.<ciphertext>`, each part base64url. */
  seal(plaintext: string, aad: string): string;
  open(sealed: string, aad: string): string;
  /** The key id a sealed value names, without opening it. */
  keyIdOf(sealed: string): string;
  /** The value sealed under the current key; the same string when it already is. */
  reseal(sealed: string, aad: string): string;
}

/** Parses `KEYID:BASE64` (the format of SECRET_KEY). The error names the problem, never the key. */
export function parseSecretKey(spec: string, label = 'secret key'): SecretKey {
  const colon = spec.indexOf(':');
  const id = colon > 0 ? spec.slice(0, colon).trim() : '';
  if (!KEY_ID.test(id)) throw new SecretError(`${label}: expected KEYID:BASE64 with a key id of letters, digits, _ or -`);
  const b64 = spec.slice(colon + 1).trim();
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES) throw new SecretError(`${label} "${id}": expected ${KEY_BYTES} bytes of base64 key`);
  return { id, key };
}

/** A new random key in SECRET_KEY's format. */
export function generateSecretKeySpec(id: string): string {
  if (!KEY_ID.test(id)) throw new SecretError(`key id "${id}" must be 1-32 letters, digits, _ or -`);
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

// The version and key id are authenticated with the caller's AAD, so the header cannot be
// rewritten without the tag failing.
function fullAad(keyId: string, aad: string): Buffer {
  return Buffer.from(`${VERSION}.${keyId}\n${aad}`, 'utf8');
}

interface Parts {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function split(sealed: string): Parts {
  const parts = typeof sealed === 'string' ? sealed.split('.') : [];
  const [version, keyId, iv, tag, ciphertext] = parts;
  if (
    parts.length !== 5 ||
    version !== VERSION ||
    keyId === undefined ||
    !KEY_ID.test(keyId) ||
    [iv, tag, ciphertext].some((p) => p === undefined || !B64URL.test(p))
  ) {
    throw new SecretError(`not a sealed secret (expected ${VERSION}.<keyId>.<iv>.<tag>.<ciphertext>)`);
  }
  const decoded = {
    keyId,
    iv: Buffer.from(iv!, 'base64url'),
    tag: Buffer.from(tag!, 'base64url'),
    ciphertext: Buffer.from(ciphertext!, 'base64url'),
  };
  if (decoded.iv.length !== IV_BYTES || decoded.tag.length !== TAG_BYTES) {
    throw new SecretError(`not a sealed secret (IV or tag of the wrong length)`);
  }
  return decoded;
}

/** A keyring from the current key and any previous ones, each `KEYID:BASE64`. */
export function createKeyring(current: string, previous: readonly string[] = []): Keyring {
  const currentKey = parseSecretKey(current, 'SECRET_KEY');
  const keys = new Map<string, Buffer>([[currentKey.id, currentKey.key]]);
  for (const spec of previous) {
    const k = parseSecretKey(spec, 'SECRET_KEYS_PREVIOUS');
    const known = keys.get(k.id);
    if (known && !timingSafeEqual(known, k.key)) {
      // Two different keys under one id would make every value sealed with either ambiguous.
      throw new SecretError(`key id "${k.id}" is given twice with different keys; give each key its own id`);
    }
    keys.set(k.id, k.key);
  }

  const seal = (plaintext: string, aad: string): string => {
    if (typeof plaintext !== 'string') throw new SecretError('only strings can be sealed');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', currentKey.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(fullAad(currentKey.id, aad));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, currentKey.id, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
  };

  const open = (sealed: string, aad: string): string => {
    const p = split(sealed);
    const key = keys.get(p.keyId);
    if (!key) {
      throw new SecretError(`secret was sealed with key "${p.keyId}", which is neither SECRET_KEY nor in SECRET_KEYS_PREVIOUS`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, p.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(fullAad(p.keyId, aad));
      decipher.setAuthTag(p.tag);
      return Buffer.concat([decipher.update(p.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // OpenSSL's message says nothing useful; this one names the three possible causes.
      throw new SecretError(
        `secret sealed with key "${p.keyId}" failed authentication: a different key under the same id, altered data, or a value copied from another record`,
      );
    }
  };

  return {
    currentKeyId: currentKey.id,
    keyIds: [...keys.keys()],
    seal,
    open,
    keyIdOf: (sealed) => split(sealed).keyId,
    reseal: (sealed, aad) => {
      const plaintext = open(sealed, aad);
      return split(sealed).keyId === currentKey.id ? sealed : seal(plaintext, aad);
    },
  };
}

export interface KeyringConfig {
  SECRET_KEY?: string | undefined;
  secretKeysPrevious?: readonly string[];
  mode?: Config['mode'];
  DATA_DIR?: string;
}

/**
 * The keyring the app runs with: SECRET_KEY and SECRET_KEYS_PREVIOUS, or in the sandbox, when no
 * SECRET_KEY is given, a key generated once into DATA_DIR. Takes the whole Config.
 */
export function keyringFromConfig(config: KeyringConfig): Keyring {
  const previous = config.secretKeysPrevious ?? [];
  if (config.SECRET_KEY) return createKeyring(config.SECRET_KEY, previous);
  if (config.mode !== 'sandbox' || !config.DATA_DIR) throw new SecretError('SECRET_KEY: required outside the sandbox');
  return createKeyring(loadOrCreateSandboxKey(config.DATA_DIR), previous);
}
