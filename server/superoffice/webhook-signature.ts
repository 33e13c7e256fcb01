// SuperOffice signs a webhook delivery with base64(HMAC-SHA256(secret, raw body bytes)) in
// X-SuperOffice-Signature (specs/superoffice.md 4.4). Only the exact bytes received verify:
// re-serialised JSON would not.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signWebhookBody(secret: string, rawBody: Buffer): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/** Constant-time comparison, so the check leaks nothing about how much of a forged signature matched. */
export function verifyWebhookSignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhookBody(secret, rawBody), 'utf8');
  const given = Buffer.from(header.trim(), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
