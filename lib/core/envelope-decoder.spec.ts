import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from './code.js';
import { encodeEnvelope, FLAG_COMPRESSED, type Envelope } from './envelope.js';
import { EnvelopeDecoder } from './envelope-decoder.js';
import { TripleError } from './triple-error.js';

function simplify(envelopes: readonly Envelope[]): Array<[number, number[]]> {
  return envelopes.map((e) => [e.flags, [...e.data]]);
}

const first = Uint8Array.of(1, 2, 3);
const second = new Uint8Array(0);
const third = Uint8Array.of(7, 8, 9, 10, 11, 12, 13);
const stream = Buffer.concat([encodeEnvelope(0, first), encodeEnvelope(FLAG_COMPRESSED, second), encodeEnvelope(0, third)]);
const expected: Array<[number, number[]]> = [[0, [1, 2, 3]], [1, []], [0, [7, 8, 9, 10, 11, 12, 13]]];

function isCode(code: Code, text?: string) {
  return (e: unknown) => e instanceof TripleError && e.code === code && (text === undefined || e.rawMessage === text);
}

describe('EnvelopeDecoder', () => {
  it('returns several envelopes from one chunk, as views of that chunk', () => {
    const decoder = new EnvelopeDecoder(1024);
    const chunk = new Uint8Array(stream); // own memory, not Buffer's shared pool
    const out = decoder.push(chunk);
    assert.deepEqual(simplify(out), expected);
    chunk[5] = 99;
    assert.equal(out[0]!.data[0], 99, 'a whole envelope must be a view, not a copy');
    assert.equal(decoder.buffered, 0);
    decoder.finish();
  });

  it('decodes the same envelopes for a split at every byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new EnvelopeDecoder(1024);
      const got = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      assert.deepEqual(simplify(got), expected, `split at ${cut}`);
      decoder.finish();
    }
  });

  it('decodes the same envelopes for every pair of split points', () => {
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const decoder = new EnvelopeDecoder(1024);
        const got = [
          ...decoder.push(stream.subarray(0, a)),
          ...decoder.push(stream.subarray(a, b)),
          ...decoder.push(stream.subarray(b)),
        ];
        assert.deepEqual(simplify(got), expected, `split at ${a}/${b}`);
        decoder.finish();
      }
    }
  });

  it('decodes one byte at a time and reports buffered bytes meanwhile', () => {
    const decoder = new EnvelopeDecoder(1024);
    const got: Envelope[] = [];
    for (let i = 0; i < stream.length; i++) {
      got.push(...decoder.push(stream.subarray(i, i + 1)));
      if (i === 2) assert.equal(decoder.buffered, 3);
      if (i === 6) assert.equal(decoder.buffered, 2, 'header consumed, 2 payload bytes held');
    }
    assert.deepEqual(simplify(got), expected);
    assert.equal(decoder.buffered, 0);
    decoder.finish();
  });

  it('does not let a completed split envelope alias a later one', () => {
    const decoder = new EnvelopeDecoder(1024);
    const a = encodeEnvelope(0, Uint8Array.of(1, 1, 1, 1));
    const b = encodeEnvelope(0, Uint8Array.of(2, 2, 2, 2));
    decoder.push(a.subarray(0, 6));
    const [env1] = decoder.push(a.subarray(6));
    decoder.push(b.subarray(0, 6));
    decoder.push(b.subarray(6));
    assert.deepEqual([...env1!.data], [1, 1, 1, 1]);
  });

  it('returns an immutable empty result when nothing completed', () => {
    const decoder = new EnvelopeDecoder(1024);
    const none = decoder.push(stream.subarray(0, 2));
    assert.equal(none.length, 0);
    assert.throws(() => (none as Envelope[]).push({ flags: 0, data: first }), TypeError);
    assert.equal(decoder.push(stream.subarray(2, 3)).length, 0);
  });

  it('accepts a message exactly at the limit', () => {
    const decoder = new EnvelopeDecoder(3);
    assert.deepEqual(simplify(decoder.push(encodeEnvelope(0, first))), [[0, [1, 2, 3]]]);
  });

  it('rejects an over-limit header before any payload arrives', () => {
    const decoder = new EnvelopeDecoder(100);
    const header = Buffer.from([0, 0, 0, 0, 101]);
    assert.throws(() => decoder.push(header), isCode(Code.RESOURCE_EXHAUSTED, 'message size 101 is larger than configured max 100'));
    assert.equal(decoder.buffered, 0, 'payload must not be buffered');
    // The stream stays broken: later pushes and finish repeat the error.
    assert.throws(() => decoder.push(Buffer.alloc(10)), isCode(Code.RESOURCE_EXHAUSTED));
    assert.throws(() => decoder.finish(), isCode(Code.RESOURCE_EXHAUSTED));
  });

  it('rejects an over-limit header split across chunks', () => {
    const decoder = new EnvelopeDecoder(1000);
    decoder.push(Buffer.from([0, 0xff]));
    assert.throws(() => decoder.push(Buffer.from([0xff, 0xff, 0xff])), isCode(Code.RESOURCE_EXHAUSTED, 'message size 4294967295 is larger than configured max 1000'));
  });

  it('passes unknown flag bits through for the caller to judge', () => {
    const decoder = new EnvelopeDecoder(10);
    assert.deepEqual(simplify(decoder.push(encodeEnvelope(0x82, first))), [[0x82, [1, 2, 3]]]);
  });

  it('finish() rejects a truncated payload', () => {
    const decoder = new EnvelopeDecoder(1024);
    decoder.push(encodeEnvelope(0, third).subarray(0, 8));
    assert.throws(() => decoder.finish(), isCode(Code.INVALID_ARGUMENT, 'protocol error: incomplete envelope: promised 7 bytes, got 3'));
  });

  it('finish() rejects a truncated header', () => {
    const decoder = new EnvelopeDecoder(1024);
    decoder.push(Uint8Array.of(0, 0));
    assert.throws(() => decoder.finish(), isCode(Code.INVALID_ARGUMENT, 'protocol error: incomplete envelope: got 2 of 5 header bytes'));
  });

  it('finish() accepts an empty stream and a stream of empty chunks', () => {
    const decoder = new EnvelopeDecoder(1024);
    assert.equal(decoder.push(new Uint8Array(0)).length, 0);
    decoder.finish();
  });
});
