import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkPool, POOL_CHUNK_BYTES } from './chunk-pool.js';
import type { Codec } from './codec.js';
import { EnvelopeDecoder } from './envelope-decoder.js';
import { FrameQueue, type FrameSink } from './frame-queue.js';

/** A sink that keeps the chunks it got (by reference) and reports them written only when told. */
class HoldingSink implements FrameSink {
  readonly chunks: Uint8Array[] = [];
  readonly written: Array<() => void> = [];
  pendingBytes = 0;

  constructor(private readonly reportsWrites = true) {}

  write(chunk: Uint8Array, onWritten?: () => void): Promise<void> | undefined {
    this.chunks.push(chunk);
    if (onWritten && this.reportsWrites) this.written.push(onWritten);
    return undefined;
  }

  reportWritten(): void {
    const callbacks = this.written.splice(0);
    for (const cb of callbacks) cb();
  }

  /** The messages in the chunks as they are now (a recycled chunk would show other bytes). */
  texts(): string[] {
    const decoder = new EnvelopeDecoder(1 << 30);
    const out: string[] = [];
    for (const c of this.chunks) for (const e of decoder.push(c)) out.push(Buffer.from(e.data).toString());
    decoder.finish();
    return out;
  }
}

const textCodec: Codec<string> & Required<Pick<Codec<string>, 'encodeInto'>> = {
  name: 'proto',
  encode: (s) => Buffer.from(s),
  decode: (b) => Buffer.from(b).toString(),
  encodeInto(s, target, offset) {
    const bytes = Buffer.from(s);
    if (offset + bytes.length > target.length) return bytes;
    target.set(bytes, offset);
    return offset + bytes.length;
  },
};

/** Pushes `n` messages of ~1 KiB in one tick: a burst that fills several pooled chunks. */
async function burst(q: FrameQueue, tag: string, n = 600): Promise<string[]> {
  const texts = Array.from({ length: n }, (_, i) => `${tag}-${i}-${'z'.repeat(1000)}`);
  for (const t of texts) q.pushEncoded(t, textCodec, 1 << 20);
  await q.whenIdle();
  return texts;
}

describe('ChunkPool', () => {
  it('hands back a given chunk, and a fresh one when empty', () => {
    const pool = new ChunkPool(1 << 20);
    const a = pool.take();
    assert.equal(a.byteLength, POOL_CHUNK_BYTES);
    pool.give(a);
    assert.equal(pool.pooledChunks, 1);
    assert.equal(pool.take(), a);
    assert.notEqual(pool.take(), a);
    pool.clear();
  });

  it('keeps at most maxBytes, ignores chunks of another size, and pools nothing at 0', () => {
    const pool = new ChunkPool(2 * POOL_CHUNK_BYTES);
    for (let i = 0; i < 5; i++) pool.give(Buffer.allocUnsafe(POOL_CHUNK_BYTES));
    pool.give(Buffer.allocUnsafe(1024));
    assert.equal(pool.pooledChunks, 2);
    const off = new ChunkPool(0);
    off.give(Buffer.allocUnsafe(POOL_CHUNK_BYTES));
    assert.equal(off.pooledChunks, 0);
    pool.clear();
  });

  it('releases everything once idle, but not while chunks are still being taken', async () => {
    const pool = new ChunkPool(8 * POOL_CHUNK_BYTES, 30);
    pool.give(pool.take());
    await new Promise((r) => setTimeout(r, 15));
    pool.give(pool.take()); // in use within the window
    await new Promise((r) => setTimeout(r, 25));
    assert.equal(pool.pooledChunks, 1, 'a take during the window keeps the pool');
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(pool.pooledChunks, 0, 'idle: released');
  });
});

describe('FrameQueue with a ChunkPool', () => {
  it('returns a chunk only after the sink reported every slice of it written', async () => {
    const pool = new ChunkPool(64 * POOL_CHUNK_BYTES);
    const sink = new HoldingSink();
    const q = new FrameQueue(sink, 1 << 30, (e) => assert.fail(e.message), pool);
    const first = await burst(q, 'a');
    assert.equal(pool.pooledChunks, 0, 'nothing reported written yet');
    // A second burst while the first is unreported must not reuse its memory.
    const second = await burst(q, 'b');
    assert.deepEqual(sink.texts(), [...first, ...second], 'bytes handed to the sink stay intact');
    sink.reportWritten();
    assert.ok(pool.pooledChunks >= 2, `chunks back in the pool: ${pool.pooledChunks}`);
    pool.clear();
  });

  it('reuses written chunks for the next burst, and the frames are still right', async () => {
    const pool = new ChunkPool(64 * POOL_CHUNK_BYTES);
    const sink = new HoldingSink();
    const q = new FrameQueue(sink, 1 << 30, (e) => assert.fail(e.message), pool);
    await burst(q, 'a');
    sink.reportWritten();
    const pooled = pool.pooledChunks;
    const reused = new Set(sink.chunks.map((c) => c.buffer));
    sink.chunks.length = 0;
    const second = await burst(q, 'b');
    assert.ok(pool.pooledChunks < pooled, 'the second burst took pooled chunks');
    assert.ok(sink.chunks.some((c) => reused.has(c.buffer)), 'written into the memory of the first burst');
    assert.deepEqual(sink.texts(), second);
    sink.reportWritten();
    pool.clear();
  });

  it('never recycles through a sink that does not report writes', async () => {
    const pool = new ChunkPool(64 * POOL_CHUNK_BYTES);
    const sink = new HoldingSink(false);
    const q = new FrameQueue(sink, 1 << 30, (e) => assert.fail(e.message), pool);
    const first = await burst(q, 'a');
    await burst(q, 'b');
    assert.equal(pool.pooledChunks, 0);
    assert.deepEqual(sink.texts().slice(0, first.length), first);
  });

  it('gives back the chunks of a queue that failed before writing them', async () => {
    const pool = new ChunkPool(64 * POOL_CHUNK_BYTES);
    const blocked: FrameSink = { pendingBytes: 0, write: () => new Promise<void>(() => undefined) };
    const errors: string[] = [];
    const q = new FrameQueue(blocked, 600 * 1024, (e) => errors.push(e.message), pool);
    for (let i = 0; i < 1000; i++) q.pushEncoded(`m${i}-${'z'.repeat(1000)}`, textCodec, 1 << 20);
    assert.equal(errors.length, 1, 'over maxBufferedBytes');
    assert.ok(pool.pooledChunks >= 1, 'unsent chunks went back to the pool');
    pool.clear();
  });
});
