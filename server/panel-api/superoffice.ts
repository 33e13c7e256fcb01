// Calls to the tenant's SuperOffice from a panel request: as its system user, found and guarded the
// way queue tasks do it (loadTenantForWork, withTenantErrors), so a revoked installation or a
// refused ticket is recorded on the tenant the same way; failures answer `502 provider` in words.
import type { Logger } from '../log.ts';
import type { Db } from '../db/knex.ts';
import { loadTenantForWork, withTenantErrors, type TenantForWork } from '../jobs/tenant-work.ts';
import { createDirectories, type SuperOfficeDirectory } from '../providers/superoffice/directory.ts';
import type { Keyring } from '../security/secrets.ts';
import type { SuperOfficeApi } from '../superoffice/api-client.ts';
import { InstallationRevoked, TenantUnavailable, TicketExchangeFailed } from '../superoffice/errors.ts';
import { SyncError } from '../sync/errors.ts';
import { conflict, provider } from './errors.ts';

const TASK = 'panel';

export interface PanelSuperOffice {
  api: SuperOfficeApi;
  directories: (who: TenantForWork['who']) => SuperOfficeDirectory;
  tenant(tenantId: string, log: Logger): Promise<TenantForWork>;
  /** Runs `work` as the tenant's system user; SuperOffice's refusals become `502 provider`. */
  run<T>(t: TenantForWork, log: Logger, work: () => Promise<T>): Promise<T>;
  /** The tenant's users by associate id (name and e-mail); empty when SuperOffice cannot be asked. */
  users(tenantId: string, log: Logger): Promise<Map<number, { name?: string; email: string }>>;
}

export function panelSuperOffice(deps: { db: Db; keyring: Keyring; api?: SuperOfficeApi }): PanelSuperOffice | undefined {
  const api = deps.api;
  if (!api) return undefined;
  const directories = createDirectories({ api });

  const tenant = async (tenantId: string, log: Logger): Promise<TenantForWork> => {
    const t = await loadTenantForWork(deps.db, deps.keyring, tenantId, { log }, TASK);
    if (!t) throw conflict('Calendar Sync cannot reach SuperOffice for this installation: it is not installed, or its system user is missing. An administrator must install the app again.');
    return t;
  };

  const run = async <T>(t: TenantForWork, log: Logger, work: () => Promise<T>): Promise<T> => {
    let out: { value: T } | undefined;
    const ok = await withTenantErrors(deps.db, t, { log }, TASK, async () => {
      try {
        out = { value: await work() };
      } catch (err) {
        // The SuperOffice side keeps the tenant-level cause under its own error, as in sync-link.
        if (err instanceof SyncError && isTenantError(err.cause)) throw err.cause;
        throw err;
      }
    });
    if (!ok || !out) throw provider('SuperOffice revoked this installation of Calendar Sync; an administrator must install it again.');
    return out.value;
  };

  return {
    api,
    directories,
    tenant,
    run,
    async users(tenantId, log) {
      try {
        const t = await tenant(tenantId, log);
        const people = await run(t, log, () => directories(t.who).people());
        const out = new Map<number, { name?: string; email: string }>();
        for (const p of people) if (p.associateId) out.set(p.associateId, { ...(p.name ? { name: p.name } : {}), email: p.email });
        return out;
      } catch (err) {
        // Names are a nicety: the grid still answers with e-mail addresses when SuperOffice cannot.
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'panel: SuperOffice user names unavailable');
        return new Map();
      }
    },
  };
}

function isTenantError(e: unknown): e is Error {
  return e instanceof TenantUnavailable || e instanceof InstallationRevoked || e instanceof TicketExchangeFailed;
}
