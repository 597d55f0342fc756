import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeBinaryHeader, encodeBinaryHeader } from './binary-header.js';
import { Code } from './code.js';
import { Metadata } from './metadata.js';
import { TripleError } from './triple-error.js';

/** Property-based tests of -bin metadata: base64 round trips, and garbage is INVALID_ARGUMENT. */

test('any bytes round-trip through encodeBinaryHeader / decodeBinaryHeader', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
      const text = encodeBinaryHeader(bytes);
      assert.match(text, /^[A-Za-z0-9+/]*$/, 'unpadded standard base64');
      assert.deepEqual(decodeBinaryHeader(text), Buffer.from(bytes));
    }),
    { numRuns: 500 },
  );
});

test('padded and url-safe spellings decode to the same bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      const padded = Buffer.from(bytes).toString('base64');
      const url = Buffer.from(bytes).toString('base64url');
      assert.deepEqual(decodeBinaryHeader(padded), Buffer.from(bytes));
      assert.deepEqual(decodeBinaryHeader(url), Buffer.from(bytes));
    }),
  );
});

test('any string either decodes or fails with INVALID_ARGUMENT', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 64, unit: 'binary' }), (value) => {
      try {
        decodeBinaryHeader(value);
      } catch (e) {
        assert.ok(e instanceof TripleError && e.code === Code.INVALID_ARGUMENT, String(e));
      }
    }),
    { numRuns: 1000 },
  );
});

test('Metadata.fromHeaders: -bin values round-trip, comma-joined lists split, garbage is a TripleError', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 5 }), fc.string({ maxLength: 20, unit: 'binary' }), (values, garbage) => {
      const md = Metadata.fromHeaders({ 'x-data-bin': values.map(encodeBinaryHeader).join(', ') }, new Set());
      assert.deepEqual(md.getAll('x-data-bin'), values.map((v) => Buffer.from(v)));
      try {
        Metadata.fromHeaders({ 'x-data-bin': garbage }, new Set());
      } catch (e) {
        assert.ok(e instanceof TripleError && e.code === Code.INVALID_ARGUMENT, String(e));
      }
    }),
  );
});
