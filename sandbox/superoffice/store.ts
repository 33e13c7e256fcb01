// The SuperOffice simulator's shared state, in memory: the environment, the apps registered in the
// developer portal, the tenants with their users, persons and companies, and every credential the
// identity host hands out (consents, authorization codes, access and refresh tokens, system tokens
// and tickets). The identity routes, the tenant-API authentication and the tenant API itself all
// read and change this one object; nothing here speaks HTTP.
//
// Hosts are modelled as path prefixes on the simulator's one origin (see identity/router.ts): the
// environment root `https://sod.superoffice.com` is the simulator's base URL, and a tenant's numbered
// API host `https://sod2.superoffice.com/Cust12345/api/` is `<base>/sod2/Cust12345/api/`.
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { ArchiveDateMode } from './api/archive-restrictions.ts';

export type SoEnvironment = 'sod' | 'stage' | 'online';

/** Tenant states with their numeric values, as the tenant-status service names them (spec §1.4). */
export const TENANT_STATES = {
  Unknown: 0,
  Provisioning: 1,
  Running: 2,
  Deleted: 3,
  Suspended: 4,
  OnlineMaintenance: 5,
  OfflineMaintenance: 6,
  ProvisioningFailed: 8,
  Deleting: 10,
  DeleteFailed: 11,
  MigrationPending: 12,
} as const;
export type TenantState = keyof typeof TENANT_STATES;

/** The API answers in these states only (OnlineMaintenance keeps the API up). */
export function isRunning(state: TenantState): boolean {
  return state === 'Running' || state === 'OnlineMaintenance';
}

export interface RegisteredApp {
  clientId: string;
  /** Also the "application token": OIDC client_secret, ApplicationToken and SO-AppToken. */
  clientSecret: string;
  name: string;
  /** The public half of the certificate registered for system-user signatures. */
  publicKey: KeyObject;
  /** Exact-match list, as the portal's "Allowed redirect URLs". */
  redirectUris: string[];
  /** "Server to server" ticked: consenting administrators get a `system_token`. */
  serverToServer: boolean;
  /** The "Customer state change" endpoint, or null when none is configured. */
  stateChangeUrl: string | null;
}

export interface Associate {
  associateId: number;
  /** Logon name, e.g. "ADA". */
  name: string;
  firstName: string;
  lastName: string;
  email: string;
  isAdministrator: boolean;
  personId: number;
  userType: 'InternalAssociate' | 'SystemAssociate';
  /** Sandbox annotation, not SuperOffice data: where this user's work calendar lives. */
  calendarSystem: 'graph' | 'google' | 'ews' | null;
  mailbox: string | null;
  language: string;
}

export interface Company {
  contactId: number;
  name: string;
  emails: string[];
}

export interface Person {
  personId: number;
  contactId: number;
  firstName: string;
  lastName: string;
  emails: string[];
}

export interface Tenant {
  contextIdentifier: string;
  companyName: string;
  state: TenantState;
  /** The `serial` claim; system-user JWTs are issued for `spn:<serial>`. */
  serial: string;
  /** The numbered API host is `<env prefix><hostNumber>`, e.g. sod2. */
  hostNumber: number;
  versionName: string;
  fileVersion: string;
  /** The owner company (contact) the users work for. */
  ownerContactId: number;
  /** The one system associate that system-user tickets act as. */
  systemAssociateId: number;
  associates: Map<number, Associate>;
  persons: Map<number, Person>;
  companies: Map<number, Company>;
  /** Each table has its own id sequence, as in SuperOffice's database. */
  nextId: { contact: number; person: number; associate: number };
}

export interface Consent {
  id: string;
  clientId: string;
  ctx: string;
  /** `<app name>-<random>`; constant until the consent is revoked. */
  systemToken: string;
  grantedBy: number;
  grantedAt: number;
}

export interface AuthorizationCode {
  code: string;
  clientId: string;
  redirectUri: string;
  ctx: string;
  associateId: number;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain';
  expiresAt: number;
  used: boolean;
}

export interface AccessToken {
  token: string;
  clientId: string;
  ctx: string;
  associateId: number;
  consentId: string;
  expiresAt: number;
}

export interface RefreshToken {
  token: string;
  clientId: string;
  ctx: string;
  associateId: number;
  consentId: string;
}

export interface Ticket {
  ticket: string;
  clientId: string;
  ctx: string;
  associateId: number;
  /** Sliding expiry: valid while now - lastUsedAt <= ticketLifetimeMs. */
  lastUsedAt: number;
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface SoSettings {
  /** Ticket sliding-expiry window; 6 hours in SuperOffice Online. */
  ticketLifetimeMs: number;
  /** How far a signed system token's yyyyMMddHHmm may be from the simulator's clock. */
  systemTokenMaxSkewMs: number;
  /** Moves the simulator's clock against the real one (tests, and clock-skew experiments). */
  clockOffsetMs: number;
  accessTokenLifetimeS: number;
  authorizationCodeTtlMs: number;
  /** A system-user ticket's header `kid`: the JWKS key's, none (no document promises one), or one the JWKS lacks. */
  ticketKid: TicketKid;
  /**
   * FindAppointment's `date`-typed columns: only the date part is used, as documented (default), or
   * `precise`, to the millisecond (how this simulator used to read them).
   */
  archiveDates: ArchiveDateMode;
}

export type TicketKid = 'listed' | 'none' | 'unlisted';

export interface SoStoreOptions {
  environment?: SoEnvironment;
  /** The simulator's origin (`https://localhost:PORT`); can also be set later with setBaseUrl. */
  baseUrl?: string;
  settings?: Partial<SoSettings>;
}

const ENV_PREFIX: Record<SoEnvironment, string> = { sod: 'sod', stage: 'qaonline', online: 'online' };

export class SuperOfficeStore {
  readonly environment: SoEnvironment;
  readonly settings: SoSettings;
  readonly signingKey: SigningKey;
  readonly apps = new Map<string, RegisteredApp>();
  private readonly tenantsByCtx = new Map<string, Tenant>();
  readonly consents = new Map<string, Consent>();
  readonly codes = new Map<string, AuthorizationCode>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly refreshTokens = new Map<string, RefreshToken>();
  readonly tickets = new Map<string, Ticket>();
  private origin: string | undefined;
  private readonly consentListeners: Array<() => void> = [];
  /** Per tenant, who is signed in to SuperOffice's web client (the sandbox shell's "Signed in as"). */
  private readonly webClientUsers = new Map<string, number>();
  /** Serials of tenants from an earlier run (seed.ts): a real tenant keeps its serial for life. */
  private readonly knownSerials = new Map<string, string>();
  private readonly tenantListeners: Array<() => void> = [];

  constructor(opts: SoStoreOptions = {}) {
    this.environment = opts.environment ?? 'sod';
    this.settings = {
      ticketLifetimeMs: 6 * 3600_000,
      systemTokenMaxSkewMs: 5 * 60_000,
      clockOffsetMs: 0,
      accessTokenLifetimeS: 3600,
      authorizationCodeTtlMs: 10 * 60_000,
      ticketKid: 'listed',
      archiveDates: 'date-only',
      ...opts.settings,
    };
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.signingKey = { kid: randomBytes(8).toString('hex'), privateKey, publicKey };
    if (opts.baseUrl) this.setBaseUrl(opts.baseUrl);
  }

  now(): number {
    return Date.now() + this.settings.clockOffsetMs;
  }

  setBaseUrl(url: string): void {
    this.origin = url.replace(/\/+$/, '');
  }

  /** The environment root (`https://sod.superoffice.com` in the real world): issuer and identity host. */
  get baseUrl(): string {
    if (!this.origin) throw new Error('SuperOffice simulator: call store.setBaseUrl(simulator.url) once it listens');
    return this.origin;
  }

  /** `sod`, `qaonline` or `online`: the un-numbered host, reserved for authentication. */
  get hostPrefix(): string {
    return ENV_PREFIX[this.environment];
  }

  hostAlias(tenant: Tenant): string {
    return `${this.hostPrefix}${tenant.hostNumber}`;
  }

  /** `https://localhost:PORT/sod2/Cust12345`: what the tenant-status `Endpoint` says. */
  endpoint(tenant: Tenant): string {
    return `${this.baseUrl}/${this.hostAlias(tenant)}/${tenant.contextIdentifier}`;
  }

  /** Ends in `/api/`, as the `webapi_url` claim does. */
  webApiUrl(tenant: Tenant): string {
    return `${this.endpoint(tenant)}/api/`;
  }

  // ---- tenants and their people ----

  tenant(ctx: string): Tenant | undefined {
    return this.tenantsByCtx.get(ctx.toLowerCase());
  }

  tenants(): Tenant[] {
    return [...this.tenantsByCtx.values()];
  }

  /**
   * Real SuperOffice users are already signed in to SuperID from its web client, so an app's sign-in
   * popup knows who they are; the sign-in page here offers that user first.
   */
  setWebClientUser(ctx: string, associateId: number): void {
    this.webClientUsers.set(ctx.toLowerCase(), associateId);
  }

  webClientUser(ctx: string): number | undefined {
    return this.webClientUsers.get(ctx.toLowerCase());
  }

  /** Serials this simulator issued before a restart; a tenant created again with that context identifier gets its own back. */
  rememberSerials(entries: Array<{ ctx: string; serial: string }>): void {
    for (const e of entries) this.knownSerials.set(e.ctx.toLowerCase(), e.serial);
  }

  onTenantsChanged(listener: () => void): void {
    this.tenantListeners.push(listener);
  }

  createTenant(input: { contextIdentifier?: string; companyName: string; state?: TenantState; hostNumber?: number }): Tenant {
    const ctx = input.contextIdentifier ?? `Cust${10000 + Math.floor(Math.random() * 90000)}`;
    if (!/^[A-Za-z][A-Za-z0-9]{1,40}$/.test(ctx)) throw new Error(`invalid context identifier ${JSON.stringify(ctx)}`);
    if (this.tenant(ctx)) throw new Error(`tenant ${ctx} exists`);
    const tenant: Tenant = {
      contextIdentifier: ctx,
      companyName: input.companyName,
      state: input.state ?? 'Running',
      serial: this.knownSerials.get(ctx.toLowerCase()) ?? String(1_000_000_000 + Math.floor(Math.random() * 900_000_000)),
      hostNumber: input.hostNumber ?? 2,
      versionName: 'Release_10.3.8_2024.08.30-01',
      fileVersion: '10.3.8.2024',
      ownerContactId: 1,
      systemAssociateId: 0,
      associates: new Map(),
      persons: new Map(),
      companies: new Map(),
      nextId: { contact: 2, person: 1, associate: 1 },
    };
    tenant.companies.set(1, { contactId: 1, name: input.companyName, emails: [] });
    this.tenantsByCtx.set(ctx.toLowerCase(), tenant);
    const system = this.addAssociate(tenant, {
      firstName: 'System',
      lastName: 'User',
      email: `system@${ctx.toLowerCase()}.invalid`,
      isAdministrator: true,
      userType: 'SystemAssociate',
      name: 'SYSTEM',
    });
    tenant.systemAssociateId = system.associateId;
    this.knownSerials.set(ctx.toLowerCase(), tenant.serial);
    for (const l of this.tenantListeners) l();
    return tenant;
  }

  addCompany(tenant: Tenant, input: { name: string; emails?: string[] }): Company {
    const company = { contactId: tenant.nextId.contact++, name: input.name, emails: input.emails ?? [] };
    tenant.companies.set(company.contactId, company);
    return company;
  }

  addPerson(tenant: Tenant, input: { firstName: string; lastName: string; emails?: string[]; contactId?: number }): Person {
    const contactId = input.contactId ?? tenant.ownerContactId;
    if (!tenant.companies.has(contactId)) throw new Error(`no company ${contactId} in ${tenant.contextIdentifier}`);
    const person = {
      personId: tenant.nextId.person++,
      contactId,
      firstName: input.firstName,
      lastName: input.lastName,
      emails: input.emails ?? [],
    };
    tenant.persons.set(person.personId, person);
    return person;
  }

  /** A user: an associate with a person in the owner company carrying the same e-mail address. */
  addAssociate(
    tenant: Tenant,
    input: {
      firstName: string;
      lastName: string;
      email: string;
      isAdministrator?: boolean;
      associateId?: number;
      name?: string;
      userType?: Associate['userType'];
      calendarSystem?: Associate['calendarSystem'];
      mailbox?: string | null;
      language?: string;
    },
  ): Associate {
    const associateId = input.associateId ?? tenant.nextId.associate;
    if (tenant.associates.has(associateId)) throw new Error(`associate ${associateId} exists in ${tenant.contextIdentifier}`);
    tenant.nextId.associate = Math.max(tenant.nextId.associate, associateId + 1);
    const person = this.addPerson(tenant, { firstName: input.firstName, lastName: input.lastName, emails: [input.email] });
    const associate: Associate = {
      associateId,
      name: input.name ?? (input.firstName.slice(0, 3) + input.lastName.slice(0, 1)).toUpperCase(),
      firstName: input.firstName,
      lastName: input.lastName,
      email: input.email,
      isAdministrator: input.isAdministrator ?? false,
      personId: person.personId,
      userType: input.userType ?? 'InternalAssociate',
      calendarSystem: input.calendarSystem ?? null,
      mailbox: input.mailbox ?? null,
      language: input.language ?? 'en',
    };
    tenant.associates.set(associateId, associate);
    return associate;
  }

  /** The people a user can sign in as (the system associate cannot). */
  users(tenant: Tenant): Associate[] {
    return [...tenant.associates.values()].filter((a) => a.userType === 'InternalAssociate');
  }

  /** Moves the tenant to another numbered API host; calls to the old one then answer 421. */
  moveTenant(tenant: Tenant, hostNumber?: number): string {
    tenant.hostNumber = hostNumber ?? tenant.hostNumber + 1;
    return this.hostAlias(tenant);
  }

  // ---- apps and consents ----

  registerApp(app: Omit<RegisteredApp, 'clientId' | 'clientSecret'> & { clientId?: string; clientSecret?: string }): RegisteredApp {
    const registered: RegisteredApp = {
      ...app,
      clientId: app.clientId ?? randomBytes(16).toString('hex'),
      clientSecret: app.clientSecret ?? randomBytes(16).toString('hex'),
    };
    this.apps.set(registered.clientId, registered);
    return registered;
  }

  appBySecret(secret: string): RegisteredApp | undefined {
    return [...this.apps.values()].find((a) => a.clientSecret === secret);
  }

  consent(clientId: string, ctx: string): Consent | undefined {
    return this.consents.get(consentKey(clientId, ctx));
  }

  grantConsent(app: RegisteredApp, tenant: Tenant, grantedBy: number, systemToken?: string): Consent {
    const existing = this.consent(app.clientId, tenant.contextIdentifier);
    if (existing) return existing;
    const consent: Consent = {
      id: randomUUID(),
      clientId: app.clientId,
      ctx: tenant.contextIdentifier,
      systemToken: systemToken ?? `${app.name}-${randomBytes(8).toString('base64url').slice(0, 10)}`,
      grantedBy,
      grantedAt: this.now(),
    };
    this.consents.set(consentKey(app.clientId, tenant.contextIdentifier), consent);
    for (const l of this.consentListeners) l();
    return consent;
  }

  /** The administrator uninstalls the app: every credential the app held for the tenant stops working. */
  revokeConsent(clientId: string, ctx: string): boolean {
    const key = consentKey(clientId, ctx);
    if (!this.consents.delete(key)) return false;
    const same = (x: { clientId: string; ctx: string }) => x.clientId === clientId && x.ctx.toLowerCase() === ctx.toLowerCase();
    for (const map of [this.refreshTokens, this.accessTokens, this.tickets] as Array<Map<string, { clientId: string; ctx: string }>>) {
      for (const [k, v] of map) if (same(v)) map.delete(k);
    }
    for (const l of this.consentListeners) l();
    return true;
  }

  /** Called after every grant or revocation (the sandbox keeps consents across restarts with it). */
  onConsentsChanged(listener: () => void): void {
    this.consentListeners.push(listener);
  }

  // ---- tokens and tickets ----

  issueAccessToken(input: Omit<AccessToken, 'token' | 'expiresAt'>): AccessToken {
    // The shape of SuperOffice's opaque tokens ("8A:Cust12345.<secret>"), so nobody mistakes it for a JWT.
    const token: AccessToken = {
      ...input,
      token: `8A:${input.ctx}.${randomBytes(24).toString('base64url')}`,
      expiresAt: this.now() + this.settings.accessTokenLifetimeS * 1000,
    };
    this.accessTokens.set(token.token, token);
    return token;
  }

  issueRefreshToken(input: Omit<RefreshToken, 'token'>): RefreshToken {
    const token: RefreshToken = { ...input, token: `8R:${input.ctx}.${randomBytes(32).toString('base64url')}` };
    this.refreshTokens.set(token.token, token);
    return token;
  }

  /** A system-user ticket for the tenant's system associate, as the PartnerSystemUser exchange mints. */
  issueTicket(clientId: string, tenant: Tenant): Ticket {
    const ticket: Ticket = {
      ticket: `7T:${randomBytes(24).toString('base64')}`,
      clientId,
      ctx: tenant.contextIdentifier,
      associateId: tenant.systemAssociateId,
      lastUsedAt: this.now(),
    };
    this.tickets.set(ticket.ticket, ticket);
    return ticket;
  }

  /** The ticket if it is still alive; each use slides its expiry. */
  useTicket(ticket: string): Ticket | undefined {
    const t = this.tickets.get(ticket);
    if (!t) return undefined;
    const now = this.now();
    if (now - t.lastUsedAt > this.settings.ticketLifetimeMs) {
      this.tickets.delete(ticket);
      return undefined;
    }
    t.lastUsedAt = now;
    return t;
  }

  useAccessToken(token: string): AccessToken | undefined {
    const t = this.accessTokens.get(token);
    if (!t) return undefined;
    if (this.now() >= t.expiresAt) {
      this.accessTokens.delete(token);
      return undefined;
    }
    return t;
  }
}

function consentKey(clientId: string, ctx: string): string {
  return `${clientId}\n${ctx.toLowerCase()}`;
}

export function createSuperOfficeStore(options: SoStoreOptions = {}): SuperOfficeStore {
  return new SuperOfficeStore(options);
}
