// The app's Microsoft 365 connector, as the rest of the app sees it: Graph access per profile
// (application consent, or one user's delegated consent), the calendar side of a link, the consent
// check, and the directory. One GraphClients for the process, so each profile's msal app and token
// cache live as long as the process and a token is never fetched per request.
import type { Knex } from 'knex';
import type { CalendarSideFactory } from '../jobs/link-sides.ts';
import { CalendarUnavailable } from '../jobs/sync-link.ts';
import { credentialRefreshTokens } from '../providers/graph/auth.ts';
import { createGraphClients, type GraphClients, type GraphConnection } from '../providers/graph/client.ts';
import { listDirectoryUsers, verifyConsent, type DirectoryUser } from '../providers/graph/directory.ts';
import { idTokenVerifier, type IdTokenVerifier } from '../providers/graph/id-token.ts';
import { createGraphSide } from '../providers/graph/side.ts';
import { AuthorizationRevoked } from '../sync/errors.ts';
import type { CalendarSide } from '../sync/side.ts';
import type { Keyring } from '../security/secrets.ts';
import type { GraphConnection as ProfileConnection, MicrosoftApp } from './admin-consent.ts';

/** Credential kinds of a link: a delegated user's refresh token, and its subscription's clientState. */
export const GRAPH_REFRESH_TOKEN = 'graph_refresh_token';
export const GRAPH_CLIENT_STATE = 'graph_client_state';

export interface MicrosoftDeps {
  db: Knex;
  keyring: Keyring;
  app: MicrosoftApp;
  /** Extra CA to trust (the sandbox's). */
  caPem?: string;
}

export interface Microsoft {
  clients: GraphClients;
  /** Graph access for a profile (and, in delegated mode, the link's user). Throws CalendarUnavailable when not connected. */
  connection(tenantId: string, profileId: string, linkId?: string): Promise<GraphConnection>;
  /** The calendar side factory for `graph` profiles (server/jobs/link-sides.ts). */
  calendars: CalendarSideFactory;
  /** Reads the directory of a customer's Entra tenant with the app's consent; for the consent callback. */
  verify(entraTenantId: string): Promise<{ users: number }>;
  directory(tenantId: string, profileId: string): Promise<DirectoryUser[]>;
  /** Verifies the id_tokens of Microsoft sign-ins (its key cache lives as long as the process). */
  idTokens: IdTokenVerifier;
  close(): Promise<void>;
}

/**
 * On an organisation-wide connection only an administrator can give access back (by granting
 * consent again); the link's reason must say so rather than send the user to reconnect.
 */
function refusalsFixedByAdministrator(side: CalendarSide): CalendarSide {
  const mark = (err: unknown): never => {
    if (err instanceof AuthorizationRevoked && err.reconnectHelps) err.fixedBy ??= 'administrator';
    throw err;
  };
  return {
    capabilities: side.capabilities,
    listChanges: (cursor) => side.listChanges(cursor).catch(mark),
    get: (ids) => side.get(ids).catch(mark),
    create: (event) => side.create(event).catch(mark),
    update: (id, event, ifVersion) => side.update(id, event, ifVersion).catch(mark),
    delete: (id, ifVersion) => side.delete(id, ifVersion).catch(mark),
    findByStableKey: (key) => side.findByStableKey(key).catch(mark),
  };
}

export function createMicrosoft(deps: MicrosoftDeps): Microsoft {
  const clients = createGraphClients({
    authorityBase: deps.app.loginUrl,
    graphBase: deps.app.graphUrl,
    ...(deps.caPem ? { tls: { ca: deps.caPem } } : {}),
  });
  const registration = (id: string, entraTenantId: string) => ({ id, tenantId: entraTenantId, clientId: deps.app.clientId, clientSecret: deps.app.clientSecret });

  async function connection(tenantId: string, profileId: string, linkId?: string): Promise<GraphConnection> {
    return (await connect(tenantId, profileId, linkId)).graph;
  }

  async function connect(tenantId: string, profileId: string, linkId?: string): Promise<{ graph: GraphConnection; delegated: boolean }> {
    const row = await deps.db('profiles').where({ tenant_id: tenantId, id: profileId, calendar_system: 'graph' }).first('connection');
    const c = (row?.connection ?? {}) as ProfileConnection;
    if (!c.entraTenantId) {
      throw new CalendarUnavailable('Microsoft 365 is not connected for this profile yet: an administrator must grant consent in the administrator panel.');
    }
    if (c.mode === 'delegated') {
      if (!linkId) throw new CalendarUnavailable('This Microsoft 365 profile connects each user on their own; there is no tenant-wide access.');
      const tokens = credentialRefreshTokens(deps.db, deps.keyring, { tenantId, ownerType: 'link', ownerId: linkId, kind: GRAPH_REFRESH_TOKEN });
      return { graph: clients.delegated(registration(profileId, c.entraTenantId), linkId, tokens), delegated: true };
    }
    return { graph: clients.application(registration(profileId, c.entraTenantId)), delegated: false };
  }

  return {
    clients,
    idTokens: idTokenVerifier({ loginUrl: deps.app.loginUrl, clientId: deps.app.clientId, fetch: clients.signIn.fetch }),
    connection,
    calendars: async (link, window) => {
      const { graph, delegated } = await connect(link.tenantId, link.profileId, link.id);
      const side = createGraphSide({ graph: graph.forMailbox(link.mailbox), window });
      return delegated ? side : refusalsFixedByAdministrator(side);
    },
    async verify(entraTenantId) {
      // A throwaway profile id: the consent is checked before the profile's connection is saved.
      const graph = clients.application(registration(`verify:${entraTenantId}`, entraTenantId));
      await verifyConsent(graph);
      return { users: (await listDirectoryUsers(graph)).length };
    },
    async directory(tenantId, profileId) {
      return listDirectoryUsers(await connection(tenantId, profileId));
    },
    close: () => clients.close(),
  };
}
