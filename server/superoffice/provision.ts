// Provisioning a tenant from manifest/: the web panels (found again by ProgId) and one webhook for
// activity.* (found again by its target URL), each created once and updated in place after that.
// Running it twice, or after a manifest upgrade, never duplicates a panel or a webhook. It also
// puts a webhook that SuperOffice stopped (TooManyErrors) back to Active.
//
// Panels and webhook are two steps, panels first: in Online the Webhook agent "is not available
// by default. Access must be requested" (SuperOffice's Webhook agent pages), and a refusal there
// must not cost the tenant its panels (see webhookAgentRefusal).
import { randomBytes } from 'node:crypto';
import { ListAgent, Navigation, UrlEncoding, WebhookAgent, WebhookState, type WebPanelEntity, type Webhook } from '@superoffice/webapi';
import type { AppManifest } from '../../manifest/manifest.ts';
import { SuperOfficeRequestFailed, type AgentFactory } from './api-client.ts';
import { InstallationRevoked } from './errors.ts';

export interface ProvisionResult {
  panels: Array<{ progId: string; webPanelId: number; action: 'created' | 'updated' | 'unchanged' }>;
  webhook:
    | { webhookId: number; action: 'created' | 'updated' | 'unchanged' | 'reactivated' }
    | { action: 'refused'; superOfficeMessage: string };
}

export interface ProvisionInput {
  manifest: AppManifest;
  /** The app's public URL; panel URLs and the webhook target hang off it. */
  publicUrl: string;
  /** The tenant's webhook secret: saved (sealed) by the caller before the webhook, whose test event is signed with it. */
  webhookSecret: string;
  /** True when the secret was just made: SuperOffice does not show a stored secret, so only then must it be written. */
  webhookSecretIsNew: boolean;
}

export function newWebhookSecret(): string {
  return randomBytes(32).toString('base64url');
}

const join = (base: string, rel: string) => `${base.replace(/\/+$/, '')}/${rel.replace(/^\/+/, '')}`;

function panelFields(p: AppManifest['webPanels'][number], publicUrl: string): Partial<WebPanelEntity> {
  return {
    name: p.name,
    tooltip: p.tooltip,
    progId: p.progId,
    url: join(publicUrl, p.url),
    visibleIn: Navigation[p.visibleIn],
    urlEncoding: UrlEncoding[p.urlEncoding],
    deleted: false,
    onCentral: true,
    onSalesMarketingWeb: true,
    alwaysReloadOnShow: false,
  };
}

/** True when every field we manage already has the value we want. */
function same(current: object, wanted: object): boolean {
  const c = current as Record<string, unknown>;
  return Object.entries(wanted).every(([k, v]) =>
    Array.isArray(v) ? JSON.stringify([...(c[k] as unknown[] ?? [])].sort()) === JSON.stringify([...v].sort()) : c[k] === v,
  );
}

export async function provisionPanels(agent: AgentFactory, input: Pick<ProvisionInput, 'manifest' | 'publicUrl'>): Promise<ProvisionResult['panels']> {
  const lists = agent(ListAgent);
  const panels: ProvisionResult['panels'] = [];
  for (const p of input.manifest.webPanels) {
    const wanted = panelFields(p, input.publicUrl);
    const existing = await lists.getWebPanelByProgIdAsync(p.progId).catch(() => null);
    if (existing?.webPanelId) {
      if (same(existing, wanted)) {
        panels.push({ progId: p.progId, webPanelId: existing.webPanelId, action: 'unchanged' });
        continue;
      }
      const saved = await lists.saveWebPanelEntityAsync({ ...existing, ...wanted } as WebPanelEntity);
      panels.push({ progId: p.progId, webPanelId: saved.webPanelId ?? existing.webPanelId, action: 'updated' });
    } else {
      const blank = await lists.createDefaultWebPanelEntityAsync();
      const saved = await lists.saveWebPanelEntityAsync({ ...blank, ...wanted } as WebPanelEntity);
      panels.push({ progId: p.progId, webPanelId: saved.webPanelId ?? 0, action: 'created' });
    }
  }
  return panels;
}

export async function provisionWebhook(agent: AgentFactory, input: ProvisionInput): Promise<ProvisionResult['webhook']> {
  const hooks = agent(WebhookAgent);
  const targetUrl = join(input.publicUrl, input.manifest.webhook.targetPath);
  const wantedHook: Partial<Webhook> = {
    name: input.manifest.webhook.name,
    events: input.manifest.webhook.events,
    targetUrl,
    secret: input.webhookSecret,
    type: 'webhook',
  };
  // Unknown: no filter on state; a stopped webhook of ours must be found too.
  const all = (await hooks.getAllWebhooksAsync('', '', WebhookState.Unknown)) ?? [];
  // Ours is the one that posts to our target; a second (say, from an old manual setup) is left alone.
  const existing = all.find((h) => h.targetUrl === targetUrl);
  let webhook: { webhookId: number; action: 'created' | 'updated' | 'unchanged' | 'reactivated' };
  if (existing?.webhookId) {
    const stopped = existing.state !== WebhookState.Active;
    const { secret: _s, ...visible } = wantedHook;
    if (!stopped && !input.webhookSecretIsNew && same(existing, visible)) {
      // Saving would send SuperOffice's test event again for nothing.
      webhook = { webhookId: existing.webhookId, action: 'unchanged' };
    } else {
      const saved = await hooks.saveWebhookAsync({ ...existing, ...wantedHook, state: WebhookState.Active } as Webhook);
      webhook = { webhookId: saved.webhookId ?? existing.webhookId, action: stopped ? 'reactivated' : 'updated' };
    }
  } else {
    const blank = await hooks.createDefaultWebhookAsync();
    const saved = await hooks.saveWebhookAsync({ ...blank, ...wantedHook, state: WebhookState.Active } as Webhook);
    webhook = { webhookId: saved.webhookId ?? 0, action: 'created' };
  }
  return webhook;
}

/** A fault's words that say the app may not use the agent (only consulted when the status says nothing). */
const NOT_ALLOWED = /not (allowed|available|permitted|licen[cs]ed)|no access|access (is )?denied|forbidden|restricted|permission|unauthori[sz]ed/i;

/**
 * SuperOffice's words when an error of the webhook step means the Webhook agent is refused to the
 * app, else undefined (the tenant is down or moved, a rate limit, our network, a target URL
 * SuperOffice could not reach: handled as any other failure). No page says how the refusal
 * answers, so every plausible answer counts: 403; 404 (the agent not exposed); a fault of any other
 * status whose message says the app is not allowed; and a 401 that a fresh ticket did not cure,
 * which the API client reports as InstallationRevoked. Only call this for the webhook step run
 * after the panel step went through with the same installation: a 401 on the webhook agent alone
 * is that agent refused, not the installation.
 */
export function webhookAgentRefusal(err: unknown): string | undefined {
  if (err instanceof InstallationRevoked) return err.reason;
  if (!(err instanceof SuperOfficeRequestFailed) || err.status === undefined) return undefined;
  if (err.status === 403 || err.status === 404) return err.superOfficeMessage;
  if (err.status !== 429 && NOT_ALLOWED.test(err.superOfficeMessage)) return err.superOfficeMessage;
  return undefined;
}
