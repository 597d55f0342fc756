import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeEnvelope, ENVELOPE_HEADER_SIZE, FLAG_COMPRESSED } from './envelope.js';

describe('encodeEnvelope', () => {
  it('writes flags, big-endian length and payload into one buffer', () => {
    const out = encodeEnvelope(FLAG_COMPRESSED, Uint8Array.of(0xaa, 0xbb, 0xcc));
    assert.deepEqual([...out], [0x01, 0, 0, 0, 3, 0xaa, 0xbb, 0xcc]);
    assert.equal(out.byteLength, ENVELOPE_HEADER_SIZE + 3);
  });

  it('frames an empty payload as a bare header', () => {
    assert.deepEqual([...encodeEnvelope(0, new Uint8Array(0))], [0, 0, 0, 0, 0]);
  });

  it('writes the length big-endian across all length bytes', () => {
    const payload = new Uint8Array(70_000).fill(5); // 0x00011170
    const out = encodeEnvelope(0, payload);
    assert.deepEqual([...out.subarray(0, 5)], [0, 0x00, 0x01, 0x11, 0x70]);
    assert.equal(out[5], 5);
    assert.equal(out[out.length - 1], 5);
  });

  it('copies a payload that is a view into a larger buffer, without neighbouring bytes', () => {
    const backing = Uint8Array.of(9, 9, 1, 2, 9);
    const out = encodeEnvelope(0, backing.subarray(2, 4));
    assert.deepEqual([...out], [0, 0, 0, 0, 2, 1, 2]);
  });
});
