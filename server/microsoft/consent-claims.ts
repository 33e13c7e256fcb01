// The hand-off between a Microsoft consent popup and the panel session that opened it. The popup's
// last page has a verified sign-in (who, which organisation) but no session: the panel is framed in
// SuperOffice and its cookie lives in another partition. So the verified result waits here under the
// SHA-256 of a one-time code that the page posts to its opener only; the framed panel claims it with
// its own session, and only a claim by the session (tenant, user, session id) that started the
// consent may bind anything. A consent link sent to someone else completes nowhere.
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Keyring } from '../security/secrets.ts';

/** graph_admin: an organisation's tenant-wide consent for a profile; graph_user: one user's own calendar for a link. */
export type ClaimKind = 'graph_admin' | 'graph_user';

/** The panel session a consent was started from; only it may claim the result. */
export interface StartedBy {
  tenantId: string;
  sessionId: string;
  associateId: number;
}

export interface VerifiedConsent {
  kind: ClaimKind;
  /** The profile (graph_admin) or link (graph_user). */
  subjectId: string;
  startedBy: StartedBy;
  /** From the verified id_token's `tid`. */
  entraTenantId: string;
  /** The verified account's user name. */
  account: string;
  /** graph_user: the refresh token, kept only once the claim binds it. */
  refreshToken?: string;
}

/** Long enough to read "this organisation is already connected elsewhere" and confirm. */
const CLAIM_TTL_MS = 10 * 60_000;
const hash = (code: string) => createHash('sha256').update(code, 'utf8').digest('hex');
const aad = (codeHash: string) => JSON.stringify(['consent_claims', codeHash]);
export const CLAIM_CODE = /^[A-Za-z0-9_-]{43}$/;

/** Stores a verified consent and returns its one-time code, the one copy there is of it. */
export async function createConsentClaim(db: Knex, keyring: Keyring, v: VerifiedConsent): Promise<string> {
  const code = randomBytes(32).toString('base64url');
  const codeHash = hash(code);
  await db('consent_claims').insert({
    code_hash: codeHash,
    tenant_id: v.startedBy.tenantId,
    kind: v.kind,
    subject_id: v.subjectId,
    session_id: v.startedBy.sessionId,
    associate_id: v.startedBy.associateId,
    entra_tenant_id: v.entraTenantId,
    account: v.account,
    sealed_refresh_token: v.refreshToken ? keyring.seal(v.refreshToken, aad(codeHash)) : null,
    expires_at: new Date(Date.now() + CLAIM_TTL_MS),
  });
  await db('consent_claims').where('expires_at', '<', new Date()).delete();
  return code;
}

function fromRow(keyring: Keyring, row: Record<string, unknown>): VerifiedConsent {
  const sealed = row.sealed_refresh_token as string | null;
  return {
    kind: row.kind as ClaimKind,
    subjectId: row.subject_id as string,
    startedBy: { tenantId: row.tenant_id as string, sessionId: row.session_id as string, associateId: Number(row.associate_id) },
    entraTenantId: row.entra_tenant_id as string,
    account: row.account as string,
    ...(sealed ? { refreshToken: keyring.open(sealed, aad(row.code_hash as string)) } : {}),
  };
}

const mine = (code: string, by: StartedBy) => ({ code_hash: hash(code), tenant_id: by.tenantId, session_id: by.sessionId, associate_id: by.associateId });

/** The consent behind `code` if this session started it and it has not expired or been used; it stays claimable. */
export async function peekConsentClaim(db: Knex, keyring: Keyring, code: string, by: StartedBy): Promise<VerifiedConsent | undefined> {
  if (!CLAIM_CODE.test(code)) return undefined;
  const row = await db('consent_claims').where(mine(code, by)).andWhere('expires_at', '>', new Date()).first();
  return row ? fromRow(keyring, row) : undefined;
}

/** Like peek, but uses the code up: of two claims at once, one gets it. */
export async function takeConsentClaim(db: Knex, keyring: Keyring, code: string, by: StartedBy): Promise<VerifiedConsent | undefined> {
  if (!CLAIM_CODE.test(code)) return undefined;
  const [row] = await db('consent_claims').where(mine(code, by)).andWhere('expires_at', '>', new Date()).delete().returning('*');
  return row ? fromRow(keyring, row) : undefined;
}

/**
 * A consent's start as kept in pending_logins.context_identifier (JSON): the session that started it
 * and its subject (`profileId` or `linkId`); undefined for anything else.
 */
export function startedFrom<K extends string>(contextIdentifier: string | null, subject: K): (StartedBy & Record<K, string> & { entraTenantId?: string }) | undefined {
  try {
    const v = JSON.parse(contextIdentifier ?? '') as Record<string, unknown>;
    if (typeof v.tenantId === 'string' && typeof v[subject] === 'string' && typeof v.sessionId === 'string' && typeof v.associateId === 'number') {
      return v as StartedBy & Record<K, string> & { entraTenantId?: string };
    }
  } catch {
    // not a consent's start
  }
  return undefined;
}
