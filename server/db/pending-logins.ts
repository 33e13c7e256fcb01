// Sign-ins under way (see the pending_logins migration). The PKCE verifier is sealed like every
// other secret; a state is taken once and only before it expires.
import type { Knex } from 'knex';
import type { Keyring } from '../security/secrets.ts';

/**
 * install: SuperOffice consent; graph_admin_consent: a profile's tenant-wide Microsoft 365 consent;
 * graph_connect: one user's; panel: a panel user's SuperOffice sign-in.
 */
export type LoginPurpose = 'install' | 'graph_admin_consent' | 'graph_connect' | 'panel';

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

export async function savePendingLogin(db: Knex, keyring: Keyring, p: PendingLogin): Promise<void> {
  await db('pending_logins').insert({
    state: p.state,
    purpose: p.purpose,
    context_identifier: p.contextIdentifier,
    nonce: p.nonce,
    sealed_verifier: keyring.seal(p.codeVerifier, aad(p.state)),
    expires_at: new Date(Date.now() + TTL_MS),
  });
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
