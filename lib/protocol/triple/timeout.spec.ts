import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from '../../core/code.js';
import { formatTripleTimeout, parseTripleTimeout, readTripleTimeout } from './timeout.js';

function ms(headers: Record<string, string>): number | undefined {
  const result = readTripleTimeout(headers);
  if ('error' in result) throw result.error;
  return result.timeoutMs;
}

describe('parseTripleTimeout', () => {
  it('reads plain milliseconds, up to 10 digits', () => {
    assert.deepEqual(parseTripleTimeout(undefined, 'tri-service-timeout'), { timeoutMs: undefined });
    assert.deepEqual(parseTripleTimeout('100', 'tri-service-timeout'), { timeoutMs: 100 });
    assert.deepEqual(parseTripleTimeout('0', 'tri-service-timeout'), { timeoutMs: 0 });
    assert.deepEqual(parseTripleTimeout('9999999999', 'tri-service-timeout'), { timeoutMs: 9_999_999_999 });
  });

  it('rejects units, signs, spaces, 11 digits and empty values with INVALID_ARGUMENT naming the header', () => {
    for (const value of ['1s', '-5', '+5', ' 5', '5 ', '1.5', '', '12345678901', '1e3']) {
      const result = parseTripleTimeout(value, 'triple-timeout-ms');
      assert.ok('error' in result, value);
      assert.equal(result.error.code, Code.INVALID_ARGUMENT);
      assert.match(result.error.rawMessage, /triple-timeout-ms/);
    }
  });
});

describe('readTripleTimeout', () => {
  it('reads either Triple spelling and grpc-timeout; the shortest wins', () => {
    assert.equal(ms({}), undefined);
    assert.equal(ms({ 'tri-service-timeout': '250' }), 250);
    assert.equal(ms({ 'triple-timeout-ms': '300' }), 300);
    assert.equal(ms({ 'grpc-timeout': '2S' }), 2000);
    assert.equal(ms({ 'grpc-timeout': '1500u' }), 2);
    assert.equal(ms({ 'tri-service-timeout': '500', 'triple-timeout-ms': '200', 'grpc-timeout': '1S' }), 200);
  });

  it('fails when any present header is malformed', () => {
    const result = readTripleTimeout({ 'tri-service-timeout': '100', 'grpc-timeout': '100' });
    assert.ok('error' in result);
    assert.equal(result.error.code, Code.INVALID_ARGUMENT);
  });
});

describe('formatTripleTimeout', () => {
  it('rounds up, clamps to 10 digits and sends 0 for expired deadlines', () => {
    assert.equal(formatTripleTimeout(100), '100');
    assert.equal(formatTripleTimeout(0.2), '1');
    assert.equal(formatTripleTimeout(-1), '0');
    assert.equal(formatTripleTimeout(Number.NaN), '0');
    assert.equal(formatTripleTimeout(1e12), '9999999999');
  });
});
