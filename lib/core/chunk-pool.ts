/**
 * Size of every pooled write chunk: thousands of small frames, or four frames of a 64 KiB
 * payload (64 KiB is a common size to chunk files and blobs into; with its field tags, length
 * varints and the 5-byte envelope such a frame is a little over 64 KiB, so a 256 KiB chunk
 * would hold only three and leave a quarter unused).
 */
export const POOL_CHUNK_BYTES = 257 * 1024;

/**
 * A pool unused this long gives its chunks back to the allocator (the default of the server's
 * `responseChunkPoolIdleMs`). Long enough to bridge bursts that come every few seconds: chunks
 * given back are freed only by a later GC, so a burst that comes after a release but before
 * that GC takes fresh memory with the old still resident (measured with 960 x 64 KiB bursts
 * every 10 s: peak RSS 177-187 MB and ~300 ms of server CPU per burst with a 5 s release,
 * 164-165 MB and ~150 ms with 30 s).
 */
export const POOL_IDLE_RELEASE_MS = 30_000;

/**
 * A bounded free list of equally sized write chunks, shared by the response streams of one
 * server. A stream of many messages packs them into chunks (see FrameQueue); once the transport
 * has written a chunk it comes back here instead of becoming garbage.
 *
 * Why: a handler returning a synchronous Observable emits its whole stream before anything can
 * be sent, so every frame is buffered at once. Without reuse each such burst takes fresh memory
 * (first-touching pages is most of its cost on a VM) while the previous burst's chunks still
 * wait for the garbage collector, so two bursts' worth is resident at the peak. With the pool
 * the next burst writes into the warm chunks of the last one.
 *
 * Bounded by `maxBytes` (0 disables pooling); everything is released after `idleReleaseMs`
 * (default {@link POOL_IDLE_RELEASE_MS}) without a take, so an idle server keeps nothing.
 */
export class ChunkPool {
  private readonly free: Buffer[] = [];
  private tookSinceCheck = false;
  private releaseTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly maxBytes: number,
    private readonly idleReleaseMs = POOL_IDLE_RELEASE_MS,
  ) {}

  /** Chunks currently held for reuse. */
  get pooledChunks(): number {
    return this.free.length;
  }

  /** A chunk of {@link POOL_CHUNK_BYTES}: a pooled one when there is one, else a new one. */
  take(): Buffer {
    this.tookSinceCheck = true;
    return this.free.pop() ?? Buffer.allocUnsafeSlow(POOL_CHUNK_BYTES);
  }

  /**
   * Hands a chunk back once nothing references it any more (the transport wrote it). Chunks
   * over the bound, or not from {@link take}, are left to the garbage collector.
   */
  give(chunk: Buffer): void {
    if (chunk.byteLength !== POOL_CHUNK_BYTES || (this.free.length + 1) * POOL_CHUNK_BYTES > this.maxBytes) return;
    this.free.push(chunk);
    this.armRelease();
  }

  /** Drops every pooled chunk now. */
  clear(): void {
    this.free.length = 0;
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
  }

  private armRelease(): void {
    if (this.releaseTimer) return;
    this.tookSinceCheck = false;
    this.releaseTimer = setTimeout(() => {
      this.releaseTimer = undefined;
      // Still in use: check again later rather than free chunks a stream is about to take.
      if (this.tookSinceCheck) this.armRelease();
      else this.free.length = 0;
    }, this.idleReleaseMs);
    this.releaseTimer.unref?.();
  }
}

/** A pooled chunk and the slices of it still out. */
interface Lease {
  readonly chunk: Buffer;
  /** Sealed slices not yet written (or written but not yet reported written by the sink). */
  slices: number;
  /** No longer the packing chunk: it goes back to the pool once no slice is out. */
  retired: boolean;
}

/**
 * The pooled chunks one writer (a FrameQueue) packs messages into. A chunk is handed out in
 * slices as bursts are sealed; it returns to the pool only when it is no longer the packing
 * chunk and every slice has been released (written out, copied elsewhere, or dropped).
 */
export class PooledChunks {
  private current: Lease | undefined;
  /** Leased chunks with slices still out, by their memory (a slice's `buffer`). */
  private readonly leased = new Map<ArrayBufferLike, Lease>();

  constructor(private readonly pool: ChunkPool) {}

  /** A chunk to pack into; the previous packing chunk is retired. */
  take(): Buffer {
    this.retire();
    const chunk = this.pool.take();
    this.current = { chunk, slices: 0, retired: false };
    this.leased.set(chunk.buffer, this.current);
    return chunk;
  }

  /** A slice of the packing chunk was sealed (counted when the chunk is a pooled one). */
  sealed(): void {
    if (this.current) this.current.slices++;
  }

  /** The packing chunk is replaced or dropped: back to the pool once its slices are released. */
  retire(): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    current.retired = true;
    this.recycleIfDone(current);
  }

  /** Whether `slice` is part of a leased chunk (and must be released once written). */
  owns(slice: Uint8Array): boolean {
    return this.leased.size > 0 && this.leased.has(slice.buffer);
  }

  /** A slice is no longer referenced by the queue or the sink. */
  release(slice: Uint8Array): void {
    const lease = this.leased.get(slice.buffer);
    if (!lease) return;
    lease.slices--;
    this.recycleIfDone(lease);
  }

  private recycleIfDone(lease: Lease): void {
    if (!lease.retired || lease.slices > 0) return;
    this.leased.delete(lease.chunk.buffer);
    this.pool.give(lease.chunk);
  }
}
