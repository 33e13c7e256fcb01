// An identity provider's signing keys, from its JWKS URL, and RS256 JWT verification with them.
// Keys are picked by `kid` and cached; an unknown `kid` refreshes the set once (keys rotate), at most
// once a minute, so a stream of forged tokens cannot make us hammer the provider. SuperOffice's
// tokens and Entra ID's id_tokens are both checked here; each caller names the error it throws.
// Entra documents `kid`, so its tokens must name a key of the set. SuperOffice documents none (its
// Python sample takes the first key of the set), so its keys turn on `tryEveryKey`: a token with no
// `kid`, or one the set does not name even after the refresh, is checked against each RSA signing
// key in turn, and only the key whose signature verifies it goes on to the full check.
import { createPublicKey, verify as verifySignature, type JsonWebKey, type KeyObject } from 'node:crypto';
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

export interface JwksOptions {
  /** A token without `kid`, or with one the set does not name, may be signed by any key of the set. */
  tryEveryKey?: boolean;
}

const MIN_REFRESH_MS = 60_000;

export class JwksKeys {
  private keys = new Map<string, KeyObject>();
  /** Every RSA signing key of the set, with or without a `kid` (for `tryEveryKey`). */
  private all: KeyObject[] = [];
  private fetchedAt = 0;
  private loading: Promise<void> | undefined;

  /** `invalid` makes the error every refusal is thrown as (the caller's domain error). */
  constructor(
    private readonly jwksUrl: string,
    private readonly fetchFn: typeof fetch,
    private readonly invalid: (reason: string) => Error,
    private readonly what = 'the signing keys',
    private readonly opts: JwksOptions = {},
  ) {}

  private async load(): Promise<void> {
    const res = await this.fetchFn(this.jwksUrl, { headers: { accept: 'application/json' } });
    if (!res.ok) throw this.invalid(`could not read ${this.what} (HTTP ${res.status})`);
    const body = (await res.json()) as { keys?: Jwk[] };
    const next = new Map<string, KeyObject>();
    const all: KeyObject[] = [];
    for (const k of body.keys ?? []) {
      if (k.kty !== 'RSA' || (k.use && k.use !== 'sig')) continue;
      if (!k.kid && !this.opts.tryEveryKey) continue;
      const key = createPublicKey({ key: k as unknown as JsonWebKey, format: 'jwk' });
      if (k.kid) next.set(k.kid, key);
      all.push(key);
    }
    this.keys = next;
    this.all = all;
    this.fetchedAt = Date.now();
  }

  /** Reads the set again unless it was read within the last minute. */
  private async refresh(): Promise<void> {
    if (Date.now() - this.fetchedAt < MIN_REFRESH_MS) return;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    await this.loading;
  }

  private async key(kid: string): Promise<KeyObject> {
    if (!this.keys.has(kid)) await this.refresh();
    const key = this.keys.get(kid);
    if (!key) throw this.invalid(`unknown signing key id ${JSON.stringify(kid)}`);
    return key;
  }

  /** The key of the set whose RS256 signature verifies `token`, if any. */
  private signer(token: string): KeyObject | undefined {
    const dot = token.lastIndexOf('.');
    const signed = Buffer.from(token.slice(0, dot));
    const signature = Buffer.from(token.slice(dot + 1), 'base64url');
    return this.all.find((k) => verifySignature('RSA-SHA256', signed, k, signature));
  }

  /** A token that names no key, or one the set lacks after the refresh `key()` made. */
  private async anyKey(token: string, kid: string | undefined): Promise<KeyObject> {
    let key = this.signer(token);
    // With a kid, key() has just refreshed (or may not yet); without one, the set may be stale.
    if (!key && kid === undefined) {
      await this.refresh();
      key = this.signer(token);
    }
    if (!key) {
      const named = kid === undefined ? 'the token names no key id' : `the token names the unknown key id ${JSON.stringify(kid)}`;
      throw this.invalid(`invalid signature: no key of ${this.what} verifies it (${named})`);
    }
    return key;
  }

  private async keyFor(token: string, kid: string | undefined): Promise<KeyObject> {
    if (!this.opts.tryEveryKey) {
      if (!kid) throw this.invalid('no key id (kid) in the header');
      return this.key(kid);
    }
    if (kid) {
      if (!this.keys.has(kid)) await this.refresh();
      // A kid the set names picks that key alone: a signature by another key is still refused.
      const named = this.keys.get(kid);
      if (named) return named;
    }
    return this.anyKey(token, kid || undefined);
  }

  /** Verifies an RS256 JWT: signature (by `kid`, see above), issuer, audience, expiry (and nonce when given). */
  async verify(token: string, opts: VerifyOptions): Promise<jwt.JwtPayload> {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === 'string') throw this.invalid('not a JWT');
    if (decoded.header.alg !== 'RS256') throw this.invalid(`algorithm ${decoded.header.alg} is not RS256`);
    const key = await this.keyFor(token, decoded.header.kid);
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
