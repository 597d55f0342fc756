import type { IncomingHeaders, OutgoingHeaders } from './metadata.js';

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
  /** `address:port` of the peer. */
  readonly peer: string;
  /** Aborted when the peer resets the stream or the connection goes away. */
  readonly signal: AbortSignal;
  /**
   * The request body, pulled on demand: while nobody reads, the transport stops reading and
   * HTTP/2 flow control (or TCP) holds the sender back.
   */
  readonly body: AsyncIterable<Uint8Array>;
  /** Reads and discards the rest of the body, so an early error never truncates the request. */
  drainBody(): void;
  /**
   * Sends the status line and headers. Must be called exactly once, before write/end.
   * `endStream` ends the response right here (a gRPC trailers-only response); `trailers` says
   * that end() will send trailers, which HTTP/2 must know before the body starts.
   */
  respond(status: number, headers: OutgoingHeaders, options?: RespondOptions): void;
  /**
   * Writes one chunk. Returns undefined when the chunk was accepted without backpressure, or a
   * promise that settles once the transport drained (rejects if the call died meanwhile).
   */
  write(chunk: Uint8Array): Promise<void> | undefined;
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
