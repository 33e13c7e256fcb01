import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { parseRsaPrivateKey, RsaKeyError } from '../../server/superoffice/rsa-key.ts';
import { signSystemUserToken, utcMinuteStamp } from '../../server/superoffice/system-user-token.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;

/** The portal's .NET RSA XML form of the same key. */
function toRsaXml(): string {
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>;
  const b64 = (v: string) => Buffer.from(v, 'base64url').toString('base64');
  const el = (name: string, v: string) => `<${name}>${b64(v)}</${name}>`;
  return `<RSAKeyValue>${el('Modulus', jwk.n!)}${el('Exponent', jwk.e!)}${el('P', jwk.p!)}${el('Q', jwk.q!)}${el('DP', jwk.dp!)}${el('DQ', jwk.dq!)}${el('InverseQ', jwk.qi!)}${el('D', jwk.d!)}</RSAKeyValue>`;
}

function verifies(signed: string): boolean {
  const i = signed.lastIndexOf('.');
  return createVerify('RSA-SHA256').update(signed.slice(0, i), 'utf8').verify(publicKey, signed.slice(i + 1), 'base64');
}

test('the signed token is <system_token>.<UTC yyyyMMddHHmm>.<base64 RSA-SHA256>', () => {
  const now = new Date(Date.UTC(2025, 0, 31, 14, 5, 59));
  const signed = signSystemUserToken('MyApp-2d2D5KmBji', parseRsaPrivateKey(pem), now);
  assert.match(signed, /^MyApp-2d2D5KmBji\.202501311405\.[A-Za-z0-9+/]+=*$/);
  assert.ok(verifies(signed));
  assert.ok(!verifies(signed.replace('202501311405', '202501311406')), 'the timestamp is covered by the signature');
});

test('a UTC minute stamp does not depend on the local time zone', () => {
  assert.equal(utcMinuteStamp(new Date('2026-11-25T23:59:00-05:00')), '202611260459');
});

test('the portal\'s RSA XML key and its PEM form sign alike', () => {
  const now = new Date();
  const fromXml = signSystemUserToken('App-x', parseRsaPrivateKey(toRsaXml()), now);
  const fromPem = signSystemUserToken('App-x', parseRsaPrivateKey(pem), now);
  assert.equal(fromXml, fromPem, 'PKCS#1 v1.5 signatures are deterministic');
  // An environment variable often carries the PEM with literal \n.
  assert.ok(verifies(signSystemUserToken('App-x', parseRsaPrivateKey(pem.replace(/\n/g, '\\n')), now)));
});

test('a broken key is refused with a message that does not echo it', () => {
  const xml = toRsaXml().replace(/<D>[^<]+<\/D>/, '');
  assert.throws(() => parseRsaPrivateKey(xml), (e: Error) => e instanceof RsaKeyError && /<D>/.test(e.message) && !e.message.includes('Modulus>'));
  assert.throws(() => parseRsaPrivateKey('-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----'), (e: Error) => e instanceof RsaKeyError && !e.message.includes('not a key'));
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  assert.throws(() => parseRsaPrivateKey(ec), /expected an RSA key/);
});
