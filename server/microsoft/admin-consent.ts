// A profile's tenant-wide Microsoft 365 consent: an administrator of the customer's Entra tenant
// grants our multi-tenant app the application permissions (read and write all calendars, read
// users' basic profiles) on Microsoft's admin-consent page; the callback names their tenant, which
// the profile keeps, and the connection is checked at once by reading that tenant's directory.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { savePendingLogin, takePendingLogin } from '../db/pending-logins.ts';
import { adminConsentUrl } from '../providers/graph/auth.ts';
import type { Keyring } from '../security/secrets.ts';

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
  /** The customer's Entra tenant (GUID), from the admin-consent callback. */
  entraTenantId?: string;
  consentedAt?: string;
  verifiedAt?: string;
  /** Why the last check failed, in words; cleared when a check passes. */
  problem?: string;
  directoryUsers?: number;
}

export class ConsentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConsentError';
  }
}

export const ADMIN_CONSENT_CALLBACK = '/microsoft/admin-consent/callback';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ConsentDeps {
  db: Knex;
  keyring: Keyring;
  app: MicrosoftApp;
  publicUrl: string;
  /** Reads the tenant's directory with the new consent; throws with the reason when it cannot. */
  verify: (entraTenantId: string) => Promise<{ users: number }>;
}

/** The URL of Microsoft's admin-consent page for this profile (open it in a popup or a tab). */
export async function beginAdminConsent(deps: Omit<ConsentDeps, 'verify'>, tenantId: string, profileId: string): Promise<string> {
  const profile = await deps.db('profiles').where({ tenant_id: tenantId, id: profileId, calendar_system: 'graph' }).first('id');
  if (!profile) throw new ConsentError('unknown_profile', 'There is no Microsoft 365 profile with this id for this installation.');
  const state = randomBytes(24).toString('base64url');
  // No PKCE for admin consent (no code comes back); the state alone ties the callback to this profile.
  await savePendingLogin(deps.db, deps.keyring, { state, purpose: 'graph_admin_consent', contextIdentifier: `${tenantId}:${profileId}`, nonce: '-', codeVerifier: '-' });
  // `organizations`: the administrator's own tenant is only known when they come back.
  return adminConsentUrl({ tenantId: 'organizations', clientId: deps.app.clientId, redirectUri: `${deps.publicUrl}${ADMIN_CONSENT_CALLBACK}`, state, authorityBase: deps.app.loginUrl });
}

export interface ConsentResult {
  tenantId: string;
  profileId: string;
  entraTenantId: string;
  users: number;
}

export async function completeAdminConsent(
  deps: ConsentDeps,
  input: { state?: string; adminConsent?: string; tenant?: string; error?: string; errorDescription?: string },
): Promise<ConsentResult> {
  const pending = input.state ? await takePendingLogin(deps.db, deps.keyring, input.state, 'graph_admin_consent') : undefined;
  if (!pending?.contextIdentifier) throw new ConsentError('unknown_state', 'This consent has expired or was already used. Start it again from the administrator panel.');
  const [tenantId, profileId] = pending.contextIdentifier.split(':') as [string, string];
  if (input.error) {
    throw new ConsentError(input.error, `Microsoft did not grant consent: ${input.errorDescription || input.error}.`);
  }
  if (input.adminConsent?.toLowerCase() !== 'true' || !input.tenant || !GUID.test(input.tenant)) {
    throw new ConsentError('no_consent', 'Microsoft did not confirm the consent or name the organisation; try again as a Global or Privileged Role Administrator.');
  }
  const entraTenantId = input.tenant.toLowerCase();
  const consentedAt = new Date().toISOString();
  await saveConnection(deps.db, tenantId, profileId, { mode: 'application', entraTenantId, consentedAt });
  let users: number;
  try {
    ({ users } = await deps.verify(entraTenantId));
  } catch (err) {
    const problem = `Consent was recorded, but reading the organisation's directory failed: ${err instanceof Error ? err.message : String(err)}`;
    await saveConnection(deps.db, tenantId, profileId, { mode: 'application', entraTenantId, consentedAt, problem });
    throw new ConsentError('verify_failed', problem);
  }
  await saveConnection(deps.db, tenantId, profileId, { mode: 'application', entraTenantId, consentedAt, verifiedAt: new Date().toISOString(), directoryUsers: users });
  // Links that stopped because consent was withdrawn can go on now: the consent was theirs too.
  await deps.db('links').where({ tenant_id: tenantId, profile_id: profileId, state: 'needs_reconnect' }).update({ state: 'active', last_error: null, updated_at: deps.db.fn.now() });
  await deps.db('audit_log').insert({ tenant_id: tenantId, actor: 'admin:microsoft-consent', action: 'graph_admin_consent', reason: `Entra tenant ${entraTenantId}, ${users} directory users` });
  return { tenantId, profileId, entraTenantId, users };
}

async function saveConnection(db: Knex, tenantId: string, profileId: string, c: GraphConnection): Promise<void> {
  await db('profiles').where({ tenant_id: tenantId, id: profileId }).update({ connection: JSON.stringify(c), updated_at: db.fn.now() });
}
