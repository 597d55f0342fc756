import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkPool, POOL_CHUNK_BYTES } from './chunk-pool.js';

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
