import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Codec } from './codec.js';
import { Code } from './code.js';
import { encodePlainFrame } from './plain-frame.js';
import { TripleError } from './triple-error.js';

/** A codec whose messages are byte strings, with or without encodeInto. */
function bytesCodec(withInto: boolean): Codec & { intoCalls: number } {
  const codec = {
    name: 'proto' as const,
    intoCalls: 0,
    encode: (m: unknown) => Buffer.from(m as Uint8Array),
    decode: (b: Uint8Array) => b,
    encodeInto: undefined as Codec['encodeInto'],
  };
  if (withInto) {
    codec.encodeInto = (m: unknown, target: Buffer, offset: number) => {
      codec.intoCalls++;
      const bytes = m as Uint8Array;
      if (offset + bytes.byteLength > target.byteLength) return Buffer.from(bytes);
      target.set(bytes, offset);
      return offset + bytes.byteLength;
    };
  }
  return codec;
}

function envelopeOf(frame: Uint8Array): { flags: number; length: number; body: Buffer } {
  const b = Buffer.from(frame);
  return { flags: b[0]!, length: b.readUInt32BE(1), body: b.subarray(5) };
}

describe('encodePlainFrame', () => {
  const message = Buffer.from('hello frame');

  it('encodes into the frame right after the header when the hint leaves room', () => {
    const codec = bytesCodec(true);
    const frame = encodePlainFrame(codec, message, message.length, 1024);
    assert.equal(codec.intoCalls, 1);
    assert.deepEqual(envelopeOf(frame), { flags: 0, length: message.length, body: message });
    assert.equal(frame.byteLength, 5 + message.length, 'the frame is trimmed to the message');
  });

  it('falls back to a frame of the returned bytes when the message outgrows the hint', () => {
    const codec = bytesCodec(true);
    const big = Buffer.alloc(5000, 9);
    const frame = encodePlainFrame(codec, big, 0, 1 << 20);
    assert.deepEqual(envelopeOf(frame), { flags: 0, length: big.length, body: big });
  });

  it('uses encode when the codec cannot encode into a buffer', () => {
    const frame = encodePlainFrame(bytesCodec(false), message, 0, 1024);
    assert.deepEqual(envelopeOf(frame), { flags: 0, length: message.length, body: message });
  });

  it('rejects a message over maxBytes with RESOURCE_EXHAUSTED, on every path', () => {
    const big = Buffer.alloc(100, 1);
    for (const [codec, hint] of [[bytesCodec(true), 100], [bytesCodec(true), 0], [bytesCodec(false), 0]] as const) {
      assert.throws(() => encodePlainFrame(codec, big, hint, 99), (e: unknown) => e instanceof TripleError && e.code === Code.RESOURCE_EXHAUSTED);
    }
  });
});
