import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code } from '../../core/code.js';
import { TripleError } from '../../core/triple-error.js';
import { formatGrpcTimeout, parseGrpcTimeout } from './timeout.js';

/** Property-based tests of the grpc-timeout header parser and formatter. */

test('any string parses to a non-negative whole number of ms, or INVALID_ARGUMENT; never throws', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 16, unit: 'binary' }), (value) => {
      const parsed = parseGrpcTimeout(value);
      if ('error' in parsed) {
        assert.ok(parsed.error instanceof TripleError && parsed.error.code === Code.INVALID_ARGUMENT);
        assert.doesNotMatch(value, /^\d{1,8}[HMSmun]$/);
      } else {
        assert.match(value, /^\d{1,8}[HMSmun]$/);
        assert.ok(Number.isSafeInteger(parsed.timeoutMs) && parsed.timeoutMs! >= 0);
      }
    }),
    { numRuns: 2000 },
  );
});

test('every well-formed value is accepted, sub-millisecond values round up', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 99_999_999 }), fc.constantFrom('H', 'M', 'S', 'm', 'u', 'n'), (amount, unit) => {
      const parsed = parseGrpcTimeout(`${amount}${unit}`);
      assert.ok(!('error' in parsed));
      const exact = amount * { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 }[unit]!;
      assert.ok(parsed.timeoutMs! >= exact - 1e-6 && parsed.timeoutMs! < exact + 1, `${amount}${unit} -> ${parsed.timeoutMs}`);
    }),
  );
});

test('format then parse never shortens a deadline, and always yields valid grammar', () => {
  fc.assert(
    fc.property(fc.double({ min: -10, max: 1e13, noNaN: true }), (ms) => {
      const text = formatGrpcTimeout(ms);
      assert.match(text, /^\d{1,8}[HMSmun]$/);
      const parsed = parseGrpcTimeout(text);
      assert.ok(!('error' in parsed));
      if (ms > 0 && ms < 99_999_999 * 3_600_000) assert.ok(parsed.timeoutMs! >= Math.floor(ms), `${ms} -> ${text} -> ${parsed.timeoutMs}`);
    }),
    { numRuns: 1000 },
  );
});
