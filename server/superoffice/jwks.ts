// SuperOffice's signing keys (specs/superoffice.md 2.4): RS256 keys from the environment's JWKS,
// picked by `kid` (server/security/jwks.ts); a refusal is an InvalidSuperOfficeToken. No SuperOffice
// document says its tokens carry a `kid` (its Python sample takes the first key of the set), so a
// token without one, or with one the set lacks, is checked against each key (docs/vendor-assumptions.md).
import { JwksKeys } from '../security/jwks.ts';
import { InvalidSuperOfficeToken } from './errors.ts';

export type { VerifyOptions } from '../security/jwks.ts';

export class SuperOfficeKeys extends JwksKeys {
  constructor(jwksUrl: string, fetchFn: typeof fetch = fetch) {
    super(jwksUrl, fetchFn, (reason) => new InvalidSuperOfficeToken(reason), "SuperOffice's signing keys", { tryEveryKey: true });
  }
}

/** Custom claims are URIs under this prefix; their values are strings ("5", "False"). */
export const CLAIM = (name: string) => `http://schemes.superoffice.net/identity/${name}`;
