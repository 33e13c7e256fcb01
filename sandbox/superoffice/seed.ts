// The sandbox's SuperOffice world: the demo tenant Cust12345 "Demo Company" with the users of
// sandbox/demo.ts (same associate ids, e-mail addresses and mailboxes, so the shell keeps showing
// the same people), a few customer companies with contact persons for linking participants, and the
// app "Calendar Sync for SuperOffice" registered as server-to-server with a generated client id,
// secret and RSA key pair. The private key is the partner's half: the sandbox hands it to the app.
//
// With a dataDir, the app's credentials, the tenants' consents and the tenants' serials are kept in
// <dataDir>/superoffice-sim.json (mode 0600): the app's database outlives a restart, and an
// installation it holds should not turn into a revoked one, or meet tickets for another serial,
// just because the simulator restarted (a real tenant keeps its serial for life).
import { readPersisted, writePersisted } from '../persisted.ts';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { demoTenant } from '../demo.ts';
import type { RegisteredApp, SuperOfficeStore, Tenant } from './store.ts';

export const DEMO_CTX = 'Cust12345';
export const APP_NAME = 'Calendar Sync for SuperOffice';

export interface SeedOptions {
  /** The app's sign-in callback URL(s), matched exactly. */
  redirectUris: string[];
  /** The app's "Customer state change" endpoint. */
  stateChangeUrl: string | null;
  dataDir?: string;
}

export interface SuperOfficeSeed {
  app: RegisteredApp;
  tenant: Tenant;
  /** PKCS#8 PEM of the app's system-user signing key. */
  privateKeyPem: string;
  /** The same key in the developer portal's RSA XML format. */
  privateKeyXml: string;
}

interface Persisted {
  clientId: string;
  clientSecret: string;
  privateKeyPem: string;
  consents: Array<{ ctx: string; systemToken: string; grantedBy: number }>;
  /** Absent in files of earlier versions. */
  tenants?: Array<{ ctx: string; serial: string }>;
}

const CUSTOMERS: Array<[company: string, domain: string, first: string, last: string]> = [
  ['Nordic Tools AS', 'nordic-tools.example', 'Kari', 'Berg'],
  ['Fjellet Bygg AS', 'fjellet-bygg.example', 'Ola', 'Fjell'],
  ['Lund & Co', 'lundco.example', 'Eva', 'Lund'],
  ['Vest Energi', 'vestenergi.example', 'Per', 'Vik'],
  ['Atlas Freight Ltd', 'atlasfreight.example', 'James', 'Hart'],
  ['Brightside Health', 'brightside.example', 'Priya', 'Shah'],
  ['Nilsen Consulting', 'nilsen-consulting.example', 'Kari', 'Nilsen'],
  ['Oslo Kommune', 'oslo-kommune.example', 'Lars', 'Moe'],
];

function rsaXml(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const part = (xml: string, v: string | undefined) => `<${xml}>${Buffer.from(v ?? '', 'base64url').toString('base64')}</${xml}>`;
  return (
    '<RSAKeyValue>' +
    part('Modulus', jwk.n) + part('Exponent', jwk.e) + part('P', jwk.p) + part('Q', jwk.q) +
    part('DP', jwk.dp) + part('DQ', jwk.dq) + part('InverseQ', jwk.qi) + part('D', jwk.d) +
    '</RSAKeyValue>'
  );
}

function readState(file: string): Persisted | null {
  return readPersisted<Persisted>(file, (p) => {
    createPrivateKey(p.privateKeyPem);
    return typeof p.clientId === 'string' && typeof p.clientSecret === 'string' && Array.isArray(p.consents);
  });
}

export function seedSuperOffice(store: SuperOfficeStore, opts: SeedOptions): SuperOfficeSeed {
  const file = opts.dataDir ? join(opts.dataDir, 'superoffice-sim.json') : null;
  const saved = file ? readState(file) : null;
  const privateKeyPem =
    saved?.privateKeyPem ??
    generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
      .privateKey;
  const privateKey = createPrivateKey(privateKeyPem);

  const app = store.registerApp({
    ...(saved ? { clientId: saved.clientId, clientSecret: saved.clientSecret } : {}),
    name: APP_NAME,
    publicKey: createPublicKey(privateKey),
    redirectUris: opts.redirectUris,
    serverToServer: true,
    stateChangeUrl: opts.stateChangeUrl,
  });

  if (saved?.tenants) store.rememberSerials(saved.tenants.filter((t) => typeof t.ctx === 'string' && typeof t.serial === 'string'));
  const demo = demoTenant();
  const tenant = store.createTenant({ contextIdentifier: DEMO_CTX, companyName: demo.companyName });
  tenant.companies.get(tenant.ownerContactId)!.emails.push('post@demo-company.example');
  for (const u of demo.users) {
    store.addAssociate(tenant, {
      associateId: u.associateId,
      firstName: u.firstName,
      lastName: u.lastName,
      email: u.email,
      isAdministrator: u.isAdministrator,
      calendarSystem: u.calendarSystem,
      mailbox: u.mailbox,
      language: u.language,
    });
  }
  for (const [company, domain, first, last] of CUSTOMERS) {
    const c = store.addCompany(tenant, { name: company, emails: [`post@${domain}`] });
    store.addPerson(tenant, { firstName: first, lastName: last, emails: [`${first}.${last}@${domain}`.toLowerCase()], contactId: c.contactId });
  }

  if (file) {
    for (const c of saved?.consents ?? []) {
      const t = store.tenant(c.ctx);
      if (t) store.grantConsent(app, t, c.grantedBy, c.systemToken);
    }
    const save = () =>
      writePersisted(file, {
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        privateKeyPem,
        consents: [...store.consents.values()]
          .filter((c) => c.clientId === app.clientId)
          .map((c) => ({ ctx: c.ctx, systemToken: c.systemToken, grantedBy: c.grantedBy })),
        tenants: store.tenants().map((t) => ({ ctx: t.contextIdentifier, serial: t.serial })),
      });
    save();
    store.onConsentsChanged(save);
    store.onTenantsChanged(save);
  }

  return { app, tenant, privateKeyPem, privateKeyXml: rsaXml(privateKey) };
}
