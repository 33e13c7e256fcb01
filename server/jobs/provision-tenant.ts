// Sets a tenant up in SuperOffice after its install, and again with every reconciliation round:
// web panels and the activity webhook from manifest/. Idempotent (an unchanged tenant costs four
// reads), so it is also how a webhook SuperOffice stopped (TooManyErrors) is re-activated.
// A tenant that is down is retried after the time SuperOffice suggests; a revoked installation is
// marked as such and left alone.
// A tenant whose SuperOffice refuses the app the Webhook agent (Online's default until access is
// requested) keeps its panels and gets words for its administrator in tenants.webhook_message; the
// run succeeds, its sync goes on through reconciliation alone, and every round tries the webhook
// again. The first round that gets it in place clears the words.
import { z } from 'zod';
import type { AppManifest } from '../../manifest/manifest.ts';
import type { Db } from '../db/knex.ts';
import { loadCredential, saveCredential } from '../db/credentials.ts';
import type { Keyring } from '../security/secrets.ts';
import type { SuperOfficeApi } from '../superoffice/api-client.ts';
import { WEBHOOK_SECRET_KIND } from '../superoffice/credential-kinds.ts';
import { newWebhookSecret, provisionPanels, provisionWebhook, webhookAgentRefusal, type ProvisionResult } from '../superoffice/provision.ts';
import { loadTenantForWork, withTenantErrors } from './tenant-work.ts';
import type { TaskHandler } from './queue.ts';
import { RECONCILE_INTERVAL_MINUTES } from './reconcile-interval.ts';

export const PROVISION_TENANT_TASK = 'provision-tenant';

const payloadSchema = z.object({ tenantId: z.uuid() });

export interface ProvisionTenantDeps {
  db: Db;
  keyring: Keyring;
  api: SuperOfficeApi;
  manifest: AppManifest;
  publicUrl: string;
}

/** What the administrator reads while the Webhook agent is refused; SuperOffice's own words verbatim. */
export function webhookRefusedMessage(superOfficeMessage: string): string {
  return (
    'SuperOffice has not given Calendar Sync access to webhooks for this customer (the Webhook agent is not available in Online by default). ' +
    'Ask SuperOffice to enable the Webhook agent for the Calendar Sync app; SuperOffice may then ask an administrator to approve Calendar Sync again. ' +
    `Until then, changes made in SuperOffice reach calendars at the next reconciliation, within ${RECONCILE_INTERVAL_MINUTES} minutes, instead of within seconds. ` +
    `Calendar Sync tries again at every reconciliation and sets its webhook up by itself once access is given. SuperOffice said: "${superOfficeMessage}"`
  );
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
      const input = { manifest: deps.manifest, publicUrl: deps.publicUrl, webhookSecret: secret, webhookSecretIsNew: secretIsNew };
      const panels = await deps.api.call(t.who, (agent) => provisionPanels(agent, input));
      let webhook: ProvisionResult['webhook'];
      try {
        webhook = await deps.api.call(t.who, (agent) => provisionWebhook(agent, input));
      } catch (err) {
        const said = webhookAgentRefusal(err);
        if (said === undefined) throw err;
        webhook = { action: 'refused', superOfficeMessage: said };
      }
      const webhookMessage = webhook.action === 'refused' ? webhookRefusedMessage(webhook.superOfficeMessage) : null;
      const changed = await deps.db('tenants')
        .where({ id: tenantId })
        .whereRaw('webhook_message is distinct from ?', [webhookMessage])
        .update({ webhook_message: webhookMessage }, ['id']);
      if (changed.length > 0 && webhook.action === 'refused') {
        ctx.log.warn({ tenant: t.row.context_identifier, superOfficeMessage: webhook.superOfficeMessage }, 'provision-tenant: SuperOffice refuses the Webhook agent; sync runs on reconciliation alone');
      } else if (changed.length > 0) {
        ctx.log.info({ tenant: t.row.context_identifier }, 'provision-tenant: webhook in place again; words for the administrator cleared');
      }
      const result: ProvisionResult = { panels, webhook };
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
