import type { Metadata } from './metadata.js';
import type { MethodDescriptor } from './method-descriptor.js';

/** Which wire protocol carried a call. */
export type ProtocolName = 'grpc' | 'triple';

/** Dubbo's service key: the service plus optional group and version. */
export interface ServiceKey {
  group?: string;
  version?: string;
}

/**
 * What a server handler knows about its call. The protocol layer creates it; the Nest layer
 * wraps it in TripleContext. Response header/trailer maps are mutable until they are sent.
 */
export interface CallContext {
  readonly method: MethodDescriptor;
  readonly protocol: ProtocolName;
  /** Codec of the request: 'proto' or 'json'. */
  readonly codec: 'proto' | 'json';
  readonly httpVersion: '1.1' | '2';
  /** Request metadata (protocol headers removed; `-bin` values are Buffers). */
  readonly requestMetadata: Metadata;
  /** Absolute deadline (ms since epoch), or undefined when the caller set none. */
  readonly deadline: number | undefined;
  /** Aborted on client cancel, deadline expiry and server shutdown; `reason` is a TripleError. */
  readonly signal: AbortSignal;
  /** `address:port` of the remote side. */
  readonly peer: string;
  readonly serviceKey: ServiceKey;
  /** Sent with the response headers (before the first message). */
  readonly responseHeader: Metadata;
  /** Sent as trailers (gRPC) or `trailer-` headers (Triple unary). */
  readonly responseTrailer: Metadata;
  /** True once response headers are on the wire; later header changes are ignored. */
  readonly headersSent: boolean;
}
