// Installing the app for a SuperOffice tenant: an administrator consents through the OIDC code
// flow; the verified id_token names the tenant and carries its system token, which is sealed and
// stored; then provisioning (web panels and webhook, idempotent) runs as a job.
import type { Db } from '../db/knex.ts';
import { saveCredential } from '../db/credentials.ts';
import { savePendingLogin, takePendingLogin } from '../db/pending-logins.ts';
import type { Queue } from '../jobs/queue.ts';
import type { Keyring } from '../security/secrets.ts';
import { PROVISION_TENANT_TASK } from '../jobs/provision-tenant.ts';
import { SYSTEM_TOKEN_KIND } from './credential-kinds.ts';
import type { SuperOfficeKeys } from './jwks.ts';
import { authorizeRequest, exchangeCode, OidcError, type OidcSettings } from './oidc.ts';


export interface InstallDeps {
  db: Db;
  keyring: Keyring;
  keys: SuperOfficeKeys;
  oidc: OidcSettings;
  queue: Pick<Queue, 'enqueue'>;
  fetch?: typeof fetch;
}

export interface Installed {
  tenantId: string;
  contextIdentifier: string;
  companyName: string | undefined;
  reinstall: boolean;
}

/** Why an install did not complete, in words an administrator can act on. */
export class InstallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'InstallError';
  }
}

export async function beginInstall(deps: InstallDeps, contextIdentifier?: string): Promise<string> {
  const req = authorizeRequest(deps.oidc, { contextIdentifier });
  await savePendingLogin(deps.db, deps.keyring, {
    state: req.state,
    purpose: 'install',
    contextIdentifier: contextIdentifier ?? null,
    nonce: req.nonce,
    codeVerifier: req.codeVerifier,
  });
  return req.url;
}

export async function completeInstall(deps: InstallDeps, input: { state?: string; code?: string; error?: string; errorDescription?: string }): Promise<Installed> {
  const pending = input.state ? await takePendingLogin(deps.db, deps.keyring, input.state, 'install') : undefined;
  if (!pending) throw new InstallError('unknown_state', 'This sign-in has expired or was already used. Start the installation again.');
  if (input.error) throw new InstallError(input.error, input.errorDescription || `SuperOffice did not grant consent (${input.error}).`);
  if (!input.code) throw new InstallError('no_code', 'SuperOffice did not send an authorization code.');
  let who;
  try {
    who = await exchangeCode(deps.oidc, deps.keys, { code: input.code, codeVerifier: pending.codeVerifier, nonce: pending.nonce }, deps.fetch);
  } catch (err) {
    if (err instanceof OidcError) throw new InstallError(err.code, `SuperOffice refused the sign-in: ${err.message}`);
    throw err;
  }
  if (pending.contextIdentifier && who.contextIdentifier.toLowerCase() !== pending.contextIdentifier.toLowerCase()) {
    throw new InstallError('wrong_tenant', `You signed in to ${who.contextIdentifier}, but the installation was started for ${pending.contextIdentifier}.`);
  }
  if (!who.isAdministrator) throw new InstallError('not_administrator', 'Only a SuperOffice administrator can install Calendar Sync.');
  if (!who.systemToken) {
    throw new InstallError('no_system_token', 'SuperOffice did not grant the app its system user. Check that the app is registered as server-to-server.');
  }
  return deps.db.transaction(async (trx) => {
    const existing = await trx('tenants').where({ context_identifier: who.contextIdentifier }).first('id');
    const fields = {
      name: who.companyName ?? null,
      installation_state: 'active',
      installed_by_associate_id: who.associateId,
      installed_at: trx.fn.now(),
      tenant_state: 'Running',
      api_base_url: who.webApiUrl ?? null,
      serial: who.serial ?? null,
      // A fresh consent starts the clock of refused ticket exchanges afresh.
      ticket_failing_since: null,
      updated_at: trx.fn.now(),
    };
    const tenantId: string = existing
      ? (await trx('tenants').where({ id: existing.id }).update(fields), existing.id)
      : (await trx('tenants').insert({ context_identifier: who.contextIdentifier, ...fields }).returning('id'))[0].id;
    await saveCredential(trx, deps.keyring, {
      tenantId,
      ownerType: 'tenant',
      ownerId: tenantId,
      kind: SYSTEM_TOKEN_KIND,
      secret: who.systemToken!,
    });
    await trx('audit_log').insert({
      tenant_id: tenantId,
      actor: `admin:associate:${who.associateId}`,
      action: existing ? 'reinstall' : 'install',
      after: JSON.stringify({ contextIdentifier: who.contextIdentifier, companyName: who.companyName }),
    });
    await deps.queue.enqueue(PROVISION_TENANT_TASK, { tenantId }, { jobKey: `provision:${tenantId}`, trx });
    return { tenantId, contextIdentifier: who.contextIdentifier, companyName: who.companyName, reinstall: Boolean(existing) };
  });
}
