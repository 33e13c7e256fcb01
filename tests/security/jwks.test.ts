// JwksKeys: keys picked by `kid`; with `tryEveryKey` (SuperOffice, which documents no `kid`) a token
// that names no key, or one the set lacks, is tried against each key of the set. The set is served
// from memory here; tests/superoffice/jwks.test.ts does the same against the simulator's tickets.
import { test, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { JwksKeys } from '../../server/security/jwks.ts';

class Refused extends Error {}

const ISSUER = 'https://issuer.example';
const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const listed = pair();
const unnamed = pair();
const foreign = pair();

function jwk(publicKey: KeyObject, kid?: string) {
  return { ...publicKey.export({ format: 'jwk' }), use: 'sig', ...(kid && { kid }) };
}

/** A JWKS endpoint whose keys a test can rotate; counts the reads. */
function jwksServer(initial: object[]) {
  let keys = initial;
  const served = {
    reads: 0,
    rotate(next: object[]) {
      keys = next;
    },
    fetch: (async () => {
      served.reads++;
      return Response.json({ keys });
    }) as typeof fetch,
  };
  return served;
}

function token(privateKey: KeyObject, opts: { kid?: string; audience?: string; expiresIn?: number } = {}): string {
  return jwt.sign({ sub: 's' }, privateKey, {
    algorithm: 'RS256',
    issuer: ISSUER,
    audience: opts.audience ?? 'aud',
    expiresIn: opts.expiresIn ?? 300,
    ...(opts.kid !== undefined && { keyid: opts.kid }),
  });
}

const keys = (fetchFn: typeof fetch, tryEveryKey: boolean) =>
  new JwksKeys('https://issuer.example/jwks', fetchFn, (reason) => new Refused(reason), 'the test keys', { tryEveryKey });

const refusedFor = (pattern: RegExp) => (e: Error) => {
  assert.ok(e instanceof Refused, e.message);
  assert.match(e.message, pattern);
  return true;
};

afterEach(() => mock.timers.reset());

test('with tryEveryKey a token without kid, or with an unknown one, is verified by the key of the set that signed it; strict keys (Entra) refuse both', async () => {
  const server = jwksServer([jwk(listed.publicKey, 'a'), jwk(unnamed.publicKey)]);
  const lenient = keys(server.fetch, true);
  const opts = { issuer: ISSUER, audience: 'aud' };
  assert.equal((await lenient.verify(token(listed.privateKey), opts)).sub, 's');
  assert.equal((await lenient.verify(token(unnamed.privateKey), opts)).sub, 's', 'a key the set lists without a kid');
  assert.equal((await lenient.verify(token(listed.privateKey, { kid: 'rotated-away' }), opts)).sub, 's');
  assert.equal((await lenient.verify(token(listed.privateKey, { kid: 'a' }), opts)).sub, 's');

  // The claims stay as strict as with a kid.
  await assert.rejects(lenient.verify(token(listed.privateKey, { audience: 'other' }), opts), refusedFor(/audience/));
  await assert.rejects(lenient.verify(token(unnamed.privateKey, { expiresIn: -120 }), opts), refusedFor(/expired/));
  await assert.rejects(lenient.verify(token(listed.privateKey), { ...opts, issuer: 'https://other.example' }), refusedFor(/issuer/));

  const strict = keys(server.fetch, false);
  await assert.rejects(strict.verify(token(listed.privateKey), opts), refusedFor(/no key id/));
  await assert.rejects(strict.verify(token(listed.privateKey, { kid: 'rotated-away' }), opts), refusedFor(/unknown signing key id/));
  assert.equal((await strict.verify(token(listed.privateKey, { kid: 'a' }), opts)).sub, 's');
});

test('a token without kid, or with an unknown one, signed by a foreign key is refused on its signature; the set is read at most once a minute for such tokens', async () => {
  mock.timers.enable({ apis: ['Date'], now: Date.now() });
  const server = jwksServer([jwk(listed.publicKey, 'a'), jwk(unnamed.publicKey)]);
  const lenient = keys(server.fetch, true);
  const opts = { issuer: ISSUER, audience: 'aud' };
  for (let i = 0; i < 3; i++) {
    await assert.rejects(lenient.verify(token(foreign.privateKey), opts), refusedFor(/invalid signature.*names no key id/));
    await assert.rejects(lenient.verify(token(foreign.privateKey, { kid: `forged-${i}` }), opts), refusedFor(/invalid signature.*unknown key id "forged-/));
  }
  // A kid the set names picks that key alone, even when another key of the set signed.
  await assert.rejects(lenient.verify(token(unnamed.privateKey, { kid: 'a' }), opts), refusedFor(/invalid signature/));
  assert.equal(server.reads, 1, 'the first token read the set; the others within the minute did not');

  mock.timers.tick(61_000);
  await assert.rejects(lenient.verify(token(foreign.privateKey), opts), refusedFor(/invalid signature/));
  assert.equal(server.reads, 2, 'a minute on, one more read');
});

test('after a key rotation a token without kid signed by the new key is accepted after one refresh', async () => {
  mock.timers.enable({ apis: ['Date'], now: Date.now() });
  const server = jwksServer([jwk(listed.publicKey, 'a')]);
  const lenient = keys(server.fetch, true);
  const opts = { issuer: ISSUER, audience: 'aud' };
  assert.equal((await lenient.verify(token(listed.privateKey), opts)).sub, 's');
  const next = pair();
  server.rotate([jwk(next.publicKey, 'b')]);
  mock.timers.tick(61_000);
  assert.equal((await lenient.verify(token(next.privateKey), opts)).sub, 's');
  assert.equal(server.reads, 2);
  // The old key is gone from the set: its tokens no longer verify.
  await assert.rejects(lenient.verify(token(listed.privateKey), opts), refusedFor(/invalid signature/));
  assert.equal(server.reads, 2, 'within the minute the set is not read again');
});
