// What the tenant API needs from the rest of the simulator (the identity half provides the real
// authenticate middleware and the associates/persons of each tenant).
import type { RequestHandler } from 'express';
import type { ArchiveDateMode } from './archive-restrictions.ts';

export interface SoPrincipal {
  ctx: string;
  associateId: number;
  appClientId: string;
}

export interface SoAssociate {
  associateId: number;
  personId: number;
  name: string;
  email: string;
  isAdministrator: boolean;
  /** Absent: InternalAssociate. The tenant's system user is a SystemAssociate, not one of its users. */
  type?: 'InternalAssociate' | 'SystemAssociate';
}

export interface SoPerson {
  personId: number;
  contactId: number;
  name: string;
  email: string;
}

export interface TenantApiDeps {
  /** Sets res.locals.principal (SoPrincipal) or answers 401/421/503 itself. */
  authenticate: RequestHandler;
  /**
   * Every associate of the tenant, its system user included: on the real service a system-user
   * ticket acts as an associate of the tenant, so a default entity it gets names that associate and
   * must post back. Lists of users (the AllUsers archive) leave SystemAssociates out.
   */
  associates(ctx: string): SoAssociate[];
  persons(ctx: string): SoPerson[];
  now?: () => Date;
  /** How archives read `date`-typed columns (archive-restrictions.ts); default the documented 'date-only'. */
  archiveDates?: () => ArchiveDateMode;
  webhookDelivery?: {
    /** Waits between the 3 attempts of a cycle; default [1000, 4000]. */
    retryDelaysMs?: number[];
    /** Accept http:// target URLs on loopback (the sandbox app listens on plain HTTP). */
    allowHttp?: boolean;
    /** Extra CA (PEM) to trust for https targets, e.g. the sandbox CA. */
    ca?: string;
  };
}
