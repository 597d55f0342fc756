/**
 * Header names of the gRPC protocol and the Dubbo extensions carried on it. node:http2 hands
 * header names over lower-cased, so these are the spellings to index incoming headers with.
 */

export const HEADER_CONTENT_TYPE = 'content-type';
/** `te: trailers`, sent by every gRPC client; never user metadata. */
export const HEADER_TE = 'te';
export const HEADER_USER_AGENT = 'user-agent';
/** Relative deadline, `<≤8 digits><H|M|S|m|u|n>` (see timeout.ts). */
export const HEADER_GRPC_TIMEOUT = 'grpc-timeout';
/** Per-message compression of the messages on this stream. */
export const HEADER_GRPC_ENCODING = 'grpc-encoding';
/** Compressions the sender can decompress, comma-separated, in preference order. */
export const HEADER_GRPC_ACCEPT_ENCODING = 'grpc-accept-encoding';
export const HEADER_GRPC_STATUS = 'grpc-status';
/** Percent-encoded status message (see status-trailer.ts). */
export const HEADER_GRPC_MESSAGE = 'grpc-message';
/** Unpadded base64 of google.rpc.Status; wins over grpc-status/grpc-message when valid. */
export const HEADER_GRPC_STATUS_DETAILS_BIN = 'grpc-status-details-bin';
/** Legacy, still sent by some peers (message type name); never user metadata. */
export const HEADER_GRPC_MESSAGE_TYPE = 'grpc-message-type';
/** Dubbo service group: part of the route key. */
export const HEADER_TRI_SERVICE_GROUP = 'tri-service-group';
/** Dubbo service version: part of the route key. */
export const HEADER_TRI_SERVICE_VERSION = 'tri-service-version';
/** Application name of a Dubbo Java consumer. */
export const HEADER_TRI_CONSUMER_APPNAME = 'tri-consumer-appname';

/**
 * Headers that are protocol machinery, never copied into user metadata: a handler sees the
 * call's metadata, not the framing, deadline or status plumbing.
 *
 * Deliberately *not* reserved, so handlers can read them: `user-agent` (dubbo-go keeps it too,
 * and it is useful for logging) and the Dubbo headers `tri-service-group`,
 * `tri-service-version`, `tri-consumer-appname` (Dubbo exposes them as invocation
 * attachments). HTTP/2 pseudo-headers are skipped by Metadata.fromHeaders itself. Hop-by-hop
 * and transport headers (`connection`, `content-length`, `host`, encodings of the HTTP layer)
 * describe this hop, not the call, so they are reserved too.
 */
export const grpcReservedHeaders: ReadonlySet<string> = new Set([
  HEADER_CONTENT_TYPE,
  HEADER_TE,
  HEADER_GRPC_TIMEOUT,
  HEADER_GRPC_ENCODING,
  HEADER_GRPC_ACCEPT_ENCODING,
  HEADER_GRPC_STATUS,
  HEADER_GRPC_MESSAGE,
  HEADER_GRPC_STATUS_DETAILS_BIN,
  HEADER_GRPC_MESSAGE_TYPE,
  'accept-encoding',
  'content-encoding',
  'content-length',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
  'trailer',
]);
