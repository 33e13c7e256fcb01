import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetryLaterError, retryAfterMs } from '../../server/jobs/errors.ts';

test('RetryLaterError carries its delay and refuses a nonsensical one', () => {
  const e = new RetryLaterError(1500, 'Graph said 429');
  assert.equal(e.delayMs, 1500);
  assert.equal(e.message, 'Graph said 429');
  assert.equal(e.name, 'RetryLaterError');
  assert.ok(e instanceof Error);
  assert.throws(() => new RetryLaterError(-1, 'x'), RangeError);
  assert.throws(() => new RetryLaterError(Number.NaN, 'x'), RangeError);
});

test('retryAfterMs reads both forms of Retry-After', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  assert.equal(retryAfterMs('120', now), 120_000);
  assert.equal(retryAfterMs('Wed, 25 Nov 2026 12:00:30 GMT', now), 30_000);
  assert.equal(retryAfterMs('Wed, 25 Nov 2026 11:00:00 GMT', now), 0);
  assert.equal(retryAfterMs('soon', now), undefined);
  assert.equal(retryAfterMs(undefined, now), undefined);
});
