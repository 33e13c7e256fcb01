// Builds the SuperOffice side's long-lived services once, from one settings object: production
// reads it from SUPEROFFICE_* variables, the sandbox gets it from its simulator. Only the TLS trust
// differs: the sandbox adds its own CA.
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { egressFetch } from '../net/egress.ts';
import { SuperOfficeApi } from './api-client.ts';
import { SuperOfficeKeys } from './jwks.ts';
import type { OidcSettings } from './oidc.ts';
import { parseRsaPrivateKey } from './rsa-key.ts';
import { SystemUserTickets } from './system-user.ts';
import { TenantStates } from './tenant-state.ts';

export interface SuperOfficeSettings {
  /** The environment root, e.g. https://sod.superoffice.com. */
  identityBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** PEM or the developer portal's RSA XML. */
  privateKey: string;
}

const ENV_HOST = { sod: 'sod', stage: 'qaonline', online: 'online' } as const;

export function identityBaseUrlFor(environment: keyof typeof ENV_HOST): string {
  return `https://${ENV_HOST[environment]}.superoffice.com`;
}

export interface SuperOfficeServices {
  settings: SuperOfficeSettings;
  keys: SuperOfficeKeys;
  tickets: SystemUserTickets;
  states: TenantStates;
  api: SuperOfficeApi;
  oidc: OidcSettings;
  fetch: typeof fetch;
}

export function createSuperOfficeServices(
  s: SuperOfficeSettings,
  opts: { publicUrl: string; extraCaPem?: string; serialChanged?: (tenantId: string, serial: string) => Promise<void> },
): SuperOfficeServices {
  let fetchFn: typeof fetch = fetch;
  let httpsAgent: https.Agent = https.globalAgent;
  if (opts.extraCaPem) {
    const ca = [...rootCertificates, opts.extraCaPem];
    fetchFn = egressFetch({ ca: ca.join('\n') }).fetch;
    httpsAgent = new https.Agent({ ca, keepAlive: true });
  }
  const keys = new SuperOfficeKeys(`${s.identityBaseUrl.replace(/\/$/, '')}/login/.well-known/jwks`, fetchFn);
  const tickets = new SystemUserTickets({
    identityBaseUrl: s.identityBaseUrl,
    clientSecret: s.clientSecret,
    privateKey: parseRsaPrivateKey(s.privateKey),
    keys,
    fetch: fetchFn,
    ...(opts.serialChanged ? { serialChanged: opts.serialChanged } : {}),
  });
  const states = new TenantStates(s.identityBaseUrl, fetchFn);
  return {
    settings: s,
    keys,
    tickets,
    states,
    api: new SuperOfficeApi({ tickets, states, clientSecret: s.clientSecret, httpsAgent }),
    oidc: { identityBaseUrl: s.identityBaseUrl, clientId: s.clientId, clientSecret: s.clientSecret, redirectUri: `${opts.publicUrl}/superoffice/callback` },
    fetch: fetchFn,
  };
}
