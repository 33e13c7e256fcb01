// The per-user alternative to tenant-wide consent: on a profile in `delegated` mode each user signs
// in to Microsoft from their panel and consents for their own calendar (code flow with PKCE and a
// nonce). The account is taken only from the verified id_token (id-token.ts) and must be the link's
// mailbox, in the profile's organisation once it has one, so one user cannot connect someone else's
// calendar. The verified result, with the refresh token, waits for the panel session that started
// the sign-in to claim it (consent-claims.ts); only then is the token stored, sealed, on the link.
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { savePendingLogin, takePendingLogin } from '../db/pending-logins.ts';
import { authorizationUrl, credentialRefreshTokens, redeemAuthorizationCode, type SignInOptions } from '../providers/graph/auth.ts';
import type { IdTokenVerifier } from '../providers/graph/id-token.ts';
import type { Keyring } from '../security/secrets.ts';
import type { GraphConnection, MicrosoftApp } from './admin-consent.ts';
import { ConsentError, refusalInWords } from './consent-error.ts';
import { proveSignIn } from './sign-in-proof.ts';
import { createConsentClaim, takeConsentClaim, startedFrom, type StartedBy } from './consent-claims.ts';
import { GRAPH_REFRESH_TOKEN } from './connector.ts';

export const USER_CONSENT_CALLBACK = '/microsoft/connect/callback';

export interface UserConsentDeps {
  db: Knex;
  keyring: Keyring;
  app: MicrosoftApp;
  publicUrl: string;
  signIn: SignInOptions;
  idTokens: IdTokenVerifier;
  /** Called once a link is connected: subscribe its mailbox and sync it. */
  connected?: (tenantId: string, linkId: string) => Promise<void>;
}

const registration = (app: MicrosoftApp) => ({ tenantId: 'organizations', clientId: app.clientId, clientSecret: app.clientSecret });

async function delegatedLink(db: Knex, tenantId: string, linkId: string) {
  const link = await db('links')
    .join('profiles', 'profiles.id', 'links.profile_id')
    .where({ 'links.tenant_id': tenantId, 'links.id': linkId, 'profiles.calendar_system': 'graph' })
    .first('links.mailbox', 'links.profile_id', 'links.associate_id', 'profiles.connection');
  if (!link) throw new ConsentError('unknown_link', 'There is no Microsoft 365 link with this id for this installation.');
  if ((link.connection as GraphConnection).mode !== 'delegated') {
    throw new ConsentError('not_delegated', 'This Microsoft 365 profile uses your organisation\'s consent; there is nothing for you to connect.');
  }
  return link as { mailbox: string; profile_id: string; associate_id: number; connection: GraphConnection };
}


/** The Microsoft sign-in URL for this link's user (open it in a popup: Microsoft's pages cannot be framed). */
export async function beginUserConsent(deps: UserConsentDeps, by: StartedBy, linkId: string): Promise<string> {
  const link = await delegatedLink(deps.db, by.tenantId, linkId);
  const state = randomBytes(24).toString('base64url');
  const nonce = randomBytes(24).toString('base64url');
  const codeVerifier = randomBytes(32).toString('base64url');
  const start = { ...by, linkId };
  await savePendingLogin(deps.db, deps.keyring, { state, purpose: 'graph_connect', contextIdentifier: JSON.stringify(start), nonce, codeVerifier });
  return authorizationUrl(registration(deps.app), deps.signIn, {
    redirectUri: `${deps.publicUrl}${USER_CONSENT_CALLBACK}`,
    state,
    nonce,
    loginHint: link.mailbox,
    codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'),
  });
}


/** Microsoft's redirect after the user's sign-in: verifies who signed in and returns the one-time code the panel claims. */
export async function completeUserConsent(
  deps: UserConsentDeps,
  input: { state?: string; code?: string; error?: string },
): Promise<{ code: string; account: string }> {
  const pending = input.state ? await takePendingLogin(deps.db, deps.keyring, input.state, 'graph_connect') : undefined;
  const start = startedFrom(pending?.contextIdentifier ?? null, 'linkId');
  if (!pending || !start) throw new ConsentError('unknown_state', 'This sign-in has expired or was already used. Start it again from your panel.');
  if (input.error) throw new ConsentError(input.error.slice(0, 64), refusalInWords(input.error));
  if (!input.code) throw new ConsentError('no_code', 'Microsoft sent no authorization code.');
  const link = await delegatedLink(deps.db, start.tenantId, start.linkId);
  let refreshToken = '';
  const who = await proveSignIn(
    deps.idTokens,
    async () => {
      const redeemed = await redeemAuthorizationCode(registration(deps.app), deps.signIn, {
        code: input.code!,
        redirectUri: `${deps.publicUrl}${USER_CONSENT_CALLBACK}`,
        codeVerifier: pending.codeVerifier,
        nonce: pending.nonce,
      });
      refreshToken = redeemed.refreshToken;
      return redeemed.idToken;
    },
    { ...(link.connection.entraTenantId ? { tenantId: link.connection.entraTenantId } : {}), nonce: pending.nonce },
  );
  const mailbox = link.mailbox.toLowerCase();
  if (who.username !== mailbox && who.email !== mailbox) {
    throw new ConsentError('wrong_account', `You signed in as ${who.username || 'another account'}, but this link is for ${link.mailbox}. Sign in with that account.`);
  }
  const code = await createConsentClaim(deps.db, deps.keyring, {
    kind: 'graph_user',
    subjectId: start.linkId,
    startedBy: start,
    entraTenantId: who.tenantId,
    account: who.username,
    refreshToken,
  });
  return { code, account: who.username };
}

/** The user's panel session claims the verified sign-in: the token is stored and the link connected. */
export async function claimUserConsent(deps: UserConsentDeps, by: StartedBy, code: string): Promise<{ linkId: string; account: string }> {
  const gone = new ConsentError('unknown_claim', 'This sign-in took too long, was already used, or was started from another panel. Connect again from your panel.');
  const claim = await takeConsentClaim(deps.db, deps.keyring, code, by);
  if (claim?.kind !== 'graph_user' || !claim.refreshToken) throw gone;
  const { tenantId } = by;
  const linkId = claim.subjectId;
  const link = await delegatedLink(deps.db, tenantId, linkId);
  // The profile may have learnt its organisation from another user since this sign-in began.
  if (link.connection.entraTenantId && link.connection.entraTenantId.toLowerCase() !== claim.entraTenantId) {
    throw new ConsentError('wrong_organisation', 'You signed in to another Microsoft 365 organisation than this profile uses. Sign in with your work account.');
  }
  await credentialRefreshTokens(deps.db, deps.keyring, { tenantId, ownerType: 'link', ownerId: linkId, kind: GRAPH_REFRESH_TOKEN }).save(claim.refreshToken);
  await deps.db.transaction(async (trx) => {
    // The profile learns the organisation from its first user's verified sign-in.
    if (!link.connection.entraTenantId) {
      await trx('profiles').where({ tenant_id: tenantId, id: link.profile_id }).update({ connection: JSON.stringify({ ...link.connection, entraTenantId: claim.entraTenantId }) });
    }
    await trx('links').where({ tenant_id: tenantId, id: linkId }).update({ state: 'active', last_error: null, updated_at: trx.fn.now() });
    await trx('audit_log').insert({ tenant_id: tenantId, link_id: linkId, actor: `user:${claim.account}`, action: 'graph_user_consent', reason: 'calendar connected' });
  });
  await deps.connected?.(tenantId, linkId);
  return { linkId, account: claim.account };
}
