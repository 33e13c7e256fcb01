// The id_token the token endpoint returns (spec §2.3): every SuperOffice claim as a string, the
// registered claims with a 300-second lifetime, `webapi_url` on the tenant's current numbered host,
// and `system_token` only for an administrator of a server-to-server app.
import type { Associate, RegisteredApp, SuperOfficeStore, Tenant } from '../store.ts';
import { CLAIM, signJwt, timeClaims } from './jwt.ts';

export function idToken(
  store: SuperOfficeStore,
  input: { app: RegisteredApp; tenant: Tenant; user: Associate; nonce: string | null },
): string {
  const { app, tenant, user, nonce } = input;
  const endpoint = store.endpoint(tenant);
  const consent = store.consent(app.clientId, tenant.contextIdentifier);
  const claims: Record<string, unknown> = {
    sub: user.email,
    [`${CLAIM}associateid`]: String(user.associateId),
    [`${CLAIM}identityprovider`]: 'central-superid',
    [`${CLAIM}email`]: user.email,
    [`${CLAIM}upn`]: user.email,
    [`${CLAIM}is_administrator`]: user.isAdministrator ? 'True' : 'False',
    [`${CLAIM}ctx`]: tenant.contextIdentifier,
    [`${CLAIM}company_name`]: tenant.companyName,
    [`${CLAIM}serial`]: tenant.serial,
    [`${CLAIM}netserver_url`]: `${endpoint}/Remote/Services88/`,
    [`${CLAIM}webapi_url`]: store.webApiUrl(tenant),
    [`${CLAIM}initials`]: (user.firstName.slice(0, 1) + user.lastName.slice(0, 1)).toUpperCase(),
    [`${CLAIM}firstname`]: user.firstName,
    [`${CLAIM}lastname`]: user.lastName,
    [`${CLAIM}so_primary_email_address`]: user.email,
  };
  if (app.serverToServer && user.isAdministrator && consent) claims[`${CLAIM}system_token`] = consent.systemToken;
  if (nonce !== null) claims.nonce = nonce;
  return signJwt(store, { ...claims, ...timeClaims(store, 300), iss: store.baseUrl, aud: app.clientId });
}
