// Who signed in to Microsoft, proven: the id_token of a sign-in is verified against Entra ID's
// published keys (signature by `kid`, RS256 only), its issuer (`{login}/{tid}/v2.0`, the tenant the
// sign-in was sent to), its audience (our client id), expiry and nonce. Only then are its `tid`,
// `oid`, user name and directory roles believed. msal decodes id_tokens without checking them, so
// nothing else in the app may take an organisation or a mailbox from one.
import jwt from 'jsonwebtoken';
import { JwksKeys } from '../../security/jwks.ts';

/** Entra's multi-tenant keys sign every organisation's tokens; the issuer names the organisation. */
const KEYS_PATH = '/common/discovery/v2.0/keys';

/**
 * Directory roles (role template ids, the `wids` claim) that may grant tenant-wide consent to
 * application permissions of Microsoft Graph: Global Administrator and Privileged Role Administrator.
 */
export const CONSENT_ADMIN_ROLES = new Set(['62e90394-69f5-4237-9190-012177145e10', 'e8611ab8-c189-46e8-94e1-60213ab1f814']);

export class IdTokenRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdTokenRefused';
  }
}

export interface VerifiedSignIn {
  /** The organisation (Entra tenant GUID, lower case). */
  tenantId: string;
  objectId: string;
  /** `preferred_username` (the UPN for work accounts), lower case; '' when absent. */
  username: string;
  /** `email` when present, lower case. */
  email: string | null;
  /** The `wids` claim, or null when the token carries none. */
  directoryRoles: string[] | null;
}

export interface IdTokenVerifier {
  /**
   * Verifies `idToken` of a sign-in sent with `nonce` to organisation `tenantId`, or, for a sign-in
   * sent to `organizations`, to whichever organisation its issuer names (then signature and issuer
   * together prove it).
   */
  verify(idToken: string, expect: { tenantId?: string; nonce: string }): Promise<VerifiedSignIn>;
}

/** The `tid` a token claims, unverified: only to know which issuer to hold it to. */
function claimedTenant(idToken: string): string {
  const claims = jwt.decode(idToken);
  return claims && typeof claims === 'object' && typeof claims.tid === 'string' ? claims.tid : '';
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function idTokenVerifier(opts: { loginUrl: string; clientId: string; fetch: typeof fetch }): IdTokenVerifier {
  const base = opts.loginUrl.replace(/\/+$/, '');
  const keys = new JwksKeys(`${base}${KEYS_PATH}`, opts.fetch, (reason) => new IdTokenRefused(`Microsoft's sign-in could not be verified: ${reason}`), "Entra ID's signing keys");
  return {
    async verify(idToken, expect) {
      const tenantId = (expect.tenantId ?? claimedTenant(idToken)).toLowerCase();
      if (!GUID.test(tenantId)) throw new IdTokenRefused('The organisation to sign in to is not an Entra tenant id.');
      const claims = await keys.verify(idToken, { issuer: `${base}/${tenantId}/v2.0`, audience: opts.clientId, nonce: expect.nonce });
      // The issuer already names the tenant; `tid` must agree (a guest's token names the host tenant).
      if (typeof claims.tid !== 'string' || claims.tid.toLowerCase() !== tenantId) {
        throw new IdTokenRefused('You signed in to another Microsoft 365 organisation than the one that granted consent.');
      }
      if (typeof claims.oid !== 'string' || !claims.oid) throw new IdTokenRefused("Microsoft's sign-in did not name the account (no oid).");
      const text = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : '');
      const wids = Array.isArray(claims.wids) ? claims.wids.filter((w): w is string => typeof w === 'string') : null;
      return { tenantId, objectId: claims.oid, username: text(claims.preferred_username), email: text(claims.email) || null, directoryRoles: wids };
    },
  };
}
