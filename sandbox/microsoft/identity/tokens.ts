// Access tokens for Graph and id_tokens for the app. Graph's access tokens are v1.0-shaped whatever
// endpoint issued them (aud https://graph.microsoft.com, iss sts.windows.net, appid), with `roles`
// for app-only and `scp` for delegated tokens; the Graph half checks signature, audience, tenant,
// expiry and the "expire tokens now" cut-off.
import { randomBytes, randomUUID } from 'node:crypto';
import { APP_ROLES, type DirUser, type Directory } from '../directory.ts';
import { signJwt, verifyJwt } from '../jwt.ts';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
/** Graph's app id, which some tokens carry as audience instead of the URL. */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export function graphIssuer(dir: Directory): string {
  return `https://sts.windows.net/${dir.tenantId}/`;
}

function times(dir: Directory, lifetimeS: number): { iat: number; nbf: number; exp: number } {
  const now = Math.floor(dir.now() / 1000);
  return { iat: now, nbf: now, exp: now + lifetimeS };
}

/** `uti` is a per-token id; it also lets two tokens issued in one second differ. */
const uti = () => randomBytes(16).toString('base64url');

export function appAccessToken(dir: Directory, lifetimeS: number): string {
  return signJwt(dir.key, {
    aud: GRAPH_AUDIENCE, iss: graphIssuer(dir), ...times(dir, lifetimeS), idp: graphIssuer(dir), idtyp: 'app',
    app_displayname: dir.app.displayName, appid: dir.app.clientId, appidacr: '1', oid: dir.app.servicePrincipalId,
    sub: dir.app.servicePrincipalId, roles: [...APP_ROLES], tid: dir.tenantId, uti: uti(), ver: '1.0',
    // Not a real claim: the issue instant in ms, so "expire tokens now" cuts exactly (iat is whole seconds).
    xms_iat_ms: dir.now(),
  });
}

export function userAccessToken(dir: Directory, user: DirUser, scopes: string[], lifetimeS: number): string {
  return signJwt(dir.key, {
    aud: GRAPH_AUDIENCE, iss: graphIssuer(dir), ...times(dir, lifetimeS), acr: '1', amr: ['pwd'], idtyp: 'user',
    app_displayname: dir.app.displayName, appid: dir.app.clientId, appidacr: '1', family_name: user.surname,
    given_name: user.givenName, name: user.displayName, oid: user.id, scp: scopes.join(' '), sub: user.id,
    tid: dir.tenantId, unique_name: user.userPrincipalName, upn: user.userPrincipalName, uti: uti(), ver: '1.0',
    xms_iat_ms: dir.now(),
  });
}

/** Directory role template ids (`wids`): every member has the User role; administrators Global Administrator too. */
const USER_ROLE = 'b79fbf4d-3ef9-4689-8143-76b194e85509';
const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';

/**
 * `wids` is there because our app registration asks for directory roles in its tokens
 * (groupMembershipClaims "DirectoryRole"), as production's must; `tid` names the user's organisation.
 */
export function idToken(dir: Directory, issuer: string, user: DirUser, nonce: string | null, lifetimeS: number, withRoles: boolean): string {
  return signJwt(dir.key, {
    aud: dir.app.clientId, iss: issuer, ...times(dir, lifetimeS), name: user.displayName, oid: user.id,
    preferred_username: user.userPrincipalName, email: user.mail, sub: user.id, tid: dir.tenantId, uti: uti(),
    ver: '2.0', ...(nonce ? { nonce } : {}), rh: randomUUID(),
    ...(withRoles ? { wids: user.isAdmin ? [GLOBAL_ADMINISTRATOR, USER_ROLE] : [USER_ROLE] } : {}),
  });
}

/** base64url `{"uid","utid"}`: msal builds the account's homeAccountId (`uid.utid`) from it. */
export function clientInfo(dir: Directory, user: DirUser): string {
  return Buffer.from(JSON.stringify({ uid: user.id, utid: dir.tenantId })).toString('base64url');
}

export type Principal =
  | { kind: 'app'; appId: string; roles: Set<string>; oid: string }
  | { kind: 'user'; appId: string; scopes: Set<string>; userId: string };

export type TokenCheck = { ok: true; principal: Principal } | { ok: false; message: string };

/** What Graph concludes from a bearer token. Messages are Graph's InvalidAuthenticationToken texts. */
export function checkAccessToken(dir: Directory, token: string): TokenCheck {
  const p = verifyJwt(dir.key, token);
  if (!p) return { ok: false, message: 'IDX14100: JWT is not well formed, or its signature is invalid.' };
  if (p.aud !== GRAPH_AUDIENCE && p.aud !== GRAPH_APP_ID) return { ok: false, message: 'Invalid audience.' };
  if (p.iss !== graphIssuer(dir) || p.tid !== dir.tenantId) return { ok: false, message: 'Invalid issuer or tenant.' };
  const nowS = dir.now() / 1000;
  if (typeof p.exp !== 'number' || p.exp <= nowS) return { ok: false, message: 'Lifetime validation failed, the token is expired.' };
  if (typeof p.nbf === 'number' && p.nbf > nowS + 300) return { ok: false, message: 'Lifetime validation failed, the token is not yet valid.' };
  if (typeof p.xms_iat_ms !== 'number' || p.xms_iat_ms < dir.accessTokensValidAfter) {
    return { ok: false, message: 'Lifetime validation failed, the token is expired.' };
  }
  const appId = typeof p.appid === 'string' ? p.appid : '';
  if (typeof p.scp === 'string' && typeof p.oid === 'string') {
    return { ok: true, principal: { kind: 'user', appId, userId: p.oid, scopes: new Set(p.scp.split(' ').filter(Boolean)) } };
  }
  const roles = Array.isArray(p.roles) ? p.roles.filter((r): r is string => typeof r === 'string') : [];
  return { ok: true, principal: { kind: 'app', appId, oid: typeof p.oid === 'string' ? p.oid : '', roles: new Set(roles) } };
}
