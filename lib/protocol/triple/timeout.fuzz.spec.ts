import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code } from '../../core/code.js';
import { TripleError } from '../../core/triple-error.js';
import { parseTripleTimeout, readTripleTimeout } from './timeout.js';

/** Property-based tests of the Triple timeout headers (tri-service-timeout, triple-timeout-ms). */

test('any string parses to whole ms or INVALID_ARGUMENT; never throws', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 14, unit: 'binary' }), (value) => {
      const parsed = parseTripleTimeout(value, 'tri-service-timeout');
      if ('error' in parsed) {
        assert.ok(parsed.error instanceof TripleError && parsed.error.code === Code.INVALID_ARGUMENT);
        assert.doesNotMatch(value, /^\d{1,10}$/);
      } else {
        assert.equal(parsed.timeoutMs, Number(value));
      }
    }),
    { numRuns: 2000 },
  );
});

test('several headers: the shortest valid deadline wins; one malformed header fails the request', () => {
  const digits = fc.integer({ min: 0, max: 9_999_999_999 }).map(String);
  fc.assert(
    fc.property(fc.option(digits), fc.option(digits), fc.option(fc.string({ maxLength: 8, unit: 'binary' })), (tri, triple, junk) => {
      const headers: Record<string, string> = {};
      if (tri !== null) headers['tri-service-timeout'] = tri;
      if (triple !== null) headers['triple-timeout-ms'] = triple;
      if (junk !== null) headers['grpc-timeout'] = junk;
      const result = readTripleTimeout(headers);
      const junkValid = junk === null || /^\d{1,8}[HMSmun]$/.test(junk);
      if (!junkValid) {
        assert.ok('error' in result && result.error.code === Code.INVALID_ARGUMENT);
        return;
      }
      assert.ok(!('error' in result));
      const candidates = [tri, triple].filter((v): v is string => v !== null).map(Number);
      if (candidates.length > 0) assert.ok(result.timeoutMs! <= Math.min(...candidates));
      if (candidates.length === 0 && junk === null) assert.equal(result.timeoutMs, undefined);
    }),
    { numRuns: 1000 },
  );
});
