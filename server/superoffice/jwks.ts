// SuperOffice's signing keys (specs/superoffice.md 2.4): RS256 keys from the environment's JWKS,
// picked by `kid`. Cached; an unknown `kid` refreshes the set once (keys rotate), at most once a
// minute so a stream of forged tokens cannot make us hammer the identity host.
import { createPublicKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { InvalidSuperOfficeToken } from './errors.ts';

interface Jwk {
  kid?: string;
  kty: string;
  use?: string;
  n?: string;
  e?: string;
}

export interface VerifyOptions {
  issuer: string;
  /** Checked when given; a tenant's serial (the system-user audience) may not be known yet. */
  audience?: string;
  nonce?: string;
}

const MIN_REFRESH_MS = 60_000;

export class SuperOfficeKeys {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly jwksUrl: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  private async load(): Promise<void> {
    const res = await this.fetchFn(this.jwksUrl, { headers: { accept: 'application/json' } });
    if (!res.ok) throw new InvalidSuperOfficeToken(`could not read SuperOffice's signing keys (HTTP ${res.status})`);
    const body = (await res.json()) as { keys?: Jwk[] };
    const next = new Map<string, KeyObject>();
    for (const k of body.keys ?? []) {
      if (k.kty !== 'RSA' || !k.kid || (k.use && k.use !== 'sig')) continue;
      next.set(k.kid, createPublicKey({ key: k as unknown as import('node:crypto').JsonWebKey, format: 'jwk' }));
    }
    this.keys = next;
    this.fetchedAt = Date.now();
  }

  async key(kid: string): Promise<KeyObject> {
    if (!this.keys.has(kid) && Date.now() - this.fetchedAt >= MIN_REFRESH_MS) {
      this.loading ??= this.load().finally(() => (this.loading = undefined));
      await this.loading;
    }
    const key = this.keys.get(kid);
    if (!key) throw new InvalidSuperOfficeToken(`unknown signing key id ${JSON.stringify(kid)}`);
    return key;
  }

  /** Verifies an RS256 JWT: signature by `kid`, issuer, audience, expiry (and nonce when given). */
  async verify(token: string, opts: VerifyOptions): Promise<jwt.JwtPayload> {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === 'string') throw new InvalidSuperOfficeToken('not a JWT');
    if (decoded.header.alg !== 'RS256') throw new InvalidSuperOfficeToken(`algorithm ${decoded.header.alg} is not RS256`);
    if (!decoded.header.kid) throw new InvalidSuperOfficeToken('no key id (kid) in the header');
    const key = await this.key(decoded.header.kid);
    let payload: jwt.JwtPayload;
    try {
      payload = jwt.verify(token, key, {
        algorithms: ['RS256'],
        issuer: opts.issuer,
        ...(opts.audience !== undefined && { audience: opts.audience }),
        clockTolerance: 30,
        ...(opts.nonce !== undefined && { nonce: opts.nonce }),
      }) as jwt.JwtPayload;
    } catch (err) {
      throw new InvalidSuperOfficeToken((err as Error).message);
    }
    return payload;
  }
}

/** Custom claims are URIs under this prefix; their values are strings ("5", "False"). */
export const CLAIM = (name: string) => `http://schemes.superoffice.net/identity/${name}`;
