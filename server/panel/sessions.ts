// Panel sessions (docs/panel-api.md, "Signing in"): the cookie carries a random 256-bit token and
// the row only its SHA-256. A session lives 8 hours from its last use; a lookup finds it only for
// the tenant the panel names, and only while that tenant is installed.
//
// A sign-in makes the session unclaimed (createPendingSession): no token yet, only the hash of a
// one-time hand-off code that the popup passes to the framed panel. The panel's claim
// (claimSession) burns the code and only then mints the token, into the answer that sets the
// cookie, so the token never exists anywhere a script could read it.
//
// The administrator flag is the id_token's `is_administrator` at sign-in, and SuperOffice may take
// the right away any time after: it counts for ADMIN_RECHECK_MS after it was last confirmed
// (admin_checked_at), after which the request that needs it asks SuperOffice again
// (server/http/panel-auth.ts) and records the answer here. The session's 8 hours are far too long
// to trust a copy; five minutes bound what a demoted administrator can still do, at one SuperOffice
// call per administrator per five minutes of use.
//
// The CSRF token is a second random value, sealed with the keyring in the row. Why not an HMAC of
// the session token: the keyring keeps its key material to itself (seal/open only), and a token
// that owes nothing to the cookie's value gives nothing away about it wherever it shows (a header,
// the session answer); sealed values also survive a key rotation while the old key stays in
// SECRET_KEYS_PREVIOUS.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { NOT_INSTALLED } from '../jobs/tenant-work.ts';
import type { Keyring } from '../security/secrets.ts';

export const SESSION_TTL_MS = 8 * 60 * 60_000;
/** How long the popup's hand-off code can be claimed: the panel claims it within a second or two. */
export const HANDOFF_TTL_MS = 2 * 60_000;
/** The sliding expiry is written at most this often, so a polling panel does not write on every poll. */
const TOUCH_INTERVAL_MS = 60_000;
/** How long an administrator flag counts after SuperOffice last confirmed it. */
export const ADMIN_RECHECK_MS = 5 * 60_000;

export interface PanelSession {
  id: string;
  tenantId: string;
  contextIdentifier: string;
  tenantName: string | null;
  associateId: number;
  /** The user's name from the id_token; null when it named nobody. */
  userName: string | null;
  isAdministrator: boolean;
  /** When SuperOffice last confirmed isAdministrator (the sign-in, or a recheck); null: never. */
  adminCheckedAt: Date | null;
  lastSeenAt: Date;
  expiresAt: Date;
  sealedCsrf: string;
}

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const csrfAad = (sessionId: string) => JSON.stringify(['panel_sessions', sessionId, 'csrf']);
const newSecret = () => randomBytes(32).toString('base64url');

interface SessionInput {
  tenantId: string;
  associateId: number;
  isAdministrator: boolean;
  userName?: string | null;
}

/** Whether installation_state lets the tenant's panels sign in (the same states background work runs in). */
export function isInstalled(installationState: string): boolean {
  return !NOT_INSTALLED.includes(installationState);
}

/**
 * Creates an unclaimed session, which no token opens yet, and returns its one-time hand-off code,
 * the one copy there is of it. Unclaimed, the row lives as long as the code (HANDOFF_TTL_MS). Drops
 * the tenant's expired sessions in passing.
 */
export async function createPendingSession(db: Knex, keyring: Keyring, input: SessionInput, now = new Date()): Promise<{ code: string; id: string }> {
  const code = newSecret();
  const codeExpiresAt = new Date(now.getTime() + HANDOFF_TTL_MS);
  return db.transaction(async (trx) => {
    // The id is chosen here so the sealed CSRF token can be bound to its row.
    const [{ id }] = (await trx.raw('select gen_random_uuid() as id')).rows as [{ id: string }];
    await trx('panel_sessions').insert({
      id,
      tenant_id: input.tenantId,
      associate_id: input.associateId,
      user_name: input.userName ?? null,
      is_administrator: input.isAdministrator,
      // The id_token that just said so is SuperOffice's own, fresh confirmation.
      admin_checked_at: input.isAdministrator ? now : null,
      sealed_csrf: keyring.seal(newSecret(), csrfAad(id)),
      created_at: now,
      last_seen_at: now,
      token_hash: null,
      handoff_hash: hashToken(code),
      handoff_expires_at: codeExpiresAt,
      expires_at: codeExpiresAt,
    });
    await trx('panel_sessions').where({ tenant_id: input.tenantId }).andWhere('expires_at', '<=', now).delete();
    return { code, id };
  });
}

export type ClaimResult =
  | { ok: true; token: string; sessionId: string; expiresAt: Date }
  | { ok: false; reason: 'unknown_code' | 'wrong_user' };

/**
 * Claims the session of a hand-off `code` for the panel of `contextIdentifier` and `associateId`.
 * Only an unexpired, unused code of that (installed) tenant's sessions counts; it is burned whatever
 * follows. When the session is that user's, it gets a fresh token and 8 hours; another user's is
 * deleted (nobody can claim it any more).
 */
export async function claimSession(
  db: Knex,
  code: string,
  panel: { contextIdentifier: string; associateId: number },
  now = new Date(),
): Promise<ClaimResult> {
  return db.transaction(async (trx) => {
    const tenant = await trx('tenants').where({ context_identifier: panel.contextIdentifier }).whereNotIn('installation_state', NOT_INSTALLED).first('id');
    if (!tenant) return { ok: false, reason: 'unknown_code' } as const;
    // The update takes the row's lock: of two claims at once, the second finds the hash gone.
    const [row] = (await trx('panel_sessions')
      .where({ tenant_id: tenant.id as string, handoff_hash: hashToken(code) })
      .andWhere('handoff_expires_at', '>', now)
      .update({ handoff_hash: null, handoff_expires_at: null })
      .returning(['id', 'associate_id'])) as Array<{ id: string; associate_id: number }>;
    if (!row) return { ok: false, reason: 'unknown_code' } as const;
    const ofSession = trx('panel_sessions').where({ id: row.id, tenant_id: tenant.id as string });
    if (row.associate_id !== panel.associateId) {
      await ofSession.delete();
      return { ok: false, reason: 'wrong_user' } as const;
    }
    const token = newSecret();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await ofSession.update({ token_hash: hashToken(token), last_seen_at: now, expires_at: expiresAt });
    return { ok: true, token, sessionId: row.id, expiresAt } as const;
  });
}

/** The live session `token` opens for the tenant `contextIdentifier`, or undefined. */
export async function findSession(db: Knex, token: string, contextIdentifier: string, now = new Date()): Promise<PanelSession | undefined> {
  const row = await db('panel_sessions as s')
    .join('tenants as t', 't.id', 's.tenant_id')
    .where({ 's.token_hash': hashToken(token), 't.context_identifier': contextIdentifier })
    .whereNotIn('t.installation_state', NOT_INSTALLED)
    .andWhere('s.expires_at', '>', now)
    .first(
      's.id', 's.tenant_id', 's.associate_id', 's.user_name', 's.is_administrator', 's.admin_checked_at', 's.last_seen_at', 's.expires_at', 's.sealed_csrf',
      't.context_identifier', 't.name',
    );
  if (!row) return undefined;
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    contextIdentifier: row.context_identifier as string,
    tenantName: (row.name as string | null) ?? null,
    associateId: row.associate_id as number,
    userName: (row.user_name as string | null) ?? null,
    isAdministrator: row.is_administrator as boolean,
    adminCheckedAt: (row.admin_checked_at as Date | null) ?? null,
    lastSeenAt: row.last_seen_at as Date,
    expiresAt: row.expires_at as Date,
    sealedCsrf: row.sealed_csrf as string,
  };
}

/** Slides the expiry to 8 hours from now; returns the new expiry when it wrote, undefined when the last write is under a minute old. */
export async function touchSession(db: Knex, s: Pick<PanelSession, 'id' | 'tenantId' | 'lastSeenAt'>, now = new Date()): Promise<Date | undefined> {
  if (now.getTime() - s.lastSeenAt.getTime() < TOUCH_INTERVAL_MS) return undefined;
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  const n = await db('panel_sessions')
    .where({ id: s.id, tenant_id: s.tenantId })
    .andWhere('last_seen_at', '<=', new Date(now.getTime() - TOUCH_INTERVAL_MS))
    .update({ last_seen_at: now, expires_at: expiresAt });
  return n > 0 ? expiresAt : undefined;
}

/** Whether the session's administrator flag must be confirmed by SuperOffice before it counts. */
export function adminCheckDue(s: Pick<PanelSession, 'isAdministrator' | 'adminCheckedAt'>, now = new Date()): boolean {
  return s.isAdministrator && (!s.adminCheckedAt || now.getTime() - s.adminCheckedAt.getTime() >= ADMIN_RECHECK_MS);
}

/**
 * Records SuperOffice's answer to "is this user still an administrator". A demotion is kept for the
 * rest of the session (signing in again is how a promotion shows).
 */
export async function recordAdminCheck(db: Knex, s: Pick<PanelSession, 'id' | 'tenantId'>, isAdministrator: boolean, now = new Date()): Promise<void> {
  await db('panel_sessions').where({ id: s.id, tenant_id: s.tenantId }).update({ is_administrator: isAdministrator, admin_checked_at: now });
}

export async function deleteSession(db: Knex, s: Pick<PanelSession, 'id' | 'tenantId'>): Promise<void> {
  await db('panel_sessions').where({ id: s.id, tenant_id: s.tenantId }).delete();
}

export function csrfTokenOf(keyring: Keyring, s: Pick<PanelSession, 'id' | 'sealedCsrf'>): string {
  return keyring.open(s.sealedCsrf, csrfAad(s.id));
}

/** Constant-time check of the X-CSRF-Token a changing request carries. */
export function csrfMatches(keyring: Keyring, s: Pick<PanelSession, 'id' | 'sealedCsrf'>, given: string | undefined): boolean {
  if (!given) return false;
  const expected = Buffer.from(csrfTokenOf(keyring, s), 'utf8');
  const actual = Buffer.from(given, 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
