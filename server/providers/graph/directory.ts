// The tenant's directory, read with the app's own access (User.Read.All): the users SuperOffice
// users are linked to by e-mail, and the check that the administrator's consent is in place.
import { z } from 'zod';
import { AuthorizationRevoked } from '../../sync/errors.ts';
import type { GraphConnection } from './client.ts';
import { pageOf } from './items.ts';

export interface DirectoryUser {
  id: string;
  userPrincipalName: string;
  mail?: string;
  displayName?: string;
}

const userSchema = z.object({
  id: z.string().min(1),
  userPrincipalName: z.string().nullish(),
  mail: z.string().nullish(),
  displayName: z.string().nullish(),
});

const SELECT = '$select=id,userPrincipalName,mail,displayName';
/** Graph pages users up to 999 at a time. */
const MAX_PAGE = 999;

function userOf(raw: unknown): DirectoryUser {
  const u = userSchema.safeParse(raw);
  if (!u.success) throw new Error('Microsoft Graph sent a directory user this connector cannot read');
  const out: DirectoryUser = { id: u.data.id, userPrincipalName: u.data.userPrincipalName ?? '' };
  if (u.data.mail) out.mail = u.data.mail;
  if (u.data.displayName) out.displayName = u.data.displayName;
  return out;
}

// Reading users needs User.Read.All; without it Graph answers 403 Authorization_RequestDenied,
// which says more when it names the missing permission.
function explained(err: unknown): unknown {
  if (err instanceof AuthorizationRevoked && /Authorization_RequestDenied/i.test(err.message)) {
    return new AuthorizationRevoked(`${err.message}. The app needs the User.Read.All application permission, granted by an administrator.`, { cause: err });
  }
  return err;
}

/** Every user of the directory, following Graph's pages. */
export async function listDirectoryUsers(graph: GraphConnection, opts: { pageSize?: number } = {}): Promise<DirectoryUser[]> {
  const out: DirectoryUser[] = [];
  let url = `/users?${SELECT}&$top=${Math.min(opts.pageSize ?? MAX_PAGE, MAX_PAGE)}`;
  try {
    for (;;) {
      const page = pageOf(await graph.request({ url }));
      out.push(...page.value.map(userOf));
      if (!page.next) return out;
      url = page.next;
    }
  } catch (err) {
    throw explained(err);
  }
}

/**
 * Proves the tenant's consent by reading one user: a refused token comes back as
 * AuthorizationRevoked with Microsoft's reason (an AADSTS code: no consent, wrong secret, ...).
 */
export async function verifyConsent(graph: GraphConnection): Promise<void> {
  try {
    pageOf(await graph.request({ url: `/users?$select=id&$top=1` }));
  } catch (err) {
    throw explained(err);
  }
}

/** Directory users by lower-case address: both `mail` and the UPN find a user; the first user wins a shared address. */
export function usersByEmail(users: readonly DirectoryUser[]): Map<string, DirectoryUser> {
  const out = new Map<string, DirectoryUser>();
  for (const u of users) {
    for (const a of [u.mail, u.userPrincipalName]) {
      const key = a?.trim().toLowerCase();
      if (key && !out.has(key)) out.set(key, u);
    }
  }
  return out;
}
