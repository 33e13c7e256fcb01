// OpenID metadata, keys and instance discovery. msal-node, given `knownAuthorities: ['localhost:PORT']`,
// skips instance discovery and GETs `{authority}/v2.0/.well-known/openid-configuration`; it needs
// authorization_endpoint, token_endpoint, issuer and jwks_uri. Instance discovery is served as well
// for clients configured with `cloudDiscoveryMetadata` taken from here, or tools that probe it.
import { Router, type RequestHandler } from 'express';
import { jwks } from '../jwt.ts';
import { issuerFor, tenantSegment, type IdentityContext } from './context.ts';

function openIdConfiguration(ctx: IdentityContext, segment: string): Record<string, unknown> {
  const base = ctx.baseUrl();
  const host = new URL(base).host;
  const multi = ['common', 'organizations'].includes(segment.toLowerCase());
  // As Entra does: a tenant asked for by domain gets its GUID endpoints; the multi-tenant aliases
  // keep theirs and carry a `{tenantid}` placeholder in the issuer.
  const t = multi ? segment.toLowerCase() : ctx.dir.tenantId;
  return {
    token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: multi ? `${base}/{tenantid}/v2.0` : issuerFor(ctx),
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${base}/oidc/userinfo`,
    authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/${t}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
    tenant_region_scope: 'EU',
    cloud_instance_name: host,
    cloud_graph_host_name: host,
    msgraph_host: host,
    rbac_url: base,
  };
}

export function discoveryRoutes(ctx: IdentityContext): Router {
  const r = Router();
  r.get('/common/discovery/instance', (_req, res) => {
    const host = new URL(ctx.baseUrl()).host;
    res.json({
      tenant_discovery_endpoint: `${ctx.baseUrl()}/${ctx.dir.tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  });
  const config: RequestHandler = (req, res) => {
    const segment = tenantSegment(req);
    if (!ctx.dir.knowsTenant(segment)) {
      res.status(400).json({ error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${segment}' not found.`, error_codes: [90002] });
      return;
    }
    res.json(openIdConfiguration(ctx, segment));
  };
  r.get('/:tenant/v2.0/.well-known/openid-configuration', config);
  r.get('/:tenant/.well-known/openid-configuration', config);
  r.get(['/:tenant/discovery/v2.0/keys', '/:tenant/discovery/keys'], (_req, res) => void res.json(jwks(ctx.dir.key)));
  r.get('/:tenant/oauth2/v2.0/logout', (req, res) => {
    const back = typeof req.query.post_logout_redirect_uri === 'string' ? req.query.post_logout_redirect_uri : null;
    if (back) res.redirect(302, back);
    else res.type('html').send('<!doctype html><title>Signed out</title><p>You signed out of your account.</p>');
  });
  return r;
}
