// The simulator's JWTs and keys. Tokens are signed by hand (RS256 with node's crypto) rather than with
// jsonwebtoken because SuperOffice writes `iat` as a string ("1581665207", spec §2.3), which
// jsonwebtoken's sign() refuses; a faithful simulator must hand the app exactly that shape.
import { createPrivateKey, createPublicKey, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { SuperOfficeStore } from '../store.ts';

/** Prefix of every SuperOffice custom claim. */
export const CLAIM = 'http://schemes.superoffice.net/identity/';

/** Issuer of system-user and state-change tokens (id_tokens carry the environment root instead). */
export const SUPEROFFICE_AS = 'SuperOffice AS';

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** `kid` null leaves the header without one. */
export function signJwt(store: SuperOfficeStore, payload: Record<string, unknown>, kid: string | null = store.signingKey.kid): string {
  const header = { alg: 'RS256', typ: 'JWT', ...(kid !== null && { kid }) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign('RSA-SHA256', Buffer.from(input), store.signingKey.privateKey);
  return `${input}.${b64url(signature)}`;
}

/** The registered claims every token here carries: issued now, usable from a minute ago, short-lived. */
export function timeClaims(store: SuperOfficeStore, lifetimeS = 300): { iat: string; nbf: number; exp: number } {
  const now = Math.floor(store.now() / 1000);
  return { iat: String(now), nbf: now - 60, exp: now + lifetimeS };
}

export function jwks(store: SuperOfficeStore): { keys: JsonWebKey[] } {
  const jwk = store.signingKey.publicKey.export({ format: 'jwk' });
  return { keys: [{ kty: 'RSA', use: 'sig', alg: 'RS256', kid: store.signingKey.kid, n: jwk.n, e: jwk.e }] };
}

const XML_TO_JWK: Record<string, string> = {
  Modulus: 'n',
  Exponent: 'e',
  D: 'd',
  P: 'p',
  Q: 'q',
  DP: 'dp',
  DQ: 'dq',
  InverseQ: 'qi',
};

/**
 * Reads an RSA key as the developer portal hands it out (`<RSAKeyValue><Modulus>…`, base64 fields)
 * or as PEM. A private key yields its private KeyObject; `publicOnly` gives the public half.
 */
export function parseRsaKey(text: string, publicOnly = false): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith('<')) {
    const jwk: Record<string, string> = { kty: 'RSA' };
    for (const [xml, name] of Object.entries(XML_TO_JWK)) {
      const m = new RegExp(`<${xml}>\\s*([^<]+?)\\s*</${xml}>`).exec(trimmed);
      if (m?.[1]) jwk[name] = Buffer.from(m[1], 'base64').toString('base64url');
    }
    if (!jwk.n || !jwk.e) throw new Error('RSA XML key without Modulus and Exponent');
    if (publicOnly || !jwk.d) return createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
    return createPrivateKey({ key: jwk, format: 'jwk' });
  }
  if (publicOnly || !/PRIVATE KEY/.test(trimmed)) return createPublicKey(trimmed);
  return createPrivateKey(trimmed);
}
