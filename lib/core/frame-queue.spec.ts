import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Code } from './code.js';
import type { Codec } from './codec.js';
import { encodeEnvelope, FLAG_COMPRESSED } from './envelope.js';
import { EnvelopeDecoder } from './envelope-decoder.js';
import { ChunkPool, POOL_CHUNK_BYTES } from './chunk-pool.js';
import { FrameQueue, type FrameSink } from './frame-queue.js';
import { TripleError } from './triple-error.js';

/** A sink recording writes; while `blocked`, each write answers with a promise settled by `drain()`. */
class RecordingSink implements FrameSink {
  readonly writes: Buffer[] = [];
  blocked = false;
  pendingBytes = 0;
  private waiters: Array<() => void> = [];

  write(chunk: Uint8Array): Promise<void> | undefined {
    this.writes.push(Buffer.from(chunk));
    if (!this.blocked) return undefined;
    this.pendingBytes += chunk.byteLength;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  drain(): void {
    this.blocked = false;
    this.pendingBytes = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Every frame written so far, as [flags, text]. */
  frames(): Array<[number, string]> {
    const decoder = new EnvelopeDecoder(1 << 30);
    const out: Array<[number, string]> = [];
    for (const w of this.writes) for (const e of decoder.push(w)) out.push([e.flags, Buffer.from(e.data).toString()]);
    decoder.finish();
    return out;
  }
}

function queue(sink: FrameSink, maxBufferedBytes = 1 << 30): { q: FrameQueue; errors: TripleError[] } {
  const errors: TripleError[] = [];
  return { q: new FrameQueue(sink, maxBufferedBytes, (e) => errors.push(e)), errors };
}

/** A codec over strings with encodeInto, counting how often it had to fall back. */
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

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('FrameQueue', () => {
  it('packs a burst of plain messages into one write on the next tick', async () => {
    const sink = new RecordingSink();
    const { q } = queue(sink);
    for (let i = 0; i < 100; i++) q.pushPlain(Buffer.from(`m${i}`));
    assert.equal(sink.writes.length, 0, 'nothing is written synchronously');
    assert.equal(q.isIdle, false);
    await q.whenIdle();
    assert.equal(sink.writes.length, 1);
    assert.deepEqual(sink.frames(), Array.from({ length: 100 }, (_, i) => [0, `m${i}`]));
  });

  it('keeps order between packed messages, whole frames and compressed (promise) frames', async () => {
    const sink = new RecordingSink();
    const { q } = queue(sink);
    let release!: (frame: Uint8Array) => void;
    q.pushPlain(Buffer.from('a'));
    q.push(new Promise<Uint8Array>((resolve) => (release = resolve)), 6);
    q.pushEncoded('b', textCodec, 100);
    q.push(encodeEnvelope(0, Buffer.from('c')), 6);
    q.pushPlain(Buffer.from('d'));
    await tick();
    release(encodeEnvelope(FLAG_COMPRESSED, Buffer.from('z')));
    await q.whenIdle();
    assert.deepEqual(sink.frames(), [[0, 'a'], [FLAG_COMPRESSED, 'z'], [0, 'b'], [0, 'c'], [0, 'd']]);
  });

  it('writes at most 64 KiB at a time and loses nothing across many messages', async () => {
    const sink = new RecordingSink();
    const { q } = queue(sink);
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      if (i % 2) q.pushEncoded(`message ${i}`, textCodec, 100);
      else q.pushPlain(Buffer.from(`message ${i}`));
    }
    await q.whenIdle();
    assert.ok(sink.writes.every((w) => w.length <= 64 * 1024));
    const frames = sink.frames();
    assert.equal(frames.length, n);
    frames.forEach(([, text], i) => assert.equal(text, `message ${i}`));
  });

  it('frames messages larger than a chunk on their own, in order', async () => {
    const sink = new RecordingSink();
    const { q } = queue(sink);
    const big = 'x'.repeat(100_000);
    q.pushPlain(Buffer.from('small'));
    q.pushEncoded(big, textCodec, 1 << 20);
    q.pushPlain(Buffer.from(big));
    q.pushEncoded('tail', textCodec, 100);
    await q.whenIdle();
    assert.deepEqual(sink.frames(), [[0, 'small'], [0, big], [0, big], [0, 'tail']]);
  });

  it('sizes chunks with room for an encoder that reserves more than it writes, so same-size messages do not overflow', async () => {
    const sink = new RecordingSink();
    const { q } = queue(sink);
    let overflows = 0;
    // Like protobufjs: asks for a varint's worst case (10 bytes) before writing the last byte.
    const reserving: typeof textCodec = {
      ...textCodec,
      encodeInto(s, target, offset) {
        const bytes = Buffer.from(s);
        if (offset + bytes.length + 9 > target.length) {
          overflows++;
          return bytes;
        }
        target.set(bytes, offset);
        return offset + bytes.length;
      },
    };
    const big = 'y'.repeat(40_000);
    for (let i = 0; i < 5; i++) q.pushEncoded(big, reserving, 1 << 20);
    await q.whenIdle();
    assert.equal(overflows, 1, 'only the first message, whose size was not known yet');
    assert.deepEqual(sink.frames(), Array.from({ length: 5 }, () => [0, big]));
  });

  it('refuses a message over the size limit without queueing anything of it', async () => {
    const sink = new RecordingSink();
    const { q, errors } = queue(sink);
    q.pushEncoded('ok', textCodec, 4);
    assert.throws(() => q.pushEncoded('too long', textCodec, 4), (e: unknown) => e instanceof TripleError && e.code === Code.RESOURCE_EXHAUSTED);
    q.pushEncoded('ok2', textCodec, 4);
    await q.whenIdle();
    assert.deepEqual(sink.frames(), [[0, 'ok'], [0, 'ok2']]);
    assert.deepEqual(errors, []);
  });

  it('holds messages while the sink is backpressured and flushes them on drain', async () => {
    const sink = new RecordingSink();
    const { q } = queue(sink);
    sink.blocked = true;
    q.pushPlain(Buffer.from('first'));
    await tick();
    assert.equal(sink.writes.length, 1);
    for (let i = 0; i < 10; i++) q.pushPlain(Buffer.from(`later${i}`));
    await tick();
    assert.equal(sink.writes.length, 1, 'nothing more is written before drain');
    let idle = false;
    void q.whenIdle().then(() => (idle = true));
    await tick();
    assert.equal(idle, false);
    sink.drain();
    await q.whenIdle();
    assert.equal(sink.writes.length, 2, 'what waited goes out as one write');
    assert.deepEqual(sink.frames().map(([, t]) => t), ['first', ...Array.from({ length: 10 }, (_, i) => `later${i}`)]);
  });

  it('fails once with RESOURCE_EXHAUSTED past maxBufferedBytes and drops what was queued', async () => {
    const sink = new RecordingSink();
    const { q, errors } = queue(sink, 1000);
    sink.blocked = true;
    q.pushPlain(Buffer.alloc(600));
    await tick();
    for (let i = 0; i < 10; i++) q.pushPlain(Buffer.alloc(100));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, Code.RESOURCE_EXHAUSTED);
    q.pushPlain(Buffer.alloc(1));
    q.push(encodeEnvelope(0, Buffer.alloc(1)), 6);
    sink.drain();
    await tick();
    assert.equal(sink.writes.length, 1, 'only the write made before the bound was crossed');
    assert.equal(errors.length, 1);
  });

  it('counts packed bytes against maxBufferedBytes even before they are written', () => {
    const sink = new RecordingSink();
    const { q, errors } = queue(sink, 10_000);
    for (let i = 0; i < 200; i++) q.pushPlain(Buffer.alloc(100));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, Code.RESOURCE_EXHAUSTED);
  });
});

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

/** Pushes `n` messages of ~1 KiB in one tick: a burst that fills several pooled chunks. */
async function burst(q: FrameQueue, tag: string, n = 600): Promise<string[]> {
  const texts = Array.from({ length: n }, (_, i) => `${tag}-${i}-${'z'.repeat(1000)}`);
  for (const t of texts) q.pushEncoded(t, textCodec, 1 << 20);
  await q.whenIdle();
  return texts;
}

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
