// Whether a signed-in user is still a SuperOffice administrator, asked of SuperOffice as the tenant's
// system user. The sign-in's id_token says so only at that moment (its `is_administrator` claim), so
// the panel session asks again every few minutes (server/http/panel-auth.ts).
//
// What counts as an administrator: a user (not retired, an employee) whose role carries the
// `admin-all` functional right, SuperOffice's "General administrator" (User/GetUser for the role,
// User/GetFunctionalRights for its rights; the code name is in each item's ExtraInfo). SuperOffice
// documents the User agent as "not available in Online by default" to partner apps; if it refuses,
// the check throws like any failure, and the caller then grants nothing (docs/vendor-assumptions.md).
import { UserAgent, type WebApiRequestOptions } from '@superoffice/webapi';
import { z } from 'zod';
import type { Db } from '../db/knex.ts';
import type { Logger } from '../log.ts';
import { panelSuperOffice } from '../panel-api/superoffice.ts';
import { callSuperOffice } from '../providers/superoffice/client.ts';
import type { Keyring } from '../security/secrets.ts';
import type { SuperOfficeApi } from '../superoffice/api-client.ts';
import { NotFound } from '../sync/errors.ts';

/** The functional right of SuperOffice's "General administrator". */
export const ADMIN_RIGHT = 'admin-all';

/** True or false when SuperOffice answered; throws when it could not be asked or answered nonsense. */
export type AdministratorCheck = (q: { tenantId: string; associateId: number; log: Logger }) => Promise<boolean>;

const userSchema = z.object({
  associateId: z.number().int(),
  deleted: z.boolean().optional(),
  isPersonRetired: z.boolean().optional(),
  type: z.string().optional(),
  role: z.object({ id: z.number().int() }).nullish(),
});
const rightsSchema = z.array(z.object({ extraInfo: z.string().nullish(), deleted: z.boolean().nullish() }).nullable());

/** A fresh object per call: the SDK writes the call's status into the options it is given. */
const options = (): WebApiRequestOptions => ({});

export function superOfficeAdministratorCheck(deps: { db: Db; keyring: Keyring; api: SuperOfficeApi }): AdministratorCheck {
  const so = panelSuperOffice(deps)!;
  return async ({ tenantId, associateId, log }) => {
    const t = await so.tenant(tenantId, log);
    return so.run(t, log, async () => {
      let raw: unknown;
      try {
        raw = await callSuperOffice(deps.api, t.who, (agent) => agent(UserAgent).getUserAsync(associateId, options()), `user:${associateId}`);
      } catch (err) {
        // A user SuperOffice no longer has is certainly no administrator.
        if (err instanceof NotFound) return false;
        throw err;
      }
      if (raw === null || raw === undefined) return false;
      const user = userSchema.parse(raw);
      if (user.associateId !== associateId) throw new Error(`SuperOffice answered for user ${user.associateId}, not ${associateId}`);
      if (user.deleted || user.isPersonRetired || (user.type && user.type !== 'InternalAssociate') || !user.role?.id) return false;
      const roleId = user.role.id;
      const rights = rightsSchema.parse(await callSuperOffice(deps.api, t.who, (agent) => agent(UserAgent).getFunctionalRightsAsync(roleId, options())) ?? []);
      return rights.some((r) => r?.extraInfo === ADMIN_RIGHT && !r.deleted);
    });
  };
}
