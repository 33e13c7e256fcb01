// What every SuperOffice task of a tenant (and every panel request that calls SuperOffice) does
// around its own work: find the tenant (installed, not revoked) and its sealed system token, then
// map the SuperOffice side's domain errors:
//   - the tenant is not running: defer (RetryLaterError), never fail;
//   - the installation was revoked: mark the tenant revoked, keep its data, stop;
//   - the ticket exchange was refused: keep SuperOffice's message on the tenant verbatim and rethrow,
//     so the queue retries with backoff. SuperOffice documents no refusal texts or statuses, so the
//     text decides nothing: when refusals in a row have lasted longer than a set period (24 h by
//     default, counted from `ticket_failing_since`), the tenant turns `needs_attention` and its
//     message says what an administrator should check. Work keeps being tried meanwhile.
// A run that goes through clears the tenant's status message, the failure clock and needs_attention.
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

/** Installed, but SuperOffice has refused the system user for longer than the set period. */
export const NEEDS_ATTENTION = 'needs_attention';

/** How long refused ticket exchanges in a row may last before the tenant needs an administrator. */
export const TICKET_ATTENTION_AFTER_MS = 24 * 3600_000;

export interface TenantErrorOptions {
  /** Overrides TICKET_ATTENTION_AFTER_MS. */
  ticketAttentionAfterMs?: number;
}

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

/**
 * Keeps SuperOffice's refusal on the tenant and starts (or continues) the failure clock; once the
 * refusals have lasted longer than `attentionAfterMs` the tenant turns needs_attention. An exchange
 * that never reached SuperOffice is shown but does not count: that is our network, not the tenant.
 */
async function recordRefusal(db: Db, t: TenantForWork, err: TicketExchangeFailed, ctx: Pick<TaskContext, 'log'>, task: string, attentionAfterMs: number): Promise<void> {
  const said = err.superOfficeMessage;
  if (err.status === undefined) {
    await setStatus(db, t.row.id, `SuperOffice could not be asked for the system user's ticket: ${said}. Calendar Sync will try again.`);
    return;
  }
  const [row] = await db('tenants')
    .where({ id: t.row.id })
    .update({ ticket_failing_since: db.raw('coalesce(ticket_failing_since, now())') })
    .returning(['ticket_failing_since']);
  const since = row?.ticket_failing_since ? new Date(row.ticket_failing_since as Date) : new Date();
  const turned = await db('tenants')
    .where({ id: t.row.id })
    .whereNotIn('installation_state', [...NOT_INSTALLED, NEEDS_ATTENTION])
    .where('ticket_failing_since', '<=', db.raw("now() - make_interval(secs => ?)", [attentionAfterMs / 1000]))
    .update({ installation_state: NEEDS_ATTENTION }, ['id']);
  const state = await db('tenants').where({ id: t.row.id }).first('installation_state');
  if (state?.installation_state === NEEDS_ATTENTION) {
    await setStatus(
      db,
      t.row.id,
      `Calendar Sync needs attention: since ${since.toISOString()} SuperOffice has refused its system user, saying: "${said}". ` +
        'Check in SuperOffice that Calendar Sync is still installed for this customer and that its consent has not been withdrawn; ' +
        'if it was, an administrator must install Calendar Sync again. Calendar Sync keeps trying and resumes by itself once SuperOffice accepts it.',
    );
    if (turned.length > 0) {
      ctx.log.warn({ tenant: t.row.context_identifier, since, superOfficeMessage: said }, `${task}: ticket exchange refused for longer than the set period; tenant needs attention`);
    }
    return;
  }
  await setStatus(db, t.row.id, `SuperOffice refused the system user: ${said}`);
}

/** Runs `work`; returns false when it stopped because the installation was revoked. */
export async function withTenantErrors(db: Db, t: TenantForWork, ctx: Pick<TaskContext, 'log'>, task: string, work: () => Promise<void>, opts: TenantErrorOptions = {}): Promise<boolean> {
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
    if (err instanceof TicketExchangeFailed) await recordRefusal(db, t, err, ctx, task, opts.ticketAttentionAfterMs ?? TICKET_ATTENTION_AFTER_MS);
    throw err;
  }
  const cleared = await db('tenants')
    .where({ id: t.row.id })
    .where((q) => q.whereNotNull('status_message').orWhereNotNull('ticket_failing_since').orWhere('installation_state', NEEDS_ATTENTION))
    .update(
      {
        status_message: null,
        status_at: db.fn.now(),
        ticket_failing_since: null,
        installation_state: db.raw('case when installation_state = ? then ? else installation_state end', [NEEDS_ATTENTION, 'active']),
      },
      ['id'],
    );
  if (cleared.length > 0) ctx.log.info({ tenant: t.row.context_identifier }, `${task}: SuperOffice accepts the system user again; status cleared`);
  return true;
}
