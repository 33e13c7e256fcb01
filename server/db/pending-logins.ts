// Sign-ins under way (see the pending_logins migration). The PKCE verifier is sealed like every
// other secret; a state is taken once and only before it expires.
import type { Knex } from 'knex';
import type { Keyring } from '../security/secrets.ts';

/**
 * install: SuperOffice consent; graph_admin_consent: a profile's tenant-wide Microsoft 365 consent;
 * graph_admin_proof: the sign-in that proves the consenting administrator's organisation; graph_connect:
 * one user's; panel: a panel user's SuperOffice sign-in.
 */
export type LoginPurpose = 'install' | 'graph_admin_consent' | 'graph_admin_proof' | 'graph_connect' | 'panel';

export interface PendingLogin {
  state: string;
  purpose: LoginPurpose;
  /**
   * The SuperOffice tenant for an install; the profile or link id for the Microsoft ones; for a
   * panel sign-in `<ctx>:<associate id>`, the tenant and user the panel URL named.
   */
  contextIdentifier: string | null;
  nonce: string;
  codeVerifier: string;
}

/** SuperOffice's authorization codes live 10 minutes; a sign-in page left open longer starts over. */
const TTL_MS = 15 * 60_000;
const aad = (state: string) => JSON.stringify(['pending_logins', state]);

/**
 * The table's own ceiling on sign-ins under way, whoever calls: anonymous traffic starts sign-ins,
 * and each one is a row until it expires. The HTTP gate (PENDING_LOGINS_MAX) refuses earlier.
 */
export const PENDING_LOGINS_CEILING = 100_000;

/** Thrown instead of writing a row past the ceiling; the HTTP error handler answers 503. */
export class PendingLoginsFull extends Error {
  constructor(readonly max: number) {
    super(`${max} sign-ins are already under way`);
    this.name = 'PendingLoginsFull';
  }
}

/** Unexpired sign-ins under way, counted up to `max` only (the scan stops there). */
async function liveCount(db: Knex, max: number): Promise<number> {
  const { rows } = await db.raw<{ rows: Array<{ n: string }> }>(
    'select count(*) as n from (select 1 from pending_logins where expires_at > now() limit ?) t',
    [max],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Whether `max` sign-ins are already under way (the gate in front of anonymous sign-in starts). */
export async function pendingLoginsFull(db: Knex, max: number): Promise<boolean> {
  return (await liveCount(db, max)) >= max;
}

/** Throws PendingLoginsFull when `max` (default: the ceiling) sign-ins are already under way. */
export async function savePendingLogin(db: Knex, keyring: Keyring, p: PendingLogin, max = PENDING_LOGINS_CEILING): Promise<void> {
  const rows = await db.transaction(async (trx) => {
    // Concurrent starts take turns (on every node), so none counts before another's row is in.
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', ['pending_logins']);
    const { rows } = await trx.raw<{ rows: unknown[] }>(
      `insert into pending_logins (state, purpose, context_identifier, nonce, sealed_verifier, expires_at)
       select ?, ?, ?, ?, ?, ?
       where (select count(*) from (select 1 from pending_logins where expires_at > now() limit ?) t) < ?
       returning state`,
      [p.state, p.purpose, p.contextIdentifier, p.nonce, keyring.seal(p.codeVerifier, aad(p.state)), new Date(Date.now() + TTL_MS), max, max],
    );
    return rows;
  });
  if (rows.length === 0) throw new PendingLoginsFull(max);
  // Housekeeping in passing: abandoned sign-ins go once they expire.
  await db('pending_logins').where('expires_at', '<', new Date()).delete();
}

/**
 * Removes and returns the sign-in for `state`, or undefined when unknown, used, expired or started
 * for another purpose (a consent's state must not complete an install, or the other way round).
 */
export async function takePendingLogin(db: Knex, keyring: Keyring, state: string, purpose: LoginPurpose): Promise<PendingLogin | undefined> {
  const [row] = await db('pending_logins').where({ state, purpose }).andWhere('expires_at', '>', new Date()).delete().returning('*');
  if (!row) return undefined;
  return {
    state: row.state as string,
    purpose: row.purpose as LoginPurpose,
    contextIdentifier: (row.context_identifier as string | null) ?? null,
    nonce: row.nonce as string,
    codeVerifier: keyring.open(row.sealed_verifier as string, aad(row.state as string)),
  };
}
