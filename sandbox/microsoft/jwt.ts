// The simulator's token signing key, its JWKS, and RS256 JWTs signed and checked with node's crypto.
// Clients never verify these (msal decodes the id_token without checking it, Graph tokens are opaque
// to apps), but the simulator's Graph half does, so a forged or foreign token is refused as Graph
// would refuse it.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** PKCS#8 PEM, for keeping the key across restarts. */
  pem: string;
}

export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  // Entra's kids are base64 SHA-1 thumbprints; any stable value works.
  const kid = createHash('sha1').update(der).digest('base64url');
  return { kid, privateKey, publicKey, pem };
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export function signJwt(key: SigningKey, payload: Record<string, unknown>): string {
  const header = { typ: 'JWT', alg: 'RS256', x5t: key.kid, kid: key.kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(sign('RSA-SHA256', Buffer.from(input), key.privateKey))}`;
}

/** The payload of a token this key signed, or null for anything else (malformed, foreign, tampered). */
export function verifyJwt(key: SigningKey, token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown };
    if (header.alg !== 'RS256' || header.kid !== key.kid) return null;
    if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key.publicKey, Buffer.from(s, 'base64url'))) return null;
    const payload: unknown = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function jwks(key: SigningKey): { keys: Record<string, unknown>[] } {
  const jwk = key.publicKey.export({ format: 'jwk' });
  return { keys: [{ kty: 'RSA', use: 'sig', kid: key.kid, x5t: key.kid, n: jwk.n, e: jwk.e }] };
}
