import { Code } from './code.js';
import { TripleError } from './triple-error.js';

/** Where frames go: a ServerCall or a client stream. */
export interface FrameSink {
  write(chunk: Uint8Array): Promise<void> | undefined;
  /** Bytes the transport accepted but has not flushed yet. */
  readonly pendingBytes: number;
}

/** Small frames are merged into writes of about this size, saving per-write overhead. */
const COALESCE_BYTES = 64 * 1024;

/**
 * Ordered, bounded queue of encoded frames for producers that cannot be paused (an RxJS
 * Observable). Frames go straight to the sink while it accepts them; once it signals
 * backpressure they wait here, in a linear array walked by index (no Array#shift, so a million
 * queued messages cost linear time), and are flushed in coalesced writes on 'drain'.
 * Frames may be promises (async compression); order is kept regardless.
 */
export class FrameQueue {
  private items: Array<Uint8Array | Promise<Uint8Array>> = [];
  private head = 0;
  private queuedBytes = 0;
  private flushing = false;
  private failed = false;
  private idleWaiters: Array<() => void> = [];

  /**
   * @param maxBufferedBytes bound on queued plus transport-pending bytes; beyond it the queue
   *   fails with RESOURCE_EXHAUSTED instead of growing memory
   * @param onError called once when a write fails or the bound is crossed
   */
  constructor(
    private readonly sink: FrameSink,
    private readonly maxBufferedBytes: number,
    private readonly onError: (error: TripleError) => void,
  ) {}

  /** Queues one frame; `size` is its (approximate, for promises) byte length. */
  push(frame: Uint8Array | Promise<Uint8Array>, size: number): void {
    if (this.failed) return;
    if (!this.flushing && this.head === this.items.length && !(frame instanceof Promise)) {
      const pending = this.sink.write(frame);
      if (pending) this.waitFor(pending);
      return;
    }
    this.items.push(frame);
    this.queuedBytes += size;
    if (this.queuedBytes + this.sink.pendingBytes > this.maxBufferedBytes) {
      this.fail(new TripleError(Code.RESOURCE_EXHAUSTED,
        `more than maxBufferedBytes (${this.maxBufferedBytes}) of response messages are waiting for a slow reader`));
      return;
    }
    if (!this.flushing) void this.flush();
  }

  /** Resolves when every queued frame was handed to the sink. */
  whenIdle(): Promise<void> {
    if (!this.flushing && this.head === this.items.length) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get isIdle(): boolean {
    return !this.flushing && this.head === this.items.length;
  }

  private waitFor(pending: Promise<void>): void {
    this.flushing = true;
    pending.then(() => this.flush(), (e: unknown) => this.fail(TripleError.from(e, Code.CANCELLED)));
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.head < this.items.length && !this.failed) {
        const first = this.items[this.head]!;
        let chunk: Uint8Array;
        if (first instanceof Promise) {
          chunk = await first;
          this.head++;
        } else {
          chunk = this.takeCoalesced();
        }
        this.queuedBytes -= chunk.byteLength;
        const pending = this.sink.write(chunk);
        if (pending) await pending;
      }
    } catch (e) {
      this.fail(TripleError.from(e, Code.INTERNAL));
    }
    this.items = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.flushing = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
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
    return Buffer.concat(this.items.slice(start, end) as Uint8Array[], total);
  }

  private fail(error: TripleError): void {
    if (this.failed) return;
    this.failed = true;
    // Nothing queued will be sent now: free it at once instead of when a drain that may never
    // come (a peer that stopped reading) ends the flush loop.
    this.items = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.onError(error);
  }
}
