// The administrator flag of a panel session, confirmed with SuperOffice when its last confirmation
// is stale (server/panel/sessions.ts, ADMIN_RECHECK_MS), for server/http/panel-auth.ts. Only a
// request that needs the flag asks (administrator routes, GET session), so an administrator's
// polling costs one SuperOffice call per five minutes, and a user's none.
//
// When SuperOffice cannot be asked (unreachable, refusing the ticket or the User agent, an answer
// that does not parse), the request gets no administrator rights and its answer says why; nothing
// is recorded, so the next request asks again.
import type { Request } from 'express';
import type { Db } from '../db/knex.ts';
import type { AdministratorCheck } from '../panel/administrator-check.ts';
import { adminCheckDue, recordAdminCheck, type PanelSession } from '../panel/sessions.ts';
import { HttpError } from './errors.ts';

/** confirmed: an administrator now. never: the session never was one. demoted: SuperOffice just said no. unverified: SuperOffice could not tell. */
export type AdminState = 'confirmed' | 'never' | 'demoted' | 'unverified';

export interface AdminDeps {
  db: Db;
  administrators?: AdministratorCheck;
}

const NOT_ADMINISTRATOR = 'Only a SuperOffice administrator can change Calendar Sync. Ask your administrator.';
const DEMOTED = 'SuperOffice says you are no longer an administrator, so you can no longer change Calendar Sync. Ask your administrator if that is wrong.';
const UNVERIFIED =
  'Calendar Sync could not confirm with SuperOffice that you are still an administrator (SuperOffice did not answer), so administrator actions are refused for now. Try again in a few minutes.';

/** The session's administrator flag as it stands now, asking SuperOffice when the last answer is stale; updates `session` on a demotion. */
export async function confirmAdministrator(deps: AdminDeps, req: Request, session: PanelSession, now = new Date()): Promise<AdminState> {
  if (!session.isAdministrator) return 'never';
  if (!adminCheckDue(session, now)) return 'confirmed';
  const who = { tenant: session.contextIdentifier, associateId: session.associateId, sessionId: session.id };
  if (!deps.administrators) {
    req.log.warn(who, 'panel: administrator flag is stale and nothing can ask SuperOffice; refused');
    return 'unverified';
  }
  let answer: boolean;
  try {
    answer = await deps.administrators({ tenantId: session.tenantId, associateId: session.associateId, log: req.log });
  } catch (err) {
    req.log.warn({ ...who, err: err instanceof Error ? err.message : String(err) }, 'panel: SuperOffice could not confirm the administrator; refused for this request');
    return 'unverified';
  }
  await recordAdminCheck(deps.db, session, answer, now);
  session.adminCheckedAt = now;
  if (answer) return 'confirmed';
  session.isAdministrator = false;
  req.log.warn(who, 'panel: SuperOffice no longer lists the user as an administrator; session demoted');
  return 'demoted';
}

/** The 403 for a state that is not `confirmed`. */
export function adminRefusal(state: Exclude<AdminState, 'confirmed'>): HttpError {
  return new HttpError(403, 'not_administrator', state === 'demoted' ? DEMOTED : state === 'unverified' ? UNVERIFIED : NOT_ADMINISTRATOR);
}
