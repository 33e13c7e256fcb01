import type { Knex } from 'knex';

export interface TenantRow {
  id: string;
  context_identifier: string;
  installation_state: string;
  tenant_state: string;
}

/** An installed tenant by its SuperOffice context identifier; uninstalled ones count as unknown. */
export async function findInstalledTenant(db: Knex, contextIdentifier: string): Promise<TenantRow | undefined> {
  return db('tenants')
    .where({ context_identifier: contextIdentifier })
    .whereNot({ installation_state: 'uninstalled' })
    .first('id', 'context_identifier', 'installation_state', 'tenant_state');
}
