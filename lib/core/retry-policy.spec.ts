import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code } from './code.js';
import { DEFAULT_RETRY, resolveRetryOptions, retryDelay, shouldRetry } from './retry-policy.js';
import { TripleError } from './triple-error.js';

const unavailable = new TripleError(Code.UNAVAILABLE, 'down');
const base = { error: unavailable, unprocessed: false, committed: false, requestsConsumed: false };

describe('shouldRetry', () => {
  test('UNAVAILABLE that never reached the server is retried for any method', () => {
    assert.equal(shouldRetry({ ...base, unprocessed: true }, 'IDEMPOTENCY_UNKNOWN', DEFAULT_RETRY), true);
  });

  test('UNAVAILABLE that may have run is retried only for idempotent methods', () => {
    assert.equal(shouldRetry(base, 'IDEMPOTENCY_UNKNOWN', DEFAULT_RETRY), false);
    assert.equal(shouldRetry(base, 'IDEMPOTENT', DEFAULT_RETRY), true);
    assert.equal(shouldRetry(base, 'NO_SIDE_EFFECTS', DEFAULT_RETRY), true);
  });

  test('other codes only when listed, and only for idempotent methods', () => {
    const aborted = { ...base, error: new TripleError(Code.ABORTED, 'x') };
    assert.equal(shouldRetry(aborted, 'IDEMPOTENT', DEFAULT_RETRY), false);
    const policy = resolveRetryOptions({ retryableCodes: [Code.ABORTED] });
    assert.equal(shouldRetry(aborted, 'IDEMPOTENT', policy), true);
    assert.equal(shouldRetry({ ...aborted, unprocessed: true }, 'IDEMPOTENCY_UNKNOWN', policy), false);
  });

  test('never once committed or once request messages were consumed', () => {
    assert.equal(shouldRetry({ ...base, unprocessed: true, committed: true }, 'IDEMPOTENT', DEFAULT_RETRY), false);
    assert.equal(shouldRetry({ ...base, unprocessed: true, requestsConsumed: true }, 'IDEMPOTENT', DEFAULT_RETRY), false);
  });
});

describe('retry options', () => {
  test('defaults, false, and validation', () => {
    assert.equal(resolveRetryOptions(undefined).maxAttempts, 3);
    assert.equal(resolveRetryOptions(false).maxAttempts, 1);
    assert.equal(resolveRetryOptions({ maxAttempts: 5, initialBackoffMs: undefined }).initialBackoffMs, 100);
    assert.throws(() => resolveRetryOptions({ maxAttempts: 0 }), /maxAttempts/);
    assert.throws(() => resolveRetryOptions({ maxAttempts: 11 }), /maxAttempts/);
    assert.throws(() => resolveRetryOptions({ multiplier: 0.5 }), /multiplier/);
    assert.throws(() => resolveRetryOptions({ retryableCodes: [Code.OK] }), /retryableCodes/);
  });

  test('delay bound grows by the multiplier up to maxBackoffMs (full jitter)', () => {
    const policy = resolveRetryOptions({ initialBackoffMs: 100, multiplier: 2, maxBackoffMs: 300 });
    const max = () => 0.99999;
    assert.equal(retryDelay(1, policy, max), 99);
    assert.equal(retryDelay(2, policy, max), 199);
    assert.equal(retryDelay(3, policy, max), 299);
    assert.equal(retryDelay(1, policy, () => 0), 0);
  });
});
