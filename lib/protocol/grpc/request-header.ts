import type { ServiceKey } from '../../core/call-context.js';
import type { CodecName } from '../../core/codec.js';
import type { Metadata, OutgoingHeaders } from '../../core/metadata.js';
import { grpcContentType } from './content-type.js';
import {
  grpcReservedHeaders,
  HEADER_CONTENT_TYPE,
  HEADER_GRPC_ACCEPT_ENCODING,
  HEADER_GRPC_ENCODING,
  HEADER_GRPC_TIMEOUT,
  HEADER_TE,
  HEADER_TRI_SERVICE_GROUP,
  HEADER_TRI_SERVICE_VERSION,
  HEADER_USER_AGENT,
} from './headers.js';
import { formatGrpcTimeout } from './timeout.js';

export interface GrpcRequestHeaderInput {
  readonly codec: CodecName;
  /** Remaining time of the call, ms; undefined = no deadline. */
  readonly timeoutMs: number | undefined;
  /** Name of the request compression, or undefined for identity. */
  readonly encoding: string | undefined;
  /** `grpc-accept-encoding` value: what we can decompress. */
  readonly acceptEncoding: string;
  readonly userAgent: string;
  readonly serviceKey: ServiceKey;
  readonly metadata: Metadata | undefined;
}

/**
 * Request headers of a gRPC call (PROTOCOL-HTTP2.md "Requests", triple-wire.md §2.3): the
 * content type with explicit codec suffix, `te: trailers` (required: proxies drop trailers
 * without it), `grpc-timeout` in milliseconds as grpc-js and Dubbo Java send it, encodings, the
 * Dubbo group/version headers Dubbo servers route on, then user metadata. User entries with a
 * reserved name are skipped, so metadata can never override the framing or the deadline.
 */
export function grpcRequestHeaders(input: GrpcRequestHeaderInput): OutgoingHeaders {
  const headers: OutgoingHeaders = {};
  if (input.metadata && input.metadata.size > 0) {
    input.metadata.writeTo(headers);
    for (const key in headers) if (grpcReservedHeaders.has(key)) delete headers[key];
  }
  headers[HEADER_CONTENT_TYPE] = grpcContentType(input.codec);
  headers[HEADER_TE] = 'trailers';
  headers[HEADER_USER_AGENT] = input.userAgent;
  headers[HEADER_GRPC_ACCEPT_ENCODING] = input.acceptEncoding;
  if (input.encoding) headers[HEADER_GRPC_ENCODING] = input.encoding;
  if (input.timeoutMs !== undefined) headers[HEADER_GRPC_TIMEOUT] = formatGrpcTimeout(input.timeoutMs);
  if (input.serviceKey.group) headers[HEADER_TRI_SERVICE_GROUP] = input.serviceKey.group;
  if (input.serviceKey.version) headers[HEADER_TRI_SERVICE_VERSION] = input.serviceKey.version;
  return headers;
}
