// The signed system-user token (specs/superoffice.md 3): "<system_token>.<UTC yyyyMMddHHmm>" signed
// with RSA-SHA256 (PKCS#1 v1.5) by the app's private key, signature appended in base64.
import { createSign, type KeyObject } from 'node:crypto';

export function utcMinuteStamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}`;
}

export function signSystemUserToken(systemToken: string, key: KeyObject, now: Date = new Date()): string {
  const data = `${systemToken}.${utcMinuteStamp(now)}`;
  const signature = createSign('RSA-SHA256').update(data, 'utf8').sign(key, 'base64');
  return `${data}.${signature}`;
}
