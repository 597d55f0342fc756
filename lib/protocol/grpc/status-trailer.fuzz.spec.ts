import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code } from '../../core/code.js';
import { TripleError } from '../../core/triple-error.js';
import { decodeGrpcMessage, encodeGrpcMessage, errorTrailers, trailersToError } from './status-trailer.js';

/** Property-based tests of grpc-message percent-encoding and of reading peers' trailers. */

test('any message round-trips through encodeGrpcMessage / decodeGrpcMessage', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200, unit: 'grapheme' }), (message) => {
      const wire = encodeGrpcMessage(message);
      assert.match(wire, /^[\x20-\x7e]*$/, 'only printable ASCII goes on the wire');
      assert.equal(decodeGrpcMessage(wire), message);
    }),
    { numRuns: 1000 },
  );
});

test('decoding arbitrary header text (latin1, stray %) never throws and is idempotent on plain text', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 100, unit: 'binary' }).map((s) => Buffer.from(s, 'utf8').toString('latin1')), (value) => {
      const decoded = decodeGrpcMessage(value);
      assert.equal(typeof decoded, 'string');
      if (!/[%\x80-\xff]/.test(value)) assert.equal(decoded, value);
    }),
    { numRuns: 1000 },
  );
});

test('errorTrailers -> trailersToError keeps code and message; random trailers never throw', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 16 }), fc.string({ maxLength: 80 }), (code, message) => {
      const back = trailersToError(errorTrailers(new TripleError(code as Code, message)) as Record<string, string>);
      assert.ok(back);
      assert.equal(back.code, code);
      assert.equal(back.rawMessage, message);
    }),
  );
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom('grpc-status', 'grpc-message', 'grpc-status-details-bin', 'x-a-bin', 'x-b'), fc.string({ maxLength: 30, unit: 'binary' })), (headers) => {
      const result = trailersToError(headers);
      if (result !== undefined) assert.ok(result instanceof TripleError);
    }),
    { numRuns: 1000 },
  );
});
