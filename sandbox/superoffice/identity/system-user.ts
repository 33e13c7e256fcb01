// POST /Login/api/PartnerSystemUser/Authenticate (spec §3): trades a signed system-user token for a
// ticket. `SignedSystemToken` is `<system_token>.<UTC yyyyMMddHHmm>.<base64 signature>`, the
// signature RSA-SHA256 (PKCS#1 v1.5) over the first two parts with the app's private key, checked
// against the public key registered for the app. The answer is always 200 with IsSuccessful, as
// SuperOffice's samples read it; the ticket travels inside an RS256 JWT.
// SuperOffice documents no ErrorMessage texts, so a refusal here is worded differently each time
// (one of several phrasings and a reference): an app that matched the text would fail its tests.
import { randomBytes, randomInt, timingSafeEqual, verify } from 'node:crypto';
import { Router } from 'express';
import type { SuperOfficeStore } from '../store.ts';
import { CLAIM, SUPEROFFICE_AS, signJwt, timeClaims } from './jwt.ts';

export const SYSTEM_USER_PATH = '/Login/api/PartnerSystemUser/Authenticate';

/** Request fields, matched case-insensitively as the .NET service binds them. */
function field(body: Record<string, unknown>, name: string): string | undefined {
  const key = Object.keys(body).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : body[key];
  return typeof v === 'string' ? v : undefined;
}

function parseStamp(stamp: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(stamp);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi);
  const back = new Date(t);
  // Rejects 202513…, 20250230… and the like instead of letting Date roll them over.
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && back.getUTCHours() === h && back.getUTCMinutes() === mi ? t : null;
}

/** Refusal wordings, one picked at random per answer; none is what a real service says. */
const WORDINGS: Record<string, readonly string[]> = {
  app: ['Invalid ApplicationToken.', 'The application could not be identified.', 'Application token rejected.'],
  format: ['SignedSystemToken must be <system token>.<yyyyMMddHHmm>.<signature>.', 'Malformed signed token.', 'The signed token could not be parsed.'],
  stamp: ['The timestamp in SignedSystemToken is not yyyyMMddHHmm.', 'Bad time stamp.', 'The signed token carries an unreadable time.'],
  signature: ["The signature of SignedSystemToken could not be verified with the application's public key.", 'Signature check failed.', 'The token signature does not match the registered key.'],
  skew: ['The timestamp in SignedSystemToken is too far from the current time.', 'Signed token too old or too new.', 'Clock difference too large.'],
  tenant: ['Unknown ContextIdentifier.', 'No such customer.', 'The customer could not be found.'],
  token: ['The system user token is not valid for this application and tenant.', 'Access denied.', 'Authentication failed.', 'Der Vorgang wurde abgelehnt.'],
};

function refusal(reason: keyof typeof WORDINGS): string {
  const words = WORDINGS[reason] ?? ['Refused.'];
  return `${words[randomInt(words.length)]} (ref ${randomBytes(4).toString('hex')})`;
}

export function systemUserRoutes(store: SuperOfficeStore): Router {
  const r = Router();
  // Express matches paths case-insensitively, which covers the /Login/ and /login/ of SuperOffice's samples.
  r.post(SYSTEM_USER_PATH, (req, res) => {
    const fail = (message: string) => res.json({ IsSuccessful: false, Token: null, ErrorMessage: message });
    const body = req.body as unknown;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      res.status(400).json({ IsSuccessful: false, Token: null, ErrorMessage: 'A JSON body is required.' });
      return;
    }
    const signed = field(body as Record<string, unknown>, 'SignedSystemToken') ?? '';
    const appToken = field(body as Record<string, unknown>, 'ApplicationToken') ?? '';
    const ctx = field(body as Record<string, unknown>, 'ContextIdentifier') ?? '';

    const app = store.appBySecret(appToken);
    if (!app) return fail(refusal('app'));

    // Split from the right: the system token is "<app name>-<random>" and the name may hold dots.
    const sigDot = signed.lastIndexOf('.');
    const stampDot = sigDot > 0 ? signed.lastIndexOf('.', sigDot - 1) : -1;
    if (stampDot <= 0) return fail(refusal('format'));
    const data = signed.slice(0, sigDot);
    const systemToken = signed.slice(0, stampDot);
    const stamp = parseStamp(signed.slice(stampDot + 1, sigDot));
    const signature = Buffer.from(signed.slice(sigDot + 1), 'base64');
    if (stamp === null) return fail(refusal('stamp'));

    let valid = false;
    try {
      valid = signature.length > 0 && verify('RSA-SHA256', Buffer.from(data, 'utf8'), app.publicKey, signature);
    } catch {
      valid = false;
    }
    if (!valid) return fail(refusal('signature'));
    if (Math.abs(store.now() - stamp) > store.settings.systemTokenMaxSkewMs) {
      return fail(refusal('skew'));
    }

    const tenant = store.tenant(ctx);
    if (!tenant) return fail(refusal('tenant'));
    const consent = store.consent(app.clientId, tenant.contextIdentifier);
    const a = Buffer.from(consent?.systemToken ?? '');
    const b = Buffer.from(systemToken);
    if (!consent || a.length !== b.length || !timingSafeEqual(a, b)) {
      return fail(refusal('token'));
    }

    const ticket = store.issueTicket(app.clientId, tenant);
    // No SuperOffice document says the ticket's header names its key; the setting lets tests drop
    // the kid, or name one the JWKS lacks, while the JWKS key still signs.
    const kid = { listed: store.signingKey.kid, none: null, unlisted: `${store.signingKey.kid}-unlisted` }[store.settings.ticketKid];
    const token = signJwt(store, {
      sub: `system@${tenant.contextIdentifier}`,
      [`${CLAIM}ticket`]: ticket.ticket,
      [`${CLAIM}ctx`]: tenant.contextIdentifier,
      [`${CLAIM}associateid`]: String(tenant.systemAssociateId),
      [`${CLAIM}serial`]: tenant.serial,
      [`${CLAIM}netserver_url`]: `${store.endpoint(tenant)}/Remote/Services88/`,
      [`${CLAIM}webapi_url`]: store.webApiUrl(tenant),
      [`${CLAIM}is_administrator`]: 'True',
      ...timeClaims(store, 300),
      iss: SUPEROFFICE_AS,
      aud: `spn:${tenant.serial}`,
    }, kid);
    res.json({ IsSuccessful: true, Token: token, ErrorMessage: '' });
  });
  return r;
}
