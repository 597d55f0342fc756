import type { ChunkPool } from './chunk-pool.js';
import type { Compression } from './compression.js';
import type { TripleError } from './triple-error.js';

/**
 * Settings every protocol handler reads on each call. Built once by the server from the user's
 * options (defaults in limits.ts), so handlers never look options up per call.
 */
export interface ServerHandlerOptions {
  /** Largest request message accepted, after decompression (maxReceiveMessageLength). */
  readonly readMaxBytes: number;
  /** Largest response message sent (maxSendMessageLength). */
  readonly writeMaxBytes: number;
  /** Largest request header block (HPACK-decoded size, RFC 7540 §6.5.2 accounting). */
  readonly maxMetadataSize: number;
  /** Encoded bytes a pushed (Observable) response may queue while the peer is not reading. */
  readonly maxBufferedBytes: number;
  /** Responses smaller than this are never compressed. */
  readonly compressMinBytes: number;
  /** Request messages read ahead of a stream handler before the socket is paused. */
  readonly maxPendingMessages: number;
  readonly compressions: readonly Compression[];
  /** Triple unary: reject requests without tri-protocol-version / triple-protocol-version. */
  readonly requireProtocolHeader: boolean;
  /** Where streamed responses' packing chunks are recycled (none: left to the GC). */
  readonly chunkPool?: ChunkPool;
  /** Aborted when the server force-closes; in-flight calls end with UNAVAILABLE. */
  readonly shutdownSignal: AbortSignal;
  /** Translates whatever a handler threw or emitted into a status, logging unexpected errors. */
  mapError(reason: unknown): TripleError;
}
