import type { CancelSignal } from './call-cancel.js';
import type { IncomingHeaders, OutgoingHeaders } from './metadata.js';
import type { TripleError } from './triple-error.js';

/**
 * What a protocol asks the wire for: one POST exchange. The connector adds the pseudo-headers
 * (`:method`, `:path`, `:scheme`, `:authority`) or the HTTP/1.1 request line itself.
 */
export interface ClientRequestInit {
  /** `/package.Service/Method` (a base-path prefix, if any, is the connector's business). */
  readonly path: string;
  /**
   * Lower-case request headers without pseudo-headers: a fresh object per attempt, which the
   * connector may extend in place (HTTP/2 pseudo-headers) instead of copying it.
   */
  readonly headers: OutgoingHeaders;
  /** Absolute deadline (ms since epoch): bounds the wait for a ready connection. */
  readonly deadline: number | undefined;
  /**
   * Fires when the call is cancelled or its deadline passes; the reason is a TripleError.
   * Stops the wait for a connection and cancels the exchange (RST_STREAM CANCEL on HTTP/2).
   */
  readonly cancel: CancelSignal;
}

/** Status line and headers of a response. */
export interface ClientResponseHead {
  /** HTTP status (`:status` on HTTP/2). */
  readonly status: number;
  /** Lower-case response headers; pseudo-headers included on HTTP/2. */
  readonly headers: IncomingHeaders;
}

/**
 * One client HTTP exchange as protocol code sees it, whatever carries it (an HTTP/2 stream or an
 * HTTP/1.1 request). lib/http2 implements it; protocol code never sees node:http2. This is the
 * client-side twin of ServerCall (connect-es calls the pair "universal client/handler").
 *
 * Failures are TripleErrors: a lost connection is UNAVAILABLE, a cancel is the cancellation's reason,
 * a peer RST_STREAM maps per the gRPC HTTP/2 spec ("Errors" table of PROTOCOL-HTTP2.md).
 * `response`, `body` and `trailers` fail with the same error.
 */
export interface ClientCall {
  /** `address:port` the exchange runs on. */
  readonly peer: string;
  /**
   * Writes one request chunk. Returns undefined when the transport took it without
   * backpressure, or a promise that settles on 'drain' (rejects when the exchange died).
   */
  write(chunk: Uint8Array): Promise<void> | undefined;
  /** Ends the request body (half-close), writing `last` first: header+payload in one frame. */
  end(last?: Uint8Array): void;
  /** Resolves with the response status and headers; rejects if the exchange fails first. */
  readonly response: Promise<ClientResponseHead>;
  /**
   * The response body, pulled on demand: while nobody iterates, the transport stops reading
   * and HTTP/2 flow control holds the server back. Leaving the loop early cancels the exchange.
   */
  readonly body: AsyncIterable<Uint8Array>;
  /**
   * The whole response body at once, for single-response calls: each chunk goes to `onChunk` as
   * it arrives (no promise per chunk, no flow-control pause: the caller needs all of it anyway),
   * and the result settles like `trailers`. If `onChunk` throws, the exchange is cancelled with
   * what it threw (a TripleError; anything else becomes INTERNAL). Use `body` or this, once.
   */
  readAll(onChunk: (chunk: Uint8Array) => void): Promise<IncomingHeaders>;
  /**
   * Resolves with the trailers once the response is complete; `{}` when the peer sent none
   * (a gRPC trailers-only response, or HTTP/1.1).
   */
  readonly trailers: Promise<IncomingHeaders>;
  /** Cancels the exchange (RST_STREAM CANCEL / socket destroy); pending reads fail with `reason`. */
  cancel(reason: TripleError): void;
  /** True once response headers arrived: from then on a failure is never retried transparently. */
  readonly responseStarted: boolean;
  /**
   * True when the peer provably did not process the request: the stream was refused
   * (REFUSED_STREAM) or lay above a GOAWAY's last stream id. Such calls are safe to retry for
   * every method (gRPC A6 "transparent retry").
   */
  readonly unprocessed: boolean;
}

/** Connection states reported by a connector, aggregated over every address. */
export type ConnectorState = 'connecting' | 'connected' | 'disconnected' | 'closed';

/**
 * Opens exchanges on some connection: owns addresses, load balancing, sessions and reconnects.
 * `open` resolves once the exchange exists on a ready connection, so a caller consumes its
 * request messages only after that point (which keeps failed opens safe to retry). Rejections
 * before that are UNAVAILABLE (nothing sent), or the cancellation's reason.
 */
export interface ClientConnector {
  open(init: ClientRequestInit): Promise<ClientCall>;
  /** Connects now instead of on the first call; resolves when one connection is ready. */
  connect(deadline?: number): Promise<void>;
  /** Closes every connection and timer; in-flight exchanges fail UNAVAILABLE. */
  close(): Promise<void>;
  /** Open HTTP/2 sessions (0 for HTTP/1.1 connectors). */
  readonly sessionCount: number;
  /** Subscribes to aggregate state changes; returns the unsubscribe function. */
  onStateChange(listener: (state: ConnectorState) => void): () => void;
}
