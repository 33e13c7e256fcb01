// The panels' JSON API under /api/panel (docs/panel-api.md): the administrator's routes (each one
// refuses non-administrators itself), the signed-in user's own link, and the appointment passport.
// It reads the verified session from res.locals.panel, which the sign-in middleware in front of it
// sets; every query is scoped by that session's tenant.
import { Router } from 'express';
import type { Db } from '../db/knex.ts';
import type { Queue } from '../jobs/queue.ts';
import type { MicrosoftApp } from '../microsoft/admin-consent.ts';
import type { Microsoft } from '../microsoft/connector.ts';
import { microsoftConsent } from '../microsoft/consent-deps.ts';
import type { Keyring } from '../security/secrets.ts';
import type { SuperOfficeApi } from '../superoffice/api-client.ts';
import { adminAuditRoutes } from './admin-audit.ts';
import { adminDeletionRoutes } from './admin-deletions.ts';
import { adminLinkRoutes } from './admin-links.ts';
import { adminOverviewRoutes } from './admin-overview.ts';
import { adminProfileRoutes } from './admin-profiles.ts';
import { adminStatusRoutes } from './admin-status.ts';
import type { PanelContext } from './context.ts';
import { panelErrorHandler } from './errors.ts';
import { meRoutes } from './me.ts';
import { microsoftClaimRoutes } from './microsoft-claim.ts';
import { passportRoutes } from './passport.ts';
import { adminOf } from './session.ts';
import { panelSuperOffice } from './superoffice.ts';

export interface PanelApiDeps {
  db: Db;
  keyring: Keyring;
  queue: Pick<Queue, 'enqueue' | 'enqueueLinkSync'>;
  /** The app's public URL: Microsoft's consent pages send their popups back there. */
  publicUrl: string;
  /** SuperOffice's API client; without it user names fall back to e-mail addresses and the match, passport and restore answer 409. */
  superoffice?: { api: SuperOfficeApi };
  /** The Microsoft 365 connector and app; without it consent, the connection test and the directory answer 409. */
  microsoft?: { connector: Microsoft; app: MicrosoftApp };
  now?: () => Date;
}

/** Routes relative to /api/panel, e.g. `GET /admin/overview`, `GET /me`. */
export function panelApiRouter(deps: PanelApiDeps): Router {
  const c: PanelContext = {
    db: deps.db,
    keyring: deps.keyring,
    queue: deps.queue,
    publicUrl: deps.publicUrl.replace(/\/$/, ''),
    so: panelSuperOffice({ db: deps.db, keyring: deps.keyring, ...(deps.superoffice ? { api: deps.superoffice.api } : {}) }),
    microsoft: deps.microsoft && {
      ...deps.microsoft,
      consent: microsoftConsent({ db: deps.db, keyring: deps.keyring, app: deps.microsoft.app, publicUrl: deps.publicUrl, microsoft: deps.microsoft.connector, queue: deps.queue }),
    },
    calendars: deps.microsoft ? { graph: deps.microsoft.connector.calendars } : {},
    now: deps.now ?? (() => new Date()),
  };
  const admin = Router();
  admin.use((_req, res, next) => {
    adminOf(res);
    next();
  });
  for (const routes of [adminOverviewRoutes, adminProfileRoutes, adminLinkRoutes, adminStatusRoutes, adminDeletionRoutes, adminAuditRoutes]) admin.use(routes(c));

  const r = Router();
  r.use('/admin', admin);
  r.use(meRoutes(c));
  r.use(microsoftClaimRoutes(c));
  r.use(passportRoutes(c));
  r.use(panelErrorHandler());
  return r;
}
