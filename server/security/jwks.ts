// An identity provider's signing keys, from its JWKS URL, and RS256 JWT verification with them.
// Keys are picked by `kid` and cached; an unknown `kid` refreshes the set once (keys rotate), at most
// once a minute, so a stream of forged tokens cannot make us hammer the provider. SuperOffice's
// tokens and Entra ID's id_tokens are both checked here; each caller names the error it throws.
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

interface Jwk {
  kid?: string;
  kty: string;
  use?: string;
}

export interface VerifyOptions {
  issuer: string;
  /** Checked when given; a tenant's serial (the system-user audience) may not be known yet. */
  audience?: string;
  nonce?: string;
}

const MIN_REFRESH_MS = 60_000;

export class JwksKeys {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = 0;
  private loading: Promise<void> | undefined;

  /** `invalid` makes the error every refusal is thrown as (the caller's domain error). */
  constructor(
    private readonly jwksUrl: string,
    private readonly fetchFn: typeof fetch,
    private readonly invalid: (reason: string) => Error,
    private readonly what = 'the signing keys',
  ) {}

  private async load(): Promise<void> {
    const res = await this.fetchFn(this.jwksUrl, { headers: { accept: 'application/json' } });
    if (!res.ok) throw this.invalid(`could not read ${this.what} (HTTP ${res.status})`);
    const body = (await res.json()) as { keys?: Jwk[] };
    const next = new Map<string, KeyObject>();
    for (const k of body.keys ?? []) {
      if (k.kty !== 'RSA' || !k.kid || (k.use && k.use !== 'sig')) continue;
      next.set(k.kid, createPublicKey({ key: k as unknown as JsonWebKey, format: 'jwk' }));
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
    if (!key) throw this.invalid(`unknown signing key id ${JSON.stringify(kid)}`);
    return key;
  }

  /** Verifies an RS256 JWT: signature by `kid`, issuer, audience, expiry (and nonce when given). */
  async verify(token: string, opts: VerifyOptions): Promise<jwt.JwtPayload> {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === 'string') throw this.invalid('not a JWT');
    if (decoded.header.alg !== 'RS256') throw this.invalid(`algorithm ${decoded.header.alg} is not RS256`);
    if (!decoded.header.kid) throw this.invalid('no key id (kid) in the header');
    const key = await this.key(decoded.header.kid);
    try {
      return jwt.verify(token, key, {
        algorithms: ['RS256'],
        issuer: opts.issuer,
        ...(opts.audience !== undefined && { audience: opts.audience }),
        clockTolerance: 30,
        ...(opts.nonce !== undefined && { nonce: opts.nonce }),
      }) as jwt.JwtPayload;
    } catch (err) {
      throw this.invalid((err as Error).message);
    }
  }
}
