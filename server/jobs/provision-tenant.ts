// Sets a tenant up in SuperOffice after its install, and again with every reconciliation round:
// web panels and the activity webhook from manifest/. Idempotent (an unchanged tenant costs four
// reads), so it is also how a webhook SuperOffice stopped (TooManyErrors) is re-activated.
// A tenant that is down is retried after the time SuperOffice suggests; a revoked installation is
// marked as such and left alone.
import { z } from 'zod';
import type { AppManifest } from '../../manifest/manifest.ts';
import type { Db } from '../db/knex.ts';
import { loadCredential, saveCredential } from '../db/credentials.ts';
import type { Keyring } from '../security/secrets.ts';
import type { SuperOfficeApi } from '../superoffice/api-client.ts';
import { WEBHOOK_SECRET_KIND } from '../superoffice/credential-kinds.ts';
import { newWebhookSecret, provisionTenant } from '../superoffice/provision.ts';
import { loadTenantForWork, withTenantErrors } from './tenant-work.ts';
import type { TaskHandler } from './queue.ts';

export const PROVISION_TENANT_TASK = 'provision-tenant';

const payloadSchema = z.object({ tenantId: z.uuid() });

export interface ProvisionTenantDeps {
  db: Db;
  keyring: Keyring;
  api: SuperOfficeApi;
  manifest: AppManifest;
  publicUrl: string;
}

export function createProvisionTenantTask(deps: ProvisionTenantDeps): TaskHandler {
  return async (payload, ctx) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      ctx.log.error('provision-tenant: malformed payload dropped');
      return;
    }
    const { tenantId } = parsed.data;
    const t = await loadTenantForWork(deps.db, deps.keyring, tenantId, ctx, PROVISION_TENANT_TASK);
    if (!t) return;
    const ref = (kind: string) => ({ tenantId, ownerType: 'tenant' as const, ownerId: tenantId, kind });
    // The secret is stored before SuperOffice sees it: saving the webhook sends a signed test event
    // that our receiver must already be able to verify.
    let secret = await loadCredential(deps.db, deps.keyring, ref(WEBHOOK_SECRET_KIND));
    const secretIsNew = !secret;
    if (!secret) {
      secret = newWebhookSecret();
      await saveCredential(deps.db, deps.keyring, { ...ref(WEBHOOK_SECRET_KIND), secret });
    }
    await withTenantErrors(deps.db, t, ctx, PROVISION_TENANT_TASK, async () => {
      const result = await deps.api.call(t.who, (agent) =>
        provisionTenant(agent, { manifest: deps.manifest, publicUrl: deps.publicUrl, webhookSecret: secret, webhookSecretIsNew: secretIsNew }),
      );
      await deps.db('audit_log').insert({
        tenant_id: tenantId,
        actor: 'system:provision',
        action: 'provision',
        side: 'superoffice',
        after: JSON.stringify(result),
      });
      ctx.log.info({ tenant: t.row.context_identifier, result }, 'provision-tenant: done');
    });
  };
}
