import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { Code } from './code.js';
import { deflateCompression, gzipCompression } from './compression-gzip.js';
import { TripleError } from './triple-error.js';

function isCode(code: Code, text?: string) {
  return (e: unknown) => e instanceof TripleError && e.code === code && (text === undefined || e.rawMessage === text);
}

const text = Buffer.from('hello triple '.repeat(200));

describe('gzipCompression / deflateCompression', () => {
  it('round-trips and actually compresses', async () => {
    for (const c of [gzipCompression, deflateCompression]) {
      const packed = await c.compress(text);
      assert.ok(packed.byteLength < text.byteLength / 4, `${c.name} should shrink repetitive text`);
      assert.deepEqual(Buffer.from(await c.decompress(packed, text.byteLength)), text);
    }
  });

  it('uses the gzip and zlib formats (what other peers produce)', async () => {
    assert.equal(gzipCompression.name, 'gzip');
    assert.equal(deflateCompression.name, 'deflate');
    assert.deepEqual(Buffer.from(await gzipCompression.decompress(zlib.gzipSync(text), 1 << 20)), text);
    assert.deepEqual(Buffer.from(await deflateCompression.decompress(zlib.deflateSync(text), 1 << 20)), text);
    assert.deepEqual(zlib.gunzipSync(await gzipCompression.compress(text)), text);
    assert.deepEqual(zlib.inflateSync(await deflateCompression.compress(text)), text);
  });

  it('caps a decompression bomb at readMaxBytes', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024));
    assert.ok(bomb.byteLength < 64 * 1024);
    await assert.rejects(
      gzipCompression.decompress(bomb, 1024 * 1024),
      (e: unknown) =>
        isCode(Code.RESOURCE_EXHAUSTED, 'decompressed message size is larger than configured max 1048576')(e) &&
        // zlib itself stopped at the limit; the 16 MiB were never materialized
        ((e as TripleError).cause as NodeJS.ErrnoException | undefined)?.code === 'ERR_BUFFER_TOO_LARGE',
    );
    const zbomb = zlib.deflateSync(Buffer.alloc(4 * 1024 * 1024));
    await assert.rejects(deflateCompression.decompress(zbomb, 4096), isCode(Code.RESOURCE_EXHAUSTED));
  });

  it('accepts output exactly at the limit and rejects one byte more', async () => {
    const packed = await gzipCompression.compress(text);
    assert.equal((await gzipCompression.decompress(packed, text.byteLength)).byteLength, text.byteLength);
    await assert.rejects(gzipCompression.decompress(packed, text.byteLength - 1), isCode(Code.RESOURCE_EXHAUSTED));
  });

  it('handles a zero limit: empty output passes, anything else is too large', async () => {
    const empty = await gzipCompression.compress(new Uint8Array(0));
    assert.equal((await gzipCompression.decompress(empty, 0)).byteLength, 0);
    await assert.rejects(gzipCompression.decompress(await gzipCompression.compress(Uint8Array.of(1)), 0), isCode(Code.RESOURCE_EXHAUSTED));
  });

  it('rejects corrupt and truncated input with INVALID_ARGUMENT', async () => {
    await assert.rejects(gzipCompression.decompress(Buffer.from('not gzip at all'), 1024), isCode(Code.INVALID_ARGUMENT, 'invalid gzip data'));
    await assert.rejects(deflateCompression.decompress(Buffer.from('not zlib at all'), 1024), isCode(Code.INVALID_ARGUMENT, 'invalid deflate data'));
    const packed = await gzipCompression.compress(text);
    await assert.rejects(gzipCompression.decompress(packed.subarray(0, packed.byteLength - 10), 1 << 20), isCode(Code.INVALID_ARGUMENT));
    await assert.rejects(gzipCompression.decompress(new Uint8Array(0), 1024), isCode(Code.INVALID_ARGUMENT));
  });

  it('rejects raw deflate data sent as deflate (gRPC deflate is the zlib format)', async () => {
    await assert.rejects(deflateCompression.decompress(zlib.deflateRawSync(text), 1 << 20), isCode(Code.INVALID_ARGUMENT));
  });
});
