// The Entra ID side of the simulator: one tenant, its users, our app's registration, the consents
// given to it, and the authorization codes and refresh tokens in flight. Users are kept in arrays
// and two maps, nothing more, so 10,000 benchmark users stay cheap; mailboxes live elsewhere and are
// made on first use.
import type { SigningKey } from './jwt.ts';

export interface DirUser {
  id: string;
  userPrincipalName: string;
  mail: string;
  displayName: string;
  givenName: string;
  surname: string;
  /** Exchange Online mailbox; without one, calendar calls answer MailboxNotEnabledForRESTAPI. */
  hasMailbox: boolean;
  /** Global administrator: may grant tenant-wide admin consent. */
  isAdmin: boolean;
  preferredLanguage: string | null;
  /** Seeded in bulk for benchmarks: not listed on the consent page. */
  bulk: boolean;
}

export interface AppRegistration {
  clientId: string;
  clientSecret: string;
  displayName: string;
  /** Object id of the app's service principal in the tenant (the `oid` of its app-only tokens). */
  servicePrincipalId: string;
  /** Exact redirect URIs; null accepts any http(s) URI on a loopback host (the sandbox app's port is not known in advance). */
  redirectUris: string[] | null;
}

/** Application permissions our app registration asks for; admin consent grants exactly these. */
export const APP_ROLES = ['Calendars.ReadWrite', 'User.Read.All'] as const;

/** Delegated permissions a user may consent to here (the Graph names; OIDC scopes are separate). */
export const DELEGATED_SCOPES = [
  'Calendars.ReadWrite', 'Calendars.Read', 'User.Read', 'User.ReadBasic.All', 'User.Read.All', 'offline_access',
] as const;
export const OIDC_SCOPES = ['openid', 'profile', 'email'] as const;

export interface AuthCode {
  clientId: string;
  redirectUri: string;
  userId: string;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain';
  nonce: string | null;
  expiresAt: number;
}

export interface RefreshToken {
  userId: string;
  clientId: string;
  scopes: string[];
  issuedAt: number;
  lastUsedAt: number;
  /** Kept (not deleted) when revoked, so its use answers "revoked" (AADSTS50173) rather than "unknown". */
  revoked: boolean;
}

/** Refresh tokens kept per user; older ones are forgotten (a rotation chain would otherwise grow forever). */
const MAX_REFRESH_TOKENS_PER_USER = 50;

export class Directory {
  readonly users: DirUser[] = [];
  private readonly byId = new Map<string, DirUser>();
  private readonly byName = new Map<string, DirUser>();
  adminConsent: { grantedAt: number; grantedBy: string } | null = null;
  /** userId -> delegated scopes that user consented to for our app. */
  readonly userConsents = new Map<string, Set<string>>();
  readonly codes = new Map<string, AuthCode>();
  readonly refreshTokens = new Map<string, RefreshToken>();
  /** userId -> that user's refresh tokens, oldest first. */
  private readonly tokensByUser = new Map<string, string[]>();
  /** Access tokens issued before this are refused by Graph ("expire tokens now"). */
  accessTokensValidAfter = 0;
  private readonly listeners: (() => void)[] = [];

  constructor(
    readonly tenantId: string,
    readonly domain: string,
    readonly tenantName: string,
    readonly app: AppRegistration,
    readonly key: SigningKey,
    readonly now: () => number = Date.now,
  ) {}

  addUser(u: DirUser): DirUser {
    this.users.push(u);
    this.byId.set(u.id.toLowerCase(), u);
    this.byName.set(u.userPrincipalName.toLowerCase(), u);
    if (u.mail) this.byName.set(u.mail.toLowerCase(), u);
    return u;
  }

  /** A user by object id, user principal name or primary SMTP address (case-insensitive, as Graph matches). */
  user(idOrName: string): DirUser | undefined {
    const k = idOrName.toLowerCase();
    return this.byId.get(k) ?? this.byName.get(k);
  }

  /** The tenant path segment of a login URL: our GUID, our domain, or the multi-tenant aliases. */
  knowsTenant(segment: string): boolean {
    const s = segment.toLowerCase();
    return s === this.tenantId || s === this.domain || s === 'common' || s === 'organizations';
  }

  grantAdminConsent(byUserId: string): void {
    this.adminConsent = { grantedAt: this.now(), grantedBy: byUserId };
    this.changed();
  }

  revokeAdminConsent(): void {
    this.adminConsent = null;
    this.changed();
  }

  consentUser(userId: string, scopes: string[]): void {
    const set = this.userConsents.get(userId) ?? new Set<string>();
    for (const s of scopes) set.add(s);
    this.userConsents.set(userId, set);
    this.changed();
  }

  addRefreshToken(token: string, rt: RefreshToken): void {
    this.refreshTokens.set(token, rt);
    const mine = this.tokensByUser.get(rt.userId) ?? [];
    mine.push(token);
    while (mine.length > MAX_REFRESH_TOKENS_PER_USER) this.refreshTokens.delete(mine.shift()!);
    this.tokensByUser.set(rt.userId, mine);
    this.changed();
  }

  /** Like "Revoke sessions" in the Entra admin centre: every refresh token issued so far stops working. */
  revokeRefreshTokens(userId: string): void {
    for (const t of this.tokensByUser.get(userId) ?? []) {
      const rt = this.refreshTokens.get(t);
      if (rt) rt.revoked = true;
    }
    this.changed();
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  changed(): void {
    for (const fn of this.listeners) fn();
  }
}
