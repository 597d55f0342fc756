import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from '../../core/code.js';
import { formatGrpcTimeout, parseGrpcTimeout } from './timeout.js';

function ms(value: string | undefined): number | undefined {
  const result = parseGrpcTimeout(value);
  if ('error' in result) throw result.error;
  return result.timeoutMs;
}

describe('parseGrpcTimeout', () => {
  it('means no deadline when absent', () => {
    assert.equal(ms(undefined), undefined);
  });

  it('converts every unit to milliseconds', () => {
    assert.equal(ms('2H'), 7_200_000);
    assert.equal(ms('3M'), 180_000);
    assert.equal(ms('5S'), 5000);
    assert.equal(ms('3000m'), 3000);
    assert.equal(ms('7000u'), 7);
    assert.equal(ms('29990000n'), 30); // 29.99 ms rounds up
    assert.equal(ms('99999999H'), 99_999_999 * 3_600_000);
  });

  it('rounds sub-millisecond values up to at least 1 ms', () => {
    assert.equal(ms('1u'), 1);
    assert.equal(ms('1n'), 1);
    assert.equal(ms('1500u'), 2);
    assert.equal(ms('1000001n'), 2);
  });

  it('treats zero as already expired', () => {
    assert.equal(ms('0m'), 0);
    assert.equal(ms('0n'), 0);
    assert.equal(ms('00000000S'), 0);
  });

  it('rejects malformed values with INVALID_ARGUMENT', () => {
    for (const bad of ['', '123456789m', '100', 'm', '-1m', '+1m', '1.5S', ' 1S', '1S ', '1s', '1x', '1 S', '1SS', '١S']) {
      const result = parseGrpcTimeout(bad);
      assert.ok('error' in result, `should reject ${JSON.stringify(bad)}`);
      assert.equal(result.error.code, Code.INVALID_ARGUMENT);
      assert.equal(result.error.rawMessage, `protocol error: invalid grpc timeout value: ${JSON.stringify(bad)}`);
    }
  });
});

describe('formatGrpcTimeout', () => {
  it('uses milliseconds when they fit in 8 digits', () => {
    assert.equal(formatGrpcTimeout(3000), '3000m');
    assert.equal(formatGrpcTimeout(99_999_999), '99999999m');
  });

  it('switches to coarser units, rounding up', () => {
    assert.equal(formatGrpcTimeout(100_000_000), '100000S');
    assert.equal(formatGrpcTimeout(100_000_001), '100001S');
    assert.equal(formatGrpcTimeout(99_999_999 * 1000 + 1), '1666667M');
    assert.equal(formatGrpcTimeout(99_999_999 * 60_000 + 1), '1666667H');
    assert.equal(formatGrpcTimeout(1e14), '27777778H');
    assert.equal(formatGrpcTimeout(Number.MAX_SAFE_INTEGER), '99999999H');
    assert.equal(formatGrpcTimeout(Infinity), '99999999H');
  });

  it('keeps sub-millisecond precision in microseconds', () => {
    assert.equal(formatGrpcTimeout(1.5), '1500u');
    assert.equal(formatGrpcTimeout(0.0001), '1u');
  });

  it('sends non-positive values as expired', () => {
    assert.equal(formatGrpcTimeout(0), '0m');
    assert.equal(formatGrpcTimeout(-5), '0m');
    assert.equal(formatGrpcTimeout(Number.NaN), '0m');
  });

  it('always produces something parseGrpcTimeout accepts, never shorter than asked', () => {
    for (const value of [1, 999, 1234.25, 100_000_000, 6e9 + 7, 1e12, 3.5e14]) {
      const text = formatGrpcTimeout(value);
      assert.match(text, /^\d{1,8}[HMSmun]$/);
      assert.ok(ms(text)! >= Math.ceil(value), `${value} -> ${text}`);
    }
  });
});
