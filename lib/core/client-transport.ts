import type { CancelSignal } from './call-cancel.js';
import type { ServiceKey } from './call-context.js';
import type { CodecName } from './codec.js';
import type { Metadata } from './metadata.js';
import type { MethodDescriptor } from './method-descriptor.js';

/** Per-call settings a client passes down to the transport. */
export interface ClientCallOptions {
  /** Request metadata (headers). */
  metadata?: Metadata;
  /** Relative deadline in ms; the call fails with DEADLINE_EXCEEDED when it passes. */
  timeoutMs?: number;
  /** Aborting cancels the call (RST_STREAM CANCEL on HTTP/2); the call fails with CANCELLED. */
  signal?: AbortSignal;
  /**
   * The same as `signal` without an AbortSignal per call (see CancelSignal), for callers that
   * make many calls: the Nest client passes it (with `signal` as a lazily created mirror for
   * transports that only read `signal`). A transport that understands it ignores `signal` then.
   */
  cancel?: CancelSignal;
  /** Dubbo group/version sent as tri-service-group / tri-service-version. */
  serviceKey?: ServiceKey;
}

/** A finished unary (or client-streaming) call. */
export interface UnaryResponse<O = unknown> {
  message: O;
  /** Response headers (metadata). */
  header: Metadata;
  /** Response trailers (gRPC) or `trailer-` headers (Triple unary). */
  trailer: Metadata;
}

/**
 * A server-streaming or bidi response: iterate to pull messages (pull-based: the transport
 * stops reading from the socket while the consumer does not ask for more). The iteration
 * throws a TripleError when the call ends with a non-OK status. `header` resolves with the
 * response headers, `trailer` once the status arrived; both reject with the call's error.
 * Calling `return()` on the iterator (or breaking out of for-await) cancels the call.
 */
export interface StreamResponse<O = unknown> extends AsyncIterable<O> {
  readonly header: Promise<Metadata>;
  readonly trailer: Promise<Metadata>;
}

/**
 * What the Nest client needs from the wire: one object per configured target (addresses,
 * load balancing, connections, retries live behind it). All failures are TripleErrors.
 * Implemented in lib/protocol (gRPC and Triple unary) over lib/http2 (sessions).
 */
export interface ClientTransport {
  /** Unary call. Rejects with a TripleError. */
  unary<I, O>(method: MethodDescriptor, request: I, options?: ClientCallOptions): Promise<UnaryResponse<O>>;
  /** Client-streaming call: sends every request (respecting flow control), then awaits the single response. */
  clientStream<I, O>(method: MethodDescriptor, requests: AsyncIterable<I>, options?: ClientCallOptions): Promise<UnaryResponse<O>>;
  /** Server-streaming call. */
  serverStream<I, O>(method: MethodDescriptor, request: I, options?: ClientCallOptions): StreamResponse<O>;
  /** Bidi call: requests are pulled as the stream has window; responses as the consumer iterates. */
  bidiStream<I, O>(method: MethodDescriptor, requests: AsyncIterable<I>, options?: ClientCallOptions): StreamResponse<O>;
  /** Opens connections now instead of on the first call (resolves when one is ready). */
  connect(): Promise<void>;
  /** Closes every connection; in-flight calls fail with UNAVAILABLE/CANCELLED. */
  close(): Promise<void>;
  /** Number of open HTTP/2 sessions (for tests and diagnostics). */
  readonly sessionCount: number;
  /** Subscribe to connection state changes: 'connecting' | 'connected' | 'disconnected' | 'closed'. */
  onStateChange(listener: (state: ClientConnectionState) => void): () => void;
}

export type ClientConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

/** Which wire format the client speaks. */
export interface ClientProtocolChoice {
  /** 'grpc' (default; all call kinds) or 'triple' (Triple unary over HTTP/1.1 or HTTP/2 for unary methods; streams still gRPC). */
  protocol: 'grpc' | 'triple';
  codec: CodecName;
}
