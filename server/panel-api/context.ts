// What every area of the panel API works with, built once by router.ts from PanelApiDeps.
import type { Db } from '../db/knex.ts';
import type { CalendarSideFactory } from '../jobs/link-sides.ts';
import type { Queue } from '../jobs/queue.ts';
import type { MicrosoftApp } from '../microsoft/admin-consent.ts';
import type { Microsoft } from '../microsoft/connector.ts';
import type { StartedBy } from '../microsoft/consent-claims.ts';
import type { MicrosoftConsent } from '../microsoft/consent-deps.ts';
import type { Keyring } from '../security/secrets.ts';
import { conflict } from './errors.ts';
import type { PanelSuperOffice } from './superoffice.ts';

export interface PanelContext {
  db: Db;
  keyring: Keyring;
  queue: Pick<Queue, 'enqueue' | 'enqueueLinkSync'>;
  publicUrl: string;
  so: PanelSuperOffice | undefined;
  microsoft: { connector: Microsoft; app: MicrosoftApp; consent: MicrosoftConsent } | undefined;
  /** Calendar connectors by calendar system (what restore needs to write an item back). */
  calendars: Record<string, CalendarSideFactory>;
  now: () => Date;
}

export function requireSuperOffice(c: PanelContext): PanelSuperOffice {
  if (!c.so) throw conflict('SuperOffice is not configured on this server, so Calendar Sync cannot read it.');
  return c.so;
}

export function requireMicrosoft(c: PanelContext): NonNullable<PanelContext['microsoft']> {
  if (!c.microsoft) {
    throw conflict('Microsoft 365 is not configured on this server (MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET are missing); ask the people who run Calendar Sync.');
  }
  return c.microsoft;
}

/** The panel session as the one a consent popup was started from (only it may claim the result). */
export const startedBy = (s: { tenantId: string; sessionId: string; associateId: number }): StartedBy => ({ tenantId: s.tenantId, sessionId: s.sessionId, associateId: s.associateId });
