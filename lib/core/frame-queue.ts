import { Code } from './code.js';
import type { Codec } from './codec.js';
import { ENVELOPE_HEADER_SIZE } from './envelope.js';
import { assertWriteSize } from './limits.js';
import { PooledChunks, POOL_CHUNK_BYTES, type ChunkPool } from './chunk-pool.js';
import { ENCODER_SLACK_BYTES } from './plain-frame.js';
import { TripleError } from './triple-error.js';

/** Where frames go: a ServerCall or a client stream. */
export interface FrameSink {
  /**
   * Writes a chunk. `onWritten`, when the sink supports it, is called once the sink no longer
   * references the chunk (written out, failed, or dropped because the call had ended).
   */
  write(chunk: Uint8Array, onWritten?: () => void): Promise<void> | undefined;
  /** Bytes the transport accepted but has not flushed yet. */
  readonly pendingBytes: number;
}

/** Small frames are merged into writes of about this size, saving per-write overhead. */
const COALESCE_BYTES = 64 * 1024;
/**
 * The first packing chunk of a tick. Small (Node serves it from its shared buffer pool), so a
 * stream that sends one message now and then allocates no 64 KiB chunk for it; the size
 * doubles with each further chunk packed in the same tick, up to COALESCE_BYTES.
 */
const FIRST_CHUNK_BYTES = 1024;
/** Plain messages larger than this are framed in a buffer of their own rather than packed. */
const PACK_MAX_BYTES = 16 * 1024;

/**
 * Ordered, bounded queue of encoded frames for producers that cannot be paused (an RxJS
 * Observable). Plain messages are packed, header and all, into chunks that go to the sink on
 * the next tick: a burst of small messages costs one copy per message
 * and one write per 64 KiB instead of a buffer and a write per message. Ready frames go to the
 * sink while it accepts them; once it signals backpressure they wait here, in a linear array
 * walked by index (no Array#shift, so a million queued messages cost linear time), and are
 * flushed on 'drain'. Frames may be promises (async compression); order is kept regardless.
 */
export class FrameQueue {
  private items: Array<Uint8Array | Promise<Uint8Array>> = [];
  private head = 0;
  private queuedBytes = 0;
  private flushing = false;
  private failed = false;
  private idleWaiters: Array<() => void> | undefined;
  /** The chunk plain messages are packed into: [sealedTo, filled) is packed but not queued yet. */
  private chunk: Buffer | undefined;
  private sealedTo = 0;
  private filled = 0;
  private nextChunkBytes = FIRST_CHUNK_BYTES;
  private kickScheduled = false;
  private lastMessageBytes = 0;
  /** Pooled packing chunks and their slices still out; created with the first pooled chunk. */
  private pooled: PooledChunks | undefined;
  /** Where pooled chunks come from; undefined without a pool. */
  private readonly pool: ChunkPool | undefined;

  /**
   * @param maxBufferedBytes bound on queued plus transport-pending bytes; beyond it the queue
   *   fails with RESOURCE_EXHAUSTED instead of growing memory
   * @param onError called once when a write fails or the bound is crossed
   * @param pool where full-size packing chunks come from and return to once written; without
   *   one (or with a sink that does not report writes) chunks are left to the garbage collector
   */
  constructor(
    private readonly sink: FrameSink,
    private readonly maxBufferedBytes: number,
    private readonly onError: (error: TripleError) => void,
    pool?: ChunkPool,
  ) {
    this.pool = pool && pool.maxBytes > 0 ? pool : undefined;
  }

  /** Queues one complete frame; `size` is its (approximate, for promises) byte length. */
  push(frame: Uint8Array | Promise<Uint8Array>, size: number): void {
    if (this.failed) return;
    this.seal(); // messages packed earlier go first
    if (!this.flushing && this.head === this.items.length && !(frame instanceof Promise)) {
      const pending = this.sink.write(frame);
      if (pending) this.waitFor(pending);
      return;
    }
    this.items.push(frame);
    this.queuedBytes += size;
    if (this.overBound()) return;
    if (!this.flushing) void this.flush();
  }

  /**
   * Queues one uncompressed message, framing it with its envelope header. `message` is copied
   * before this returns, so it may be a view the caller reuses (a codec's transient buffer).
   */
  pushPlain(message: Uint8Array): void {
    if (this.failed) return;
    const size = ENVELOPE_HEADER_SIZE + message.byteLength;
    if (message.byteLength > PACK_MAX_BYTES) {
      const frame = Buffer.allocUnsafe(size);
      writeEnvelopeHeader(frame, 0, message.byteLength);
      frame.set(message, ENVELOPE_HEADER_SIZE);
      this.seal();
      this.items.push(frame);
      this.accepted(size);
      return;
    }
    const chunk = this.chunkWithRoom(size);
    writeEnvelopeHeader(chunk, this.filled, message.byteLength);
    chunk.set(message, this.filled + ENVELOPE_HEADER_SIZE);
    this.packed(size);
  }

  /**
   * Queues one uncompressed message, encoding it straight into the packing chunk (no buffer of
   * its own). Throws, queueing nothing, when the codec fails or the message is over `maxBytes`.
   */
  pushEncoded(message: unknown, codec: Required<Pick<Codec, 'encodeInto'>>, maxBytes: number): void {
    if (this.failed) return;
    // Room for a message as large as the last one, so encodeInto rarely overflows the chunk.
    const chunk = this.chunkWithRoom(ENVELOPE_HEADER_SIZE + this.lastMessageBytes + ENCODER_SLACK_BYTES);
    const start = this.filled + ENVELOPE_HEADER_SIZE;
    const end = codec.encodeInto(message, chunk, start);
    if (typeof end !== 'number') {
      assertWriteSize(end.byteLength, maxBytes);
      this.lastMessageBytes = end.byteLength;
      this.pushPlain(end);
      return;
    }
    const length = end - start;
    assertWriteSize(length, maxBytes);
    this.lastMessageBytes = length;
    writeEnvelopeHeader(chunk, this.filled, length);
    this.packed(ENVELOPE_HEADER_SIZE + length);
  }

  /** The packing chunk, after sealing the current one and starting another if `size` does not fit. */
  private chunkWithRoom(size: number): Buffer {
    const chunk = this.chunk;
    if (chunk !== undefined && this.filled + size <= chunk.byteLength) return chunk;
    this.seal();
    this.pooled?.retire();
    this.sealedTo = this.filled = 0;
    const want = Math.max(this.nextChunkBytes, size);
    // A burst: the chunks of earlier bursts are warm memory, fresh memory is not.
    const pooled = this.pool && want >= COALESCE_BYTES && size <= POOL_CHUNK_BYTES;
    const next = (this.chunk = pooled ? (this.pooled ??= new PooledChunks(this.pool!)).take() : Buffer.allocUnsafe(want));
    this.nextChunkBytes = Math.min(this.nextChunkBytes * 2, COALESCE_BYTES);
    return next;
  }

  /** Accounts for `size` bytes just packed at `filled`. */
  private packed(size: number): void {
    this.filled += size;
    this.accepted(size);
  }

  /**
   * Accounts for `size` bytes queued by pushPlain/pushEncoded. They go to the sink on the next
   * tick, never synchronously: the caller may still have headers to send first.
   */
  private accepted(size: number): void {
    this.queuedBytes += size;
    if (this.overBound()) return;
    // While flushing, the flush loop takes what was queued meanwhile.
    if (!this.flushing && !this.kickScheduled) {
      this.kickScheduled = true;
      process.nextTick(kickQueue, this);
    }
  }

  /** Bytes queued or packed but not yet handed to the sink. */
  get bufferedBytes(): number {
    return this.queuedBytes;
  }

  /** Resolves when every queued frame was handed to the sink. */
  whenIdle(): Promise<void> {
    if (this.isIdle || this.failed) return Promise.resolve();
    return new Promise((resolve) => (this.idleWaiters ??= []).push(resolve));
  }

  get isIdle(): boolean {
    return !this.flushing && this.head === this.items.length && this.filled === this.sealedTo;
  }

  /** End of the tick a burst was packed in: hand it to the sink. */
  kick(): void {
    this.kickScheduled = false;
    this.nextChunkBytes = FIRST_CHUNK_BYTES;
    if (this.flushing || this.failed) return;
    this.seal();
    void this.flush();
  }

  /** Moves the packed part of the current chunk to the queue, as one frame-aligned slice. */
  private seal(): void {
    if (this.filled === this.sealedTo) return;
    this.items.push(this.chunk!.subarray(this.sealedTo, this.filled));
    this.sealedTo = this.filled;
    this.pooled?.sealed();
  }

  private overBound(): boolean {
    if (this.queuedBytes + this.sink.pendingBytes <= this.maxBufferedBytes) return false;
    this.fail(new TripleError(Code.RESOURCE_EXHAUSTED,
      `more than maxBufferedBytes (${this.maxBufferedBytes}) of response messages are waiting for a slow reader`));
    return true;
  }

  private waitFor(pending: Promise<void>): void {
    this.flushing = true;
    pending.then(() => this.flush(), (e: unknown) => this.fail(TripleError.from(e, Code.CANCELLED)));
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      for (;;) {
        if (this.head === this.items.length) this.seal(); // packed while we waited for 'drain'
        if (this.head === this.items.length || this.failed) break;
        const first = this.items[this.head]!;
        let chunk: Uint8Array;
        if (first instanceof Promise) {
          chunk = await first;
          this.head++;
        } else {
          chunk = this.takeCoalesced();
        }
        this.queuedBytes -= chunk.byteLength;
        const pooled = this.pooled?.owns(chunk) ? this.pooled : undefined;
        const pending = pooled ? this.sink.write(chunk, () => pooled.release(chunk)) : this.sink.write(chunk);
        if (pending) await pending;
      }
    } catch (e) {
      this.fail(TripleError.from(e, Code.INTERNAL));
    }
    this.items = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.flushing = false;
    // Everything packed was written: an idle stream keeps no chunk alive.
    this.releaseChunk();
    const waiters = this.idleWaiters;
    this.idleWaiters = undefined;
    if (waiters) for (const w of waiters) w();
  }

  /** Takes consecutive ready frames, up to COALESCE_BYTES, as one buffer. */
  private takeCoalesced(): Uint8Array {
    const start = this.head;
    let end = start;
    let total = 0;
    while (end < this.items.length) {
      const item = this.items[end]!;
      if (item instanceof Promise || (total > 0 && total + item.byteLength > COALESCE_BYTES)) break;
      total += item.byteLength;
      end++;
    }
    this.head = end;
    if (end - start === 1) return this.items[start] as Uint8Array;
    const parts = this.items.slice(start, end) as Uint8Array[];
    const joined = Buffer.concat(parts, total);
    // Copied: the parts are free now.
    if (this.pooled) for (const part of parts) this.pooled.release(part);
    return joined;
  }

  private releaseChunk(): void {
    this.pooled?.retire();
    this.chunk = undefined;
    this.sealedTo = this.filled = 0;
  }

  private fail(error: TripleError): void {
    if (this.failed) return;
    this.failed = true;
    // Nothing queued will be sent now: free it at once instead of when a drain that may never
    // come (a peer that stopped reading) ends the flush loop.
    if (this.pooled) {
      for (let i = this.head; i < this.items.length; i++) {
        const item = this.items[i]!;
        if (!(item instanceof Promise)) this.pooled.release(item);
      }
    }
    this.items = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.releaseChunk();
    this.onError(error);
    // Nothing more will be written: whoever waits for the queue to empty must not wait forever.
    const waiters = this.idleWaiters;
    this.idleWaiters = undefined;
    if (waiters) for (const w of waiters) w();
  }
}

/** Writes the header of an uncompressed envelope of `length` bytes into `target` at `at`. */
function writeEnvelopeHeader(target: Buffer, at: number, length: number): void {
  target[at] = 0;
  target[at + 1] = length >>> 24;
  target[at + 2] = length >>> 16;
  target[at + 3] = length >>> 8;
  target[at + 4] = length;
}

/** The nextTick callback of {@link FrameQueue.kick}: a function with an argument, not a closure per queue. */
function kickQueue(queue: FrameQueue): void {
  queue.kick();
}
