// The control API of the SuperOffice simulator, for tests and the shell: things that happen inside
// SuperOffice and that no public API triggers (an administrator uninstalling the app, an upgrade,
// a tenant moving to another numbered host, a clock that runs fast, an administrator demoted). Routes live under /control;
// the same operations are plain functions for in-process callers.
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { CLAIM, SUPEROFFICE_AS, parseRsaKey, signJwt, timeClaims } from './identity/jwt.ts';
import { TENANT_STATES, type SuperOfficeStore, type Tenant, type TenantState } from './store.ts';

/** CustomerStateChangeNotificationType (spec §1.5). */
export const CHANGE_TYPES = { Upgrade: 0, BackupRestored: 1, Suspend: 2, Resume: 3, Delete: 4, Move: 5 } as const;

export interface StateChangeInput {
  changeType: 0 | 1 | 2 | 3 | 4 | 5;
  versionName?: string;
  fileVersion?: string;
  /** Move only: the numbered host to move to (default: the next one). */
  hostNumber?: number;
}

export interface StateChangeDelivery {
  clientId: string;
  url: string;
  status: number | null;
  error: string | null;
  /** What was POSTed, token and all: what someone who captured the push would hold. */
  notification: Record<string, unknown>;
}

/**
 * The Token of a state-change push. SuperOffice's page (get-notifications.md) says only "a JWT to
 * verify it was sent by SuperOffice"; it lists no claims, so none ties the token to the ChangeType
 * or the rest of the body, and none is a jti. What is here is the shape of SuperOffice's other
 * app-addressed tokens (validate-security-tokens.md, "Connectors" row): the tenant (`ctx`, `sub`),
 * iss "SuperOffice AS", aud "spn:<client id>", a 5-minute life. All of that is unverified; the
 * page's C# sample validates with ValidIssuer "https://sod.superoffice.com" and sets no audience.
 */
export function stateChangeToken(store: SuperOfficeStore, tenant: Tenant, clientId: string, issuer: 'superoffice-as' | 'environment' = 'superoffice-as'): string {
  return signJwt(store, {
    sub: tenant.contextIdentifier,
    [`${CLAIM}ctx`]: tenant.contextIdentifier,
    ...timeClaims(store, 300),
    // `environment`: what SuperOffice's own sample validates (issuer the environment's root, no audience).
    ...(issuer === 'environment' ? { iss: store.baseUrl } : { iss: SUPEROFFICE_AS, aud: `spn:${clientId}` }),
  });
}

/**
 * Applies a state change to the tenant as SuperOffice would, then tells every app that has consent
 * on the tenant and a state-change URL: POST {ChangeType, ContextIdentifier, VersionName,
 * FileVersion, Token[, PublicEndpoint]} (see stateChangeToken). The state changes before the push
 * goes out, so an app that asks /api/state/{ctx} on receipt sees it (an unverified ordering).
 */
export async function pushStateChange(store: SuperOfficeStore, tenant: Tenant, input: StateChangeInput): Promise<StateChangeDelivery[]> {
  if (input.versionName) tenant.versionName = input.versionName;
  if (input.fileVersion) tenant.fileVersion = input.fileVersion;
  let publicEndpoint: string | undefined;
  switch (input.changeType) {
    case CHANGE_TYPES.Suspend:
      tenant.state = 'Suspended';
      break;
    case CHANGE_TYPES.Resume:
      tenant.state = 'Running';
      break;
    case CHANGE_TYPES.Delete:
      tenant.state = 'Deleted';
      break;
    case CHANGE_TYPES.Move: {
      const alias = store.moveTenant(tenant, input.hostNumber);
      // Real value: "sod3.superoffice.com". Here the host is a path segment, so the equivalent is
      // "localhost:PORT/sod3": `https://${PublicEndpoint}/${ctx}/api/` is the new API base either way.
      publicEndpoint = `${new URL(store.baseUrl).host}/${alias}`;
      break;
    }
  }
  const deliveries: StateChangeDelivery[] = [];
  for (const consent of store.consents.values()) {
    if (consent.ctx !== tenant.contextIdentifier) continue;
    const app = store.apps.get(consent.clientId);
    if (!app?.stateChangeUrl) continue;
    const token = stateChangeToken(store, tenant, app.clientId);
    const body = {
      ChangeType: input.changeType,
      ContextIdentifier: tenant.contextIdentifier,
      VersionName: tenant.versionName,
      FileVersion: tenant.fileVersion,
      Token: token,
      ...(publicEndpoint ? { PublicEndpoint: publicEndpoint } : {}),
    };
    try {
      const res = await fetch(app.stateChangeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
      deliveries.push({ clientId: app.clientId, url: app.stateChangeUrl, status: res.status, error: null, notification: body });
    } catch (err) {
      deliveries.push({ clientId: app.clientId, url: app.stateChangeUrl, status: null, error: (err as Error).message, notification: body });
    }
  }
  return deliveries;
}

const stateName = z.enum(Object.keys(TENANT_STATES) as [TenantState, ...TenantState[]]);

const schemas = {
  tenant: z.object({ contextIdentifier: z.string().optional(), companyName: z.string().min(1), state: stateName.optional() }),
  user: z.object({
    firstName: z.string().min(1),
    lastName: z.string().min(1),
    email: z.string().email(),
    isAdministrator: z.boolean().optional(),
    associateId: z.number().int().positive().optional(),
    calendarSystem: z.enum(['graph', 'google', 'ews']).nullable().optional(),
    mailbox: z.string().nullable().optional(),
  }),
  userChange: z.object({ isAdministrator: z.boolean() }).strict(),
  company: z.object({ name: z.string().min(1), emails: z.array(z.string().email()).optional() }),
  person: z.object({
    firstName: z.string().min(1),
    lastName: z.string().min(1),
    emails: z.array(z.string().email()).optional(),
    contactId: z.number().int().positive().optional(),
  }),
  state: z.object({ state: stateName }),
  move: z.object({ hostNumber: z.number().int().min(1).optional() }),
  settings: z.object({
    ticketLifetimeMs: z.number().int().positive().optional(),
    systemTokenMaxSkewMs: z.number().int().min(0).optional(),
    clockOffsetMs: z.number().int().optional(),
    ticketKid: z.enum(['listed', 'none', 'unlisted']).optional(),
    archiveDates: z.enum(['date-only', 'precise']).optional(),
  }),
  stateChange: z.object({
    changeType: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]),
    versionName: z.string().optional(),
    fileVersion: z.string().optional(),
    hostNumber: z.number().int().min(1).optional(),
  }),
  app: z.object({
    name: z.string().min(1),
    /** PEM or the portal's RSA XML. */
    publicKey: z.string().min(1),
    redirectUris: z.array(z.string().url()),
    serverToServer: z.boolean(),
    stateChangeUrl: z.string().url().nullable().optional(),
  }),
  ticket: z.object({ clientId: z.string().min(1) }),
};

function parse<T>(schema: z.ZodType<T>, req: Request, res: Response): T | undefined {
  const r = schema.safeParse(req.body ?? {});
  if (r.success) return r.data;
  res.status(400).json({ error: 'bad_request', message: r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
  return undefined;
}

function tenantSummary(store: SuperOfficeStore, t: Tenant) {
  return { contextIdentifier: t.contextIdentifier, companyName: t.companyName, state: t.state, hostAlias: store.hostAlias(t), webApiUrl: store.webApiUrl(t) };
}

export function superOfficeControl(store: SuperOfficeStore): Router {
  const r = Router();
  r.use('/control', express.json({ limit: '64kb' }));
  const withTenant = (handler: (t: Tenant, req: Request, res: Response) => unknown) => async (req: Request, res: Response) => {
    const t = store.tenant(String(req.params.ctx));
    if (!t) return void res.status(404).json({ error: 'not_found', message: `no tenant ${req.params.ctx}` });
    await handler(t, req, res);
  };

  r.get('/control/tenants', (_req, res) => void res.json(store.tenants().map((t) => tenantSummary(store, t))));
  r.post('/control/tenants', (req, res) => {
    const b = parse(schemas.tenant, req, res);
    if (!b) return;
    if (b.contextIdentifier && store.tenant(b.contextIdentifier)) return void res.status(409).json({ error: 'conflict', message: 'tenant exists' });
    res.status(201).json(tenantSummary(store, store.createTenant(b)));
  });
  r.post('/control/tenants/:ctx/users', withTenant((t, req, res) => {
    const b = parse(schemas.user, req, res);
    if (!b) return;
    if (b.associateId && t.associates.has(b.associateId)) return void res.status(409).json({ error: 'conflict', message: 'associate exists' });
    res.status(201).json(store.addAssociate(t, b));
  }));
  // A change an administrator makes in SuperOffice's user settings; today only the administrator
  // right (a demotion, or a promotion), which the next id_token and User/GetUser then show.
  r.patch('/control/tenants/:ctx/users/:associateId', withTenant((t, req, res) => {
    const b = parse(schemas.userChange, req, res);
    if (!b) return;
    const a = t.associates.get(Number(req.params.associateId));
    if (!a || a.userType !== 'InternalAssociate') return void res.status(404).json({ error: 'not_found', message: `no user ${req.params.associateId}` });
    a.isAdministrator = b.isAdministrator;
    res.json(a);
  }));
  r.post('/control/tenants/:ctx/companies', withTenant((t, req, res) => {
    const b = parse(schemas.company, req, res);
    if (b) res.status(201).json(store.addCompany(t, b));
  }));
  r.post('/control/tenants/:ctx/persons', withTenant((t, req, res) => {
    const b = parse(schemas.person, req, res);
    if (!b) return;
    if (b.contactId && !t.companies.has(b.contactId)) return void res.status(400).json({ error: 'bad_request', message: `no company ${b.contactId}` });
    res.status(201).json(store.addPerson(t, b));
  }));
  r.put('/control/tenants/:ctx/state', withTenant((t, req, res) => {
    const b = parse(schemas.state, req, res);
    if (!b) return;
    t.state = b.state;
    res.json(tenantSummary(store, t));
  }));
  r.post('/control/tenants/:ctx/move', withTenant((t, req, res) => {
    const b = parse(schemas.move, req, res);
    if (!b) return;
    store.moveTenant(t, b.hostNumber);
    res.json(tenantSummary(store, t));
  }));
  r.post('/control/tenants/:ctx/state-change', withTenant(async (t, req, res) => {
    const b = parse(schemas.stateChange, req, res);
    if (!b) return;
    const deliveries = await pushStateChange(store, t, b);
    res.json({ tenant: tenantSummary(store, t), deliveries });
  }));
  r.delete('/control/tenants/:ctx/consents/:clientId', withTenant((t, req, res) => {
    const revoked = store.revokeConsent(String(req.params.clientId), t.contextIdentifier);
    res.status(revoked ? 204 : 404).end();
  }));
  r.post('/control/tenants/:ctx/tickets', withTenant((t, req, res) => {
    const b = parse(schemas.ticket, req, res);
    if (!b) return;
    if (!store.apps.has(b.clientId)) return void res.status(404).json({ error: 'not_found', message: 'no such app' });
    res.status(201).json({ ticket: store.issueTicket(b.clientId, t).ticket });
  }));
  r.post('/control/apps', (req, res) => {
    const b = parse(schemas.app, req, res);
    if (!b) return;
    let publicKey;
    try {
      publicKey = parseRsaKey(b.publicKey, true);
    } catch (err) {
      return void res.status(400).json({ error: 'bad_request', message: `publicKey: ${(err as Error).message}` });
    }
    const app = store.registerApp({ ...b, publicKey, stateChangeUrl: b.stateChangeUrl ?? null });
    res.status(201).json({ clientId: app.clientId, clientSecret: app.clientSecret });
  });
  r.put('/control/settings', (req, res) => {
    const b = parse(schemas.settings, req, res);
    if (!b) return;
    Object.assign(store.settings, b);
    res.json(store.settings);
  });
  return r;
}
