// What every SuperOffice task of a tenant (and every panel request that calls SuperOffice) does
// around its own work: find the tenant (installed, not revoked) and its sealed system token, then
// map the SuperOffice side's domain errors:
//   - the tenant is not running: defer (RetryLaterError), never fail;
//   - the installation was revoked: mark the tenant revoked, keep its data, stop;
//   - the ticket exchange was refused: keep SuperOffice's message on the tenant, retry with backoff.
// A run that goes through clears the tenant's status message.
import type { Db } from '../db/knex.ts';
import { loadCredential } from '../db/credentials.ts';
import type { Keyring } from '../security/secrets.ts';
import { SYSTEM_TOKEN_KIND } from '../superoffice/credential-kinds.ts';
import { InstallationRevoked, TenantUnavailable, TicketExchangeFailed } from '../superoffice/errors.ts';
import type { SystemUserTenant } from '../superoffice/system-user.ts';
import { RetryLaterError } from './errors.ts';
import type { TaskContext } from './queue.ts';

/** How often work of a suspended tenant looks again (a Resume push may have been lost). */
const SUSPENDED_RECHECK_MS = 15 * 60_000;

/** Installation states in which no background work runs. */
export const NOT_INSTALLED = ['uninstalled', 'revoked'];

export interface TenantForWork {
  row: { id: string; context_identifier: string; installed_at: Date | null; created_at: Date; time_zone: string | null };
  who: SystemUserTenant;
}

export async function loadTenantForWork(db: Db, keyring: Keyring, tenantId: string, ctx: Pick<TaskContext, 'log'>, task: string): Promise<TenantForWork | undefined> {
  const row = await db('tenants')
    .where({ id: tenantId })
    .first('id', 'context_identifier', 'installation_state', 'tenant_state', 'serial', 'installed_at', 'created_at', 'time_zone', 'updated_at');
  if (!row || NOT_INSTALLED.includes(row.installation_state as string)) {
    ctx.log.info({ tenantId }, `${task}: tenant not installed; nothing to do`);
    return undefined;
  }
  // SuperOffice told us (state push) the tenant is suspended: its work waits for the Resume push. A
  // Resume push can be lost, so once the flag is older than the recheck interval it is dropped and
  // the work's own look at /api/state (before every call) decides: a tenant still suspended is
  // deferred from there.
  if (row.tenant_state === 'Suspended') {
    if (Date.now() - new Date(row.updated_at as Date).getTime() < SUSPENDED_RECHECK_MS) {
      throw new RetryLaterError(SUSPENDED_RECHECK_MS, `tenant ${row.context_identifier} is suspended`);
    }
    await db('tenants').where({ id: tenantId, tenant_state: 'Suspended' }).update({ tenant_state: 'Unknown', updated_at: db.fn.now() });
    ctx.log.info({ tenant: row.context_identifier }, `${task}: suspended for longer than the recheck interval; asking SuperOffice again`);
  }
  const systemToken = await loadCredential(db, keyring, { tenantId, ownerType: 'tenant', ownerId: tenantId, kind: SYSTEM_TOKEN_KIND });
  if (!systemToken) {
    await setStatus(db, tenantId, 'No system user is stored for this installation: an administrator must install the app again.');
    ctx.log.error({ tenant: row.context_identifier }, `${task}: no system token stored; reinstall needed`);
    return undefined;
  }
  return { row, who: { tenantId, contextIdentifier: row.context_identifier as string, systemToken, serial: row.serial ?? undefined } };
}

function setStatus(db: Db, tenantId: string, message: string | null) {
  return db('tenants').where({ id: tenantId }).update({ status_message: message, status_at: db.fn.now() });
}

/** Runs `work`; returns false when it stopped because the installation was revoked. */
export async function withTenantErrors(db: Db, t: TenantForWork, ctx: Pick<TaskContext, 'log'>, task: string, work: () => Promise<void>): Promise<boolean> {
  try {
    await work();
  } catch (err) {
    if (err instanceof TenantUnavailable) throw new RetryLaterError(err.retryAfterMs, err.message);
    if (err instanceof InstallationRevoked) {
      await db('tenants')
        .where({ id: t.row.id })
        .update({ installation_state: 'revoked', status_message: `SuperOffice revoked the installation: ${err.reason}`, status_at: db.fn.now() });
      ctx.log.warn({ tenant: t.row.context_identifier, reason: err.reason }, `${task}: installation revoked; tenant marked revoked`);
      return false;
    }
    if (err instanceof TicketExchangeFailed) {
      await setStatus(db, t.row.id, `SuperOffice refused the system user: ${err.superOfficeMessage}`);
    }
    throw err;
  }
  await db('tenants').where({ id: t.row.id }).whereNotNull('status_message').update({ status_message: null, status_at: db.fn.now() });
  return true;
}
