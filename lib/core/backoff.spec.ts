import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Backoff, checkBackoff, DEFAULT_RECONNECT_BACKOFF, jittered } from './backoff.js';

describe('Backoff', () => {
  test('grows by the multiplier up to the cap, and reset() starts over', () => {
    const b = new Backoff({ initialMs: 100, multiplier: 2, jitter: 0, maxMs: 500 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 500, 500]);
    b.reset();
    assert.equal(b.next(), 100);
  });

  test('jitter spreads each delay within ±jitter', () => {
    assert.equal(jittered(1000, 0.2, () => 0), 800);
    assert.equal(jittered(1000, 0.2, () => 1), 1200);
    assert.equal(jittered(1000, 0.2, () => 0.5), 1000);
  });

  test('jitter 1 is full jitter: uniform in [0, delay)', () => {
    assert.equal(jittered(1000, 1, () => 0), 0);
    assert.equal(jittered(1000, 1, () => 0.999), 999);
  });

  test('defaults are gRPC connection backoff and validate', () => {
    assert.deepEqual({ ...DEFAULT_RECONNECT_BACKOFF }, { initialMs: 1000, multiplier: 1.6, jitter: 0.2, maxMs: 120_000 });
    assert.equal(checkBackoff(DEFAULT_RECONNECT_BACKOFF), undefined);
    assert.match(checkBackoff({ ...DEFAULT_RECONNECT_BACKOFF, multiplier: 0.5 })!, /multiplier/);
    assert.match(checkBackoff({ ...DEFAULT_RECONNECT_BACKOFF, jitter: 2 })!, /jitter/);
    assert.match(checkBackoff({ ...DEFAULT_RECONNECT_BACKOFF, maxMs: 10 })!, /maxMs/);
  });
});
