// The sandbox's Microsoft 365 tenant: "Demo Company" (a fixed tenant id, domain demo-company.example)
// with the people of sandbox/demo.ts under the same e-mail addresses. Ada and Daniel have Exchange
// Online mailboxes; Bjørn (Google in the demo) and Carla (Exchange Server on-premises) have none, so
// their calendars answer MailboxNotEnabledForRESTAPI as a hybrid tenant's would. `extraUsers` adds
// benchmark users with mailboxes. Our connector is registered as a multi-tenant app with a generated
// client id and secret.
//
// With a dataDir, the app's credentials, the signing key, the consents and the refresh tokens are
// kept in <dataDir>/microsoft-sim.json (mode 0600), so the app's stored grants survive a restart.
// Calendars are not kept: a restart starts them empty (delta tokens then answer as expired).
import { readPersisted, writePersisted } from '../persisted.ts';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { demoTenant } from '../demo.ts';
import { Directory, type RefreshToken } from './directory.ts';
import { signingKeyFromPem } from './jwt.ts';

export const DEMO_TENANT_ID = '6f1c2a4e-8b3d-4e5f-9a7b-2c4d6e8f0a1b';
export const DEMO_DOMAIN = 'demo-company.example';
export const APP_DISPLAY_NAME = 'Calendar Sync for SuperOffice';

/** Fixed object ids, so tests and the demo can name people without a lookup. */
const USER_IDS: Record<string, string> = {
  'ada.lindqvist@demo-company.example': '0a5d1e2f-3b4c-4d5e-8f60-7a8b9c0d1e21',
  'bjorn.haugen@demo-company.example': '0a5d1e2f-3b4c-4d5e-8f60-7a8b9c0d1e22',
  'carla.mendes@demo-company.example': '0a5d1e2f-3b4c-4d5e-8f60-7a8b9c0d1e23',
  'daniel.okafor@demo-company.example': '0a5d1e2f-3b4c-4d5e-8f60-7a8b9c0d1e24',
};
/** Who has an Exchange Online mailbox. Daniel is not linked in the demo yet, but his mailbox is there. */
const ONLINE_MAILBOXES = new Set(['ada.lindqvist@demo-company.example', 'daniel.okafor@demo-company.example']);

interface Persisted {
  clientId: string;
  clientSecret: string;
  servicePrincipalId: string;
  signingKeyPem: string;
  adminConsent: { grantedAt: number; grantedBy: string } | null;
  userConsents: Array<[string, string[]]>;
  refreshTokens: Array<[string, RefreshToken]>;
}

export interface SeedOptions {
  dataDir?: string;
  extraUsers?: number;
  redirectUris?: string[];
}

function readState(file: string): Persisted | null {
  return readPersisted<Persisted>(file, (p) => {
    signingKeyFromPem(p.signingKeyPem);
    return typeof p.clientId === 'string' && typeof p.clientSecret === 'string' && Array.isArray(p.userConsents) && Array.isArray(p.refreshTokens);
  });
}

/** Bulk user n (1-based): a GUID-shaped id anyone can compute from n. */
export function bulkUserId(n: number): string {
  return `b0000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export function bulkUserUpn(n: number): string {
  return `bench.user${String(n).padStart(5, '0')}@${DEMO_DOMAIN}`;
}

export function seedMicrosoft(opts: SeedOptions): Directory {
  const file = opts.dataDir ? join(opts.dataDir, 'microsoft-sim.json') : null;
  const saved = file ? readState(file) : null;
  const signingKeyPem =
    saved?.signingKeyPem ??
    generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
      .privateKey;
  const dir = new Directory(
    DEMO_TENANT_ID,
    DEMO_DOMAIN,
    'Demo Company',
    {
      clientId: saved?.clientId ?? randomUUID(),
      // Entra client secrets are 40 characters with a `~` in them; the shape does not matter here.
      clientSecret: saved?.clientSecret ?? `sim~${randomBytes(27).toString('base64url')}`,
      displayName: APP_DISPLAY_NAME,
      servicePrincipalId: saved?.servicePrincipalId ?? randomUUID(),
      redirectUris: opts.redirectUris ?? null,
    },
    signingKeyFromPem(signingKeyPem),
  );

  for (const u of demoTenant().users) {
    const upn = u.email.toLowerCase();
    dir.addUser({
      id: USER_IDS[upn] ?? randomUUID(),
      userPrincipalName: upn,
      mail: upn,
      displayName: `${u.firstName} ${u.lastName}`,
      givenName: u.firstName,
      surname: u.lastName,
      hasMailbox: ONLINE_MAILBOXES.has(upn),
      isAdmin: u.isAdministrator,
      preferredLanguage: u.culture,
      bulk: false,
    });
  }
  const extra = Math.max(0, Math.floor(opts.extraUsers ?? 0));
  for (let n = 1; n <= extra; n++) {
    const upn = bulkUserUpn(n);
    const num = String(n).padStart(5, '0');
    dir.addUser({
      id: bulkUserId(n), userPrincipalName: upn, mail: upn, displayName: `Bench User ${num}`, givenName: 'Bench',
      surname: `User ${num}`, hasMailbox: true, isAdmin: false, preferredLanguage: null, bulk: true,
    });
  }

  if (saved) {
    dir.adminConsent = saved.adminConsent;
    for (const [userId, scopes] of saved.userConsents) dir.userConsents.set(userId, new Set(scopes));
    for (const [token, rt] of saved.refreshTokens) dir.addRefreshToken(token, rt);
  }
  if (file) {
    const save = () =>
      writePersisted(file, {
        clientId: dir.app.clientId,
        clientSecret: dir.app.clientSecret,
        servicePrincipalId: dir.app.servicePrincipalId,
        signingKeyPem,
        adminConsent: dir.adminConsent,
        userConsents: [...dir.userConsents].map(([u, s]) => [u, [...s]]),
        refreshTokens: [...dir.refreshTokens],
      });
    save();
    dir.onChange(save);
  }
  return dir;
}
