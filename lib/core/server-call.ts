import type { IncomingHeaders, OutgoingHeaders } from './metadata.js';
import type { TripleError } from './triple-error.js';

/**
 * One incoming HTTP exchange as the protocol layer sees it, whatever carried it (an HTTP/2
 * stream, an HTTP/1.1 request). lib/http2 implements it; protocol code never sees node:http2.
 */
export interface ServerCall {
  /** `POST`, `GET`, ... */
  readonly httpMethod: string;
  /** The path without the query string, e.g. `/hero.v1.HeroService/FindOne`. */
  readonly path: string;
  /** The raw query string without `?`, or ''. */
  readonly query: string;
  readonly httpVersion: '1.1' | '2';
  /** Lower-case request headers, pseudo-headers included on HTTP/2. */
  readonly headers: IncomingHeaders;
  /**
   * The header fields as received, flat `[name, value, name, value, ...]` (pseudo-headers
   * included on HTTP/2; HTTP/1.1 keeps the sender's case). Cheaper to scan than `headers`,
   * whose dictionary-mode object makes every `for...in` allocate.
   */
  readonly rawHeaders: readonly string[];
  /** `address:port` of the peer. */
  readonly peer: string;
  /**
   * Aborted when the peer resets the stream or the connection goes away. Created on first
   * read: the protocol layer uses {@link setCancelListener}, which costs no AbortSignal.
   */
  readonly signal: AbortSignal;
  /**
   * Sets the one listener told (once) when the peer cancels the call before it finished. When
   * that already happened, the listener is called from a microtask.
   */
  setCancelListener(listener: CancelListener): void;
  /**
   * Reads the body push-style: each chunk goes to `reader.onBodyChunk` as it arrives, then
   * `onBodyEnd`, or `onBodyError` (CANCELLED when the peer reset the request, or what
   * onBodyChunk threw; the rest of the body is then discarded). Paced with pauseBody/resumeBody:
   * while paused the transport stops reading, and HTTP/2 flow control (or TCP) holds the sender
   * back. No callback runs from inside this call.
   */
  readBody(reader: BodyReader): void;
  /** Stops reading the body until resumeBody (see readBody). */
  pauseBody(): void;
  resumeBody(): void;
  /** Ends a readBody: no more callbacks, and the rest of the body is read and discarded. */
  stopBody(): void;
  /**
   * Reads the whole body, handing each chunk to `sink.push` as it arrives: for requests read to
   * the end anyway, one promise instead of one per chunk. Resolves at the end of the body;
   * rejects with what `push` threw (the rest of the body is then discarded) or with CANCELLED
   * when the peer reset the request. Use either this or `readBody`, once.
   */
  readAll(sink: ChunkSink): Promise<void>;
  /** Reads and discards the rest of the body, so an early error never truncates the request. */
  drainBody(): void;
  /**
   * Sends the status line and headers. Must be called exactly once, before write/end.
   * `headers` is never modified, so callers may pass a shared constant.
   * `endStream` ends the response right here (a gRPC trailers-only response); `trailers` says
   * that end() will send trailers, which HTTP/2 must know before the body starts.
   */
  respond(status: number, headers: OutgoingHeaders, options?: RespondOptions): void;
  /**
   * Writes one chunk. Returns undefined when the chunk was accepted without backpressure, or a
   * promise that settles once the transport drained (rejects if the call died meanwhile).
   * `onWritten` is called once the transport no longer references the chunk (written out, or
   * dropped because the call had ended), so its memory may be reused.
   */
  write(chunk: Uint8Array, onWritten?: () => void): Promise<void> | undefined;
  /**
   * Ends the response, writing `last` first and `trailers` after it (HTTP/2 trailers; ignored
   * on HTTP/1.1 where callers fold trailers into headers).
   */
  end(last?: Uint8Array, trailers?: OutgoingHeaders): void;
  /** Bytes accepted by write() but not yet flushed to the socket. */
  readonly pendingBytes: number;
  /** True once the call is finished or aborted; further writes are dropped. */
  readonly closed: boolean;
}

export interface RespondOptions {
  endStream?: boolean;
  trailers?: boolean;
}

/** Told when the peer cancels a call; see {@link ServerCall.setCancelListener}. */
export interface CancelListener {
  onCallCancelled(reason: TripleError): void;
}

/** Receives the chunks of a request body read with {@link ServerCall.readAll}. */
export interface ChunkSink {
  /** Takes one chunk; throwing stops the read (and fails it with the thrown error). */
  push(chunk: Uint8Array): void;
}

/** Receives a request body read with {@link ServerCall.readBody}. */
export interface BodyReader {
  /** Takes one chunk; throwing stops the read and reports what was thrown to onBodyError. */
  onBodyChunk(chunk: Uint8Array): void;
  onBodyEnd(): void;
  /** Called at most once, and never after onBodyEnd. */
  onBodyError(error: unknown): void;
}

/**
 * ServerCall.readAll as a BodyReader: the chunks go to a ChunkSink, the end and a failure
 * settle readAll's promise. One object per request, no closures.
 */
export class WholeBodyReader implements BodyReader {
  constructor(
    private readonly sink: ChunkSink,
    readonly onBodyEnd: () => void,
    readonly onBodyError: (error: unknown) => void,
  ) {}

  onBodyChunk(chunk: Uint8Array): void {
    this.sink.push(chunk);
  }
}

/**
 * The start of every readBody: a body already read to its end, or a request already gone,
 * settles the reader at once (from a microtask: readBody never calls back from inside itself).
 * Returns true when it did, so the transport attaches no listeners.
 */
export function settleFinishedBody(body: { readonly readableEnded: boolean; readonly destroyed: boolean }, reader: BodyReader, gone: () => TripleError): boolean {
  if (body.readableEnded) {
    queueMicrotask(() => reader.onBodyEnd());
    return true;
  }
  if (body.destroyed) {
    queueMicrotask(() => reader.onBodyError(gone()));
    return true;
  }
  return false;
}
