import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code } from './code.js';
import { EnvelopeDecoder } from './envelope-decoder.js';
import { TripleError } from './triple-error.js';

/** Property-based tests of the envelope decoder: any chunking, any bytes. */

function encode(flags: number, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out[0] = flags;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}

/** Splits `bytes` at the given cut points (sorted, deduplicated, in range). */
function chunk(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(Buffer.from(bytes.subarray(last, p)));
    last = p;
  }
  out.push(Buffer.from(bytes.subarray(last)));
  return out;
}

const envelopes = fc.array(fc.record({ flags: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 20 });

test('any chunking of a valid envelope stream yields the same envelopes, in order', () => {
  fc.assert(
    fc.property(envelopes, fc.array(fc.nat(), { maxLength: 40 }), (items, cuts) => {
      const stream = Buffer.concat(items.map((e) => encode(e.flags, e.payload)));
      const decoder = new EnvelopeDecoder(1 << 20);
      const out = chunk(stream, cuts).flatMap((c) => [...decoder.push(c)]);
      decoder.finish();
      assert.equal(out.length, items.length);
      out.forEach((e, i) => {
        assert.equal(e.flags, items[i]!.flags);
        assert.deepEqual(Buffer.from(e.data), Buffer.from(items[i]!.payload));
      });
    }),
    { numRuns: 500 },
  );
});

test('arbitrary bytes: the decoder returns envelopes or throws a TripleError, never anything else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 20 }), fc.integer({ min: 0, max: 4096 }), (bytes, cuts, max) => {
      const decoder = new EnvelopeDecoder(max);
      let buffered = 0;
      try {
        for (const c of chunk(Buffer.from(bytes), cuts)) {
          for (const e of decoder.push(c)) {
            assert.ok(e.data.byteLength <= max, 'no envelope above readMaxBytes');
            buffered += e.data.byteLength;
          }
          // Never holds more than one incomplete envelope (header + at most max payload bytes).
          assert.ok(decoder.buffered <= 5 + max);
        }
        decoder.finish();
      } catch (e) {
        assert.ok(e instanceof TripleError, `threw ${String(e)}`);
        assert.ok(e.code === Code.RESOURCE_EXHAUSTED || e.code === Code.INVALID_ARGUMENT, e.message);
      }
      assert.ok(buffered <= bytes.length);
    }),
    { numRuns: 1000 },
  );
});

test('a header announcing more than readMaxBytes fails at once, before any payload is buffered', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 0xffffffff }), (max, announced) => {
      fc.pre(announced > max);
      const header = Buffer.alloc(5);
      header.writeUInt32BE(announced, 1);
      const decoder = new EnvelopeDecoder(max);
      assert.throws(() => decoder.push(header), (e: unknown) => e instanceof TripleError && e.code === Code.RESOURCE_EXHAUSTED);
      assert.equal(decoder.buffered, 0);
      // Broken stays broken: no resync on what follows.
      assert.throws(() => decoder.push(Buffer.alloc(3)), TripleError);
    }),
  );
});
