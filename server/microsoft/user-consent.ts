// The per-user alternative to tenant-wide consent: on a profile in `delegated` mode each user signs
// in to Microsoft from their panel and consents for their own calendar (code flow with PKCE). Their
// refresh token is sealed on the link and rotated on use (providers/graph/auth.ts); the signed-in
// account must be the link's mailbox, so one user cannot connect someone else's calendar.
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { savePendingLogin, takePendingLogin } from '../db/pending-logins.ts';
import { authorizationUrl, credentialRefreshTokens, redeemAuthorizationCode } from '../providers/graph/auth.ts';
import type { Keyring } from '../security/secrets.ts';
import { SyncError } from '../sync/errors.ts';
import { ConsentError, type GraphConnection, type MicrosoftApp } from './admin-consent.ts';
import { GRAPH_REFRESH_TOKEN } from './connector.ts';

export const USER_CONSENT_CALLBACK = '/microsoft/connect/callback';

export interface UserConsentDeps {
  db: Knex;
  keyring: Keyring;
  app: MicrosoftApp;
  publicUrl: string;
  fetch: typeof fetch;
  /** Called once a link is connected: subscribe its mailbox and sync it. */
  connected?: (tenantId: string, linkId: string) => Promise<void>;
}

const registration = (app: MicrosoftApp) => ({ tenantId: 'organizations', clientId: app.clientId, clientSecret: app.clientSecret });

async function delegatedLink(db: Knex, tenantId: string, linkId: string) {
  const link = await db('links')
    .join('profiles', 'profiles.id', 'links.profile_id')
    .where({ 'links.tenant_id': tenantId, 'links.id': linkId, 'profiles.calendar_system': 'graph' })
    .first('links.mailbox', 'links.profile_id', 'profiles.connection');
  if (!link) throw new ConsentError('unknown_link', 'There is no Microsoft 365 link with this id for this installation.');
  if ((link.connection as GraphConnection).mode !== 'delegated') {
    throw new ConsentError('not_delegated', 'This Microsoft 365 profile uses your organisation\'s consent; there is nothing for you to connect.');
  }
  return link as { mailbox: string; profile_id: string; connection: GraphConnection };
}

/** The Microsoft sign-in URL for this link's user (open it in a popup: Microsoft's pages cannot be framed). */
export async function beginUserConsent(deps: UserConsentDeps, tenantId: string, linkId: string): Promise<string> {
  const link = await delegatedLink(deps.db, tenantId, linkId);
  const state = randomBytes(24).toString('base64url');
  const codeVerifier = randomBytes(32).toString('base64url');
  const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
  await savePendingLogin(deps.db, deps.keyring, { state, purpose: 'graph_connect', contextIdentifier: `${tenantId}:${linkId}`, nonce: '-', codeVerifier });
  return authorizationUrl(registration(deps.app), { authorityBase: deps.app.loginUrl, fetch: deps.fetch }, {
    redirectUri: `${deps.publicUrl}${USER_CONSENT_CALLBACK}`,
    state,
    loginHint: link.mailbox,
    codeChallenge,
  });
}

export async function completeUserConsent(
  deps: UserConsentDeps,
  input: { state?: string; code?: string; error?: string; errorDescription?: string },
): Promise<{ tenantId: string; linkId: string; username: string }> {
  const pending = input.state ? await takePendingLogin(deps.db, deps.keyring, input.state, 'graph_connect') : undefined;
  if (!pending?.contextIdentifier) throw new ConsentError('unknown_state', 'This sign-in has expired or was already used. Start it again from your panel.');
  const [tenantId, linkId] = pending.contextIdentifier.split(':') as [string, string];
  if (input.error) throw new ConsentError(input.error, `Microsoft did not grant access: ${input.errorDescription || input.error}.`);
  if (!input.code) throw new ConsentError('no_code', 'Microsoft sent no authorization code.');
  const link = await delegatedLink(deps.db, tenantId, linkId);
  // Redeemed into a scratch store first: the token is only kept once the account is the right one.
  let token: string | null = null;
  let who;
  try {
    who = await redeemAuthorizationCode(registration(deps.app), { authorityBase: deps.app.loginUrl, fetch: deps.fetch }, {
      code: input.code,
      redirectUri: `${deps.publicUrl}${USER_CONSENT_CALLBACK}`,
      codeVerifier: pending.codeVerifier,
    }, { load: async () => token, save: async (t) => void (token = t) });
  } catch (err) {
    if (err instanceof SyncError) throw new ConsentError('redeem_failed', `Microsoft refused the sign-in: ${err.message}`);
    throw err;
  }
  if (who.username.toLowerCase() !== link.mailbox.toLowerCase()) {
    throw new ConsentError('wrong_account', `You signed in as ${who.username}, but this link is for ${link.mailbox}. Sign in with that account.`);
  }
  await credentialRefreshTokens(deps.db, deps.keyring, { tenantId, ownerType: 'link', ownerId: linkId, kind: GRAPH_REFRESH_TOKEN }).save(token!);
  await deps.db.transaction(async (trx) => {
    // The profile learns the organisation from its first user, as admin consent would tell it.
    if (!link.connection.entraTenantId) {
      await trx('profiles').where({ tenant_id: tenantId, id: link.profile_id }).update({ connection: JSON.stringify({ ...link.connection, entraTenantId: who.tenantId }) });
    }
    await trx('links').where({ tenant_id: tenantId, id: linkId }).update({ state: 'active', last_error: null, updated_at: trx.fn.now() });
    await trx('audit_log').insert({ tenant_id: tenantId, link_id: linkId, actor: `user:${who.username}`, action: 'graph_user_consent', reason: 'calendar connected' });
  });
  await deps.connected?.(tenantId, linkId);
  return { tenantId, linkId, username: who.username };
}
