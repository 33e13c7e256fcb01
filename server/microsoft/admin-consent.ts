// A profile's tenant-wide Microsoft 365 consent, in three steps, so that the organisation is proven
// and never taken from a URL:
//  1. beginAdminConsent: the panel session's administrator opens Microsoft's admin-consent page.
//  2. afterAdminConsent: Microsoft comes back naming an organisation (`tenant`); anyone can forge
//     that redirect, so nothing is saved or read yet: the popup goes on to an OpenID Connect sign-in
//     (PKCE, nonce) at that organisation.
//  3. completeAdminProof: the id_token is verified (Entra's keys, issuer, audience, expiry, nonce);
//     its `tid` must be the organisation and its directory roles those of an administrator who can
//     grant the consent. The verified result waits for the panel session that started step 1
//     (consent-claims.ts), and claimAdminConsent binds it: the profile keeps the organisation, the
//     consent is checked by reading the directory. An organisation another SuperOffice installation
//     already uses is bound only after the administrator confirms (the other is never named).
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { savePendingLogin, takePendingLogin } from '../db/pending-logins.ts';
import { adminConsentUrl, redeemSignIn, signInUrl, type SignInOptions } from '../providers/graph/auth.ts';
import { CONSENT_ADMIN_ROLES, type IdTokenVerifier } from '../providers/graph/id-token.ts';
import type { Keyring } from '../security/secrets.ts';
import { ConsentError, refusalInWords } from './consent-error.ts';
import { proveSignIn } from './sign-in-proof.ts';
import { createConsentClaim, peekConsentClaim, takeConsentClaim, startedFrom, type StartedBy } from './consent-claims.ts';

export interface MicrosoftApp {
  clientId: string;
  clientSecret: string;
  /** Entra ID host, e.g. https://login.microsoftonline.com (no tenant, no trailing slash). */
  loginUrl: string;
  /** Graph base ending in /v1.0. */
  graphUrl: string;
}

/** What a Microsoft 365 profile keeps in `profiles.connection` (nothing secret). */
export interface GraphConnection {
  mode: 'application' | 'delegated';
  /** The customer's Entra tenant (GUID), from a verified id_token of one of its administrators (or, per user, its users). */
  entraTenantId?: string;
  consentedAt?: string;
  verifiedAt?: string;
  /** Why the last check failed, in words; cleared when a check passes. */
  problem?: string;
  directoryUsers?: number;
}


export const ADMIN_CONSENT_CALLBACK = '/microsoft/admin-consent/callback';
export const ADMIN_PROOF_CALLBACK = '/microsoft/admin-consent/verify';
/** What the proving sign-in asks for: who the person is, nothing more (msal adds offline_access when redeeming; the refresh token is dropped). */
const SIGN_IN_SCOPES = ['openid', 'profile'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ConsentDeps {
  db: Knex;
  keyring: Keyring;
  app: MicrosoftApp;
  publicUrl: string;
  /** msal's network (proxy, trusted CA) and the login host. */
  signIn: SignInOptions;
  idTokens: IdTokenVerifier;
  /** Reads the tenant's directory with the new consent; throws with the reason when it cannot. */
  verify: (entraTenantId: string) => Promise<{ users: number }>;
}


const registration = (app: MicrosoftApp, entraTenantId: string) => ({ tenantId: entraTenantId, clientId: app.clientId, clientSecret: app.clientSecret });



/** The URL of Microsoft's admin-consent page for this profile (open it in a popup or a tab). */
export async function beginAdminConsent(deps: Pick<ConsentDeps, 'db' | 'keyring' | 'app' | 'publicUrl'>, by: StartedBy, profileId: string): Promise<string> {
  const profile = await deps.db('profiles').where({ tenant_id: by.tenantId, id: profileId, calendar_system: 'graph' }).first('id');
  if (!profile) throw new ConsentError('unknown_profile', 'There is no Microsoft 365 profile with this id for this installation.');
  const state = randomBytes(24).toString('base64url');
  const start = { ...by, profileId };
  // No PKCE for admin consent (no code comes back); the state ties the redirect to this profile and session.
  await savePendingLogin(deps.db, deps.keyring, { state, purpose: 'graph_admin_consent', contextIdentifier: JSON.stringify(start), nonce: '-', codeVerifier: '-' });
  // `organizations`: the administrator's own tenant is only known when they come back.
  return adminConsentUrl({ tenantId: 'organizations', clientId: deps.app.clientId, redirectUri: `${deps.publicUrl}${ADMIN_CONSENT_CALLBACK}`, state, authorityBase: deps.app.loginUrl });
}

/**
 * Step 2: Microsoft's redirect after its consent page. Returns where the popup goes next: a sign-in
 * at the organisation the redirect named. Saves nothing about it and calls nobody, so a forged
 * redirect learns nothing (not even whether that organisation uses the app).
 */
export async function afterAdminConsent(
  deps: Pick<ConsentDeps, 'db' | 'keyring' | 'app' | 'publicUrl'>,
  input: { state?: string; adminConsent?: string; tenant?: string; error?: string },
): Promise<string> {
  const pending = input.state ? await takePendingLogin(deps.db, deps.keyring, input.state, 'graph_admin_consent') : undefined;
  const start = startedFrom(pending?.contextIdentifier ?? null, 'profileId');
  if (!start) throw new ConsentError('unknown_state', 'This consent has expired or was already used. Start it again from the administrator panel.');
  if (input.error) throw new ConsentError(input.error.slice(0, 64), refusalInWords(input.error));
  if (input.adminConsent?.toLowerCase() !== 'true' || !input.tenant || !GUID.test(input.tenant)) {
    throw new ConsentError('no_consent', 'Microsoft did not confirm the consent or name the organisation; try again as a Global or Privileged Role Administrator.');
  }
  const entraTenantId = input.tenant.toLowerCase();
  const state = randomBytes(24).toString('base64url');
  const nonce = randomBytes(24).toString('base64url');
  const codeVerifier = randomBytes(32).toString('base64url');
  await savePendingLogin(deps.db, deps.keyring, { state, purpose: 'graph_admin_proof', contextIdentifier: JSON.stringify({ ...start, entraTenantId }), nonce, codeVerifier });
  return signInUrl({
    tenantId: entraTenantId,
    clientId: deps.app.clientId,
    authorityBase: deps.app.loginUrl,
    redirectUri: `${deps.publicUrl}${ADMIN_PROOF_CALLBACK}`,
    state,
    nonce,
    codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    scopes: SIGN_IN_SCOPES,
  });
}

/** Step 3: the proving sign-in came back. Verifies it and returns the one-time code the panel claims. */
export async function completeAdminProof(
  deps: Pick<ConsentDeps, 'db' | 'keyring' | 'app' | 'publicUrl' | 'signIn' | 'idTokens'>,
  input: { state?: string; code?: string; error?: string },
): Promise<{ code: string; account: string }> {
  const pending = input.state ? await takePendingLogin(deps.db, deps.keyring, input.state, 'graph_admin_proof') : undefined;
  const start = startedFrom(pending?.contextIdentifier ?? null, 'profileId');
  if (!pending || !start?.entraTenantId) throw new ConsentError('unknown_state', 'This sign-in has expired or was already used. Start the consent again from the administrator panel.');
  if (input.error) throw new ConsentError(input.error.slice(0, 64), refusalInWords(input.error));
  if (!input.code) throw new ConsentError('no_code', 'Microsoft sent no authorization code.');
  const who = await proveSignIn(
    deps.idTokens,
    () =>
      redeemSignIn(registration(deps.app, start.entraTenantId!), deps.signIn, {
        code: input.code!,
        redirectUri: `${deps.publicUrl}${ADMIN_PROOF_CALLBACK}`,
        codeVerifier: pending.codeVerifier,
        nonce: pending.nonce,
        scopes: SIGN_IN_SCOPES,
      }),
    { tenantId: start.entraTenantId, nonce: pending.nonce },
  );
  if (who.directoryRoles === null) {
    throw new ConsentError('roles_unknown', "Microsoft's sign-in did not say whether you are an administrator of the organisation, so the consent cannot be tied to it. The app registration must emit directory roles (groupMembershipClaims: DirectoryRole).");
  }
  if (!who.directoryRoles.some((r) => CONSENT_ADMIN_ROLES.has(r))) {
    throw new ConsentError('not_administrator', `You signed in as ${who.username || 'an account'} that is not a Global Administrator or Privileged Role Administrator of the organisation. Sign in as one to connect it.`);
  }
  const code = await createConsentClaim(deps.db, deps.keyring, {
    kind: 'graph_admin',
    subjectId: start.profileId,
    startedBy: start,
    entraTenantId: who.tenantId,
    account: who.username,
  });
  return { code, account: who.username };
}

export type ClaimResult =
  | { status: 'connected'; profileId: string; entraTenantId: string; users: number }
  | { status: 'needs_confirmation'; message: string };

export const ALREADY_CONNECTED_ELSEWHERE =
  'This Microsoft 365 organisation is already connected to another SuperOffice installation. Connect it to this one as well? Both will be able to link its mailboxes.';

/** Whether a profile of another SuperOffice installation has this organisation. */
async function usedElsewhere(db: Knex, tenantId: string, entraTenantId: string): Promise<boolean> {
  const row = await db('profiles')
    .where({ calendar_system: 'graph' })
    .whereNot({ tenant_id: tenantId })
    .whereRaw("lower(connection->>'entraTenantId') = ?", [entraTenantId])
    .first('id');
  return row !== undefined;
}

/** The panel session that started the consent claims its verified result and binds it to the profile. */
export async function claimAdminConsent(deps: Pick<ConsentDeps, 'db' | 'keyring' | 'verify'>, by: StartedBy, code: string, confirmed: boolean): Promise<ClaimResult> {
  const gone = new ConsentError('unknown_claim', 'This consent took too long, was already used, or was started from another sign-in. Grant consent again from this panel.');
  const seen = await peekConsentClaim(deps.db, deps.keyring, code, by);
  if (seen?.kind !== 'graph_admin') throw gone;
  if (!confirmed && (await usedElsewhere(deps.db, by.tenantId, seen.entraTenantId))) return { status: 'needs_confirmation', message: ALREADY_CONNECTED_ELSEWHERE };
  const claim = await takeConsentClaim(deps.db, deps.keyring, code, by);
  if (!claim) throw gone;
  const profileId = claim.subjectId;
  const { entraTenantId } = claim;
  const profile = await deps.db('profiles').where({ tenant_id: by.tenantId, id: profileId, calendar_system: 'graph' }).first('id');
  if (!profile) throw new ConsentError('unknown_profile', 'The profile this consent was for no longer exists.');
  const consentedAt = new Date().toISOString();
  await saveConnection(deps.db, by.tenantId, profileId, { mode: 'application', entraTenantId, consentedAt });
  let users: number;
  try {
    ({ users } = await deps.verify(entraTenantId));
  } catch (err) {
    const problem = `Consent was recorded, but reading the organisation's directory failed: ${err instanceof Error ? err.message : String(err)}`;
    await saveConnection(deps.db, by.tenantId, profileId, { mode: 'application', entraTenantId, consentedAt, problem });
    throw new ConsentError('verify_failed', problem);
  }
  await saveConnection(deps.db, by.tenantId, profileId, { mode: 'application', entraTenantId, consentedAt, verifiedAt: new Date().toISOString(), directoryUsers: users });
  // Links that stopped because consent was withdrawn can go on now: the consent was theirs too.
  await deps.db('links').where({ tenant_id: by.tenantId, profile_id: profileId, state: 'needs_reconnect' }).update({ state: 'active', last_error: null, updated_at: deps.db.fn.now() });
  await deps.db('audit_log').insert({
    tenant_id: by.tenantId,
    actor: `admin:${by.associateId}`,
    action: 'graph_admin_consent',
    reason: `Entra tenant ${entraTenantId} proven by ${claim.account}${confirmed ? ' (also connected to another installation, confirmed)' : ''}, ${users} directory users`,
  });
  return { status: 'connected', profileId, entraTenantId, users };
}

async function saveConnection(db: Knex, tenantId: string, profileId: string, c: GraphConnection): Promise<void> {
  await db('profiles').where({ tenant_id: tenantId, id: profileId }).update({ connection: JSON.stringify(c), updated_at: db.fn.now() });
}
