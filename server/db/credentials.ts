// The only way secrets reach the `credentials` table: sealed by the keyring on the way in, opened on
// the way out, every query scoped by tenant id. Each ciphertext is bound (AAD) to the tenant, owner
// and kind of its row, so a value copied onto another row, or another tenant's row, fails to open.
import type { Knex } from 'knex';
import { SecretError, type Keyring } from '../security/secrets.ts';

export type OwnerType = 'tenant' | 'profile' | 'link';

export interface CredentialRef {
  tenantId: string;
  ownerType: OwnerType;
  ownerId: string;
  /** What the secret is, e.g. `system_user_token`, `refresh_token`, `client_secret`. */
  kind: string;
}

export interface CredentialInput extends CredentialRef {
  secret: string;
  expiresAt?: Date | null;
}

export interface StoredCredential {
  secret: string;
  expiresAt: Date | null;
  keyId: string;
  updatedAt: Date;
}

const TABLE = 'credentials';

export function credentialAad(ref: CredentialRef): string {
  return JSON.stringify(['credentials', ref.tenantId, ref.ownerType, ref.ownerId, ref.kind]);
}

function where(ref: CredentialRef) {
  return { tenant_id: ref.tenantId, owner_type: ref.ownerType, owner_id: ref.ownerId, kind: ref.kind };
}

function describe(ref: CredentialRef): string {
  return `credential ${ref.kind} of ${ref.ownerType} ${ref.ownerId} (tenant ${ref.tenantId})`;
}

/** Stores (or replaces) one secret. */
export async function saveCredential(db: Knex, keyring: Keyring, input: CredentialInput): Promise<void> {
  const sealed = keyring.seal(input.secret, credentialAad(input));
  await db(TABLE)
    .insert({ ...where(input), key_id: keyring.currentKeyId, ciphertext: sealed, expires_at: input.expiresAt ?? null })
    .onConflict(['tenant_id', 'owner_type', 'owner_id', 'kind'])
    .merge({ key_id: keyring.currentKeyId, ciphertext: sealed, expires_at: input.expiresAt ?? null, updated_at: db.fn.now() });
}

/** The secret with its metadata, or null when none is stored. Throws SecretError when it cannot be opened. */
export async function loadCredentialRecord(db: Knex, keyring: Keyring, ref: CredentialRef): Promise<StoredCredential | null> {
  const row = await db(TABLE).where(where(ref)).first('key_id', 'ciphertext', 'expires_at', 'updated_at');
  if (!row) return null;
  try {
    return {
      secret: keyring.open(row.ciphertext as string, credentialAad(ref)),
      expiresAt: (row.expires_at as Date | null) ?? null,
      keyId: row.key_id as string,
      updatedAt: row.updated_at as Date,
    };
  } catch (err) {
    throw err instanceof SecretError ? new SecretError(`${describe(ref)}: ${err.message}`) : err;
  }
}

/** The secret, or null when none is stored. Throws SecretError when it cannot be opened. */
export async function loadCredential(db: Knex, keyring: Keyring, ref: CredentialRef): Promise<string | null> {
  return (await loadCredentialRecord(db, keyring, ref))?.secret ?? null;
}

/** True when a row was deleted. */
export async function deleteCredential(db: Knex, ref: CredentialRef): Promise<boolean> {
  return (await db(TABLE).where(where(ref)).del()) > 0;
}

export interface ResealOptions {
  /** Only this tenant's rows; every tenant's when omitted. */
  tenantId?: string;
  batchSize?: number;
  onBatch?: (progress: ResealResult) => void;
}

export interface ResealResult {
  /** Rows found on an older key. */
  examined: number;
  /** Rows now sealed under the current key. */
  resealed: number;
  /** Rows that could not be opened with any key given (ids only, never contents). */
  failed: { id: string; tenantId: string; keyId: string; reason: string }[];
}

/**
 * Rewrites every row still sealed under an older key so it is sealed under the keyring's current
 * key, in batches of short transactions. Once it reports no failures, the old key can be dropped
 * from SECRET_KEYS_PREVIOUS.
 */
export async function resealCredentials(db: Knex, keyring: Keyring, options: ResealOptions = {}): Promise<ResealResult> {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive whole number');
  const result: ResealResult = { examined: 0, resealed: 0, failed: [] };
  // Walks by id so a row that cannot be opened is reported once, not fetched again forever.
  let after: string | null = null;
  for (;;) {
    const batch = await db.transaction(async (trx) => {
      let q = trx(TABLE)
        .whereNot('key_id', keyring.currentKeyId)
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .select('id', 'tenant_id', 'owner_type', 'owner_id', 'kind', 'key_id', 'ciphertext');
      if (options.tenantId !== undefined) q = q.where('tenant_id', options.tenantId);
      if (after !== null) q = q.where('id', '>', after);
      const rows = await q;
      for (const row of rows) {
        const ref: CredentialRef = { tenantId: row.tenant_id, ownerType: row.owner_type, ownerId: row.owner_id, kind: row.kind };
        let sealed: string;
        try {
          sealed = keyring.reseal(row.ciphertext as string, credentialAad(ref));
        } catch (err) {
          if (!(err instanceof SecretError)) throw err;
          result.failed.push({ id: row.id, tenantId: row.tenant_id, keyId: row.key_id, reason: err.message });
          continue;
        }
        await trx(TABLE)
          .where({ id: row.id, tenant_id: row.tenant_id })
          .update({ key_id: keyring.currentKeyId, ciphertext: sealed, updated_at: trx.fn.now() });
        result.resealed++;
      }
      return rows as { id: string }[];
    });
    result.examined += batch.length;
    if (batch.length > 0) options.onBatch?.({ ...result, failed: [...result.failed] });
    if (batch.length < batchSize) return result;
    after = batch[batch.length - 1]!.id;
  }
}
