import type { ServiceKey } from '../../core/call-context.js';
import type { CodecName } from '../../core/codec.js';
import type { Metadata, OutgoingHeaders } from '../../core/metadata.js';
import { tripleContentType } from './content-type.js';
import {
  HEADER_ACCEPT_ENCODING,
  HEADER_CONTENT_ENCODING,
  HEADER_CONTENT_TYPE,
  HEADER_TRI_PROTOCOL_VERSION,
  HEADER_TRI_SERVICE_GROUP,
  HEADER_TRI_SERVICE_TIMEOUT,
  HEADER_TRIPLE_TIMEOUT_MS,
  HEADER_TRI_SERVICE_VERSION,
  HEADER_USER_AGENT,
  TRI_PROTOCOL_VERSION,
  tripleReservedHeaders,
} from './headers.js';

/** The Triple unary timeout header carries at most 10 digits (dubbo-js and dubbo-go reject more). */
const MAX_TIMEOUT_MS = 9_999_999_999;

export interface TripleRequestHeaderInput {
  readonly codec: CodecName;
  /** Remaining time of the call, ms; undefined = no deadline. */
  readonly timeoutMs: number | undefined;
  /** Name of the body compression, when the body is compressed. */
  readonly encoding: string | undefined;
  /** `accept-encoding` value: response compressions we can decode. */
  readonly acceptEncoding: string;
  readonly userAgent: string;
  readonly serviceKey: ServiceKey;
  readonly metadata: Metadata | undefined;
}

/**
 * Request headers of a Triple unary call (triple-wire.md §2.1): `application/json|proto`,
 * `tri-protocol-version: 1.0.0` (dubbo-js sends it; servers that require it accept this value),
 * the deadline in whole milliseconds (rounded up so the server never sees a shorter deadline)
 * both as `tri-service-timeout` (what Dubbo Java and dubbo-js read) and as `triple-timeout-ms`
 * (what dubbo-go reads; the others ignore it), the Dubbo group/version route
 * headers, body encodings, then user metadata — never allowed to override protocol headers.
 */
export function tripleRequestHeaders(input: TripleRequestHeaderInput): OutgoingHeaders {
  const headers: OutgoingHeaders = {};
  if (input.metadata && input.metadata.size > 0) {
    input.metadata.writeTo(headers);
    for (const key in headers) if (tripleReservedHeaders.has(key)) delete headers[key];
  }
  headers[HEADER_CONTENT_TYPE] = tripleContentType(input.codec);
  headers[HEADER_TRI_PROTOCOL_VERSION] = TRI_PROTOCOL_VERSION;
  headers[HEADER_USER_AGENT] = input.userAgent;
  headers[HEADER_ACCEPT_ENCODING] = input.acceptEncoding;
  if (input.encoding) headers[HEADER_CONTENT_ENCODING] = input.encoding;
  if (input.timeoutMs !== undefined) {
    const ms = String(Math.min(Math.max(Math.ceil(input.timeoutMs), 0), MAX_TIMEOUT_MS));
    headers[HEADER_TRI_SERVICE_TIMEOUT] = ms;
    headers[HEADER_TRIPLE_TIMEOUT_MS] = ms;
  }
  if (input.serviceKey.group) headers[HEADER_TRI_SERVICE_GROUP] = input.serviceKey.group;
  if (input.serviceKey.version) headers[HEADER_TRI_SERVICE_VERSION] = input.serviceKey.version;
  return headers;
}
