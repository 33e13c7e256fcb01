// The app's RSA private key for the system-user flow. The SuperOffice developer portal hands it out
// in .NET's RSA XML format (<RSAKeyValue><Modulus>…); operators may also have converted it to PEM.
// Both are accepted; the XML elements are the same big-endian base64 numbers as a JWK's fields.
import { createPrivateKey, type KeyObject } from 'node:crypto';

export class RsaKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RsaKeyError';
  }
}

const XML_TO_JWK = { Modulus: 'n', Exponent: 'e', D: 'd', P: 'p', Q: 'q', DP: 'dp', DQ: 'dq', InverseQ: 'qi' } as const;

const b64url = (b64: string) => b64.replace(/\s+/g, '').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Never echoes the key: messages say what is wrong with it, not what it holds. */
export function parseRsaPrivateKey(text: string): KeyObject {
  const trimmed = text.trim().replace(/\\n/g, '\n');
  if (trimmed.startsWith('<')) {
    const jwk: Record<string, string> = { kty: 'RSA' };
    for (const [element, field] of Object.entries(XML_TO_JWK)) {
      const m = new RegExp(`<${element}>([^<]+)</${element}>`).exec(trimmed);
      if (!m) throw new RsaKeyError(`the RSA XML key has no <${element}> element (a private key needs all of ${Object.keys(XML_TO_JWK).join(', ')})`);
      jwk[field] = b64url(m[1]!);
    }
    try {
      return createPrivateKey({ key: jwk, format: 'jwk' });
    } catch {
      throw new RsaKeyError('the RSA XML key does not form a valid private key');
    }
  }
  try {
    const key = createPrivateKey(trimmed);
    if (key.asymmetricKeyType !== 'rsa') throw new RsaKeyError(`expected an RSA key, got ${key.asymmetricKeyType}`);
    return key;
  } catch (err) {
    if (err instanceof RsaKeyError) throw err;
    throw new RsaKeyError('the key is neither a PEM private key nor an RSA XML key');
  }
}
