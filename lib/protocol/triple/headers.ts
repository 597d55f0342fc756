/**
 * Header names of Triple unary (triple-wire.md §2.1, §2.2). dubbo-js spells them `TRI-*`,
 * dubbo-go `Triple-*`; node hands names over lower-cased, so these are the spellings to index
 * incoming headers with. A server reads both families and never requires either.
 */

/** `application/json` or `application/proto` (see content-type.ts). */
export const HEADER_CONTENT_TYPE = 'content-type';
/** Always set on Triple unary responses; a request's is checked against readMaxBytes up front. */
export const HEADER_CONTENT_LENGTH = 'content-length';
/** Whole-body compression of a Triple unary request or response. */
export const HEADER_CONTENT_ENCODING = 'content-encoding';
/** Response compressions the peer can decode, comma-separated, in preference order. */
export const HEADER_ACCEPT_ENCODING = 'accept-encoding';
/** `text/event-stream` asks for a server-streaming method as Server-Sent Events. */
export const HEADER_ACCEPT = 'accept';
export const HEADER_USER_AGENT = 'user-agent';
/** Sent with a 405: the HTTP methods the route accepts. */
export const HEADER_ALLOW = 'allow';
/** Sent with a 415: the content types this server accepts (RFC 5789 §3.1). */
export const HEADER_ACCEPT_POST = 'accept-post';
export const HEADER_CONNECTION = 'connection';
export const HEADER_CACHE_CONTROL = 'cache-control';

/** Protocol version, dubbo-js spelling (`1.0.0`). Checked only with `requireProtocolHeader`. */
export const HEADER_TRI_PROTOCOL_VERSION = 'tri-protocol-version';
/** Protocol version, dubbo-go spelling (`0.1.0`). Checked only with `requireProtocolHeader`. */
export const HEADER_TRIPLE_PROTOCOL_VERSION = 'triple-protocol-version';
/** The value our client sends in {@link HEADER_TRI_PROTOCOL_VERSION}, as dubbo-js does. */
export const TRI_PROTOCOL_VERSION = '1.0.0';
/** Relative deadline in plain milliseconds: dubbo-js, Dubbo Java and the spec. */
export const HEADER_TRI_SERVICE_TIMEOUT = 'tri-service-timeout';
/** Relative deadline in plain milliseconds: dubbo-go. */
export const HEADER_TRIPLE_TIMEOUT_MS = 'triple-timeout-ms';
/** gRPC's deadline header; honoured on Triple too when a proxy or client sends it. */
export const HEADER_GRPC_TIMEOUT = 'grpc-timeout';
/** Dubbo service group: part of the route key. */
export const HEADER_TRI_SERVICE_GROUP = 'tri-service-group';
/** Dubbo service version: part of the route key. */
export const HEADER_TRI_SERVICE_VERSION = 'tri-service-version';

/**
 * Triple unary has no HTTP trailers (it must work over HTTP/1.1 and through proxies): trailing
 * metadata travels as headers with this prefix (dubbo-js `trailer-`, dubbo-go `Trailer-`).
 */
export const TRAILER_PREFIX = 'trailer-';

/** A name set that also matches every `trailer-`-prefixed name. */
class ReservedNames extends Set<string> {
  override has(name: string): boolean {
    return super.has(name) || name.startsWith(TRAILER_PREFIX);
  }
}

/**
 * Headers that are protocol or hop machinery, never copied into user metadata (server side)
 * nor taken from it (client side): a handler sees the call's metadata, not the framing,
 * deadline or content negotiation of this hop. Every `trailer-*` name is reserved too (those
 * carry response trailers). As in gRPC mode, `user-agent` and the group/version route headers
 * stay readable.
 */
export const tripleReservedHeaders: ReadonlySet<string> = new ReservedNames([
  HEADER_CONTENT_TYPE,
  HEADER_CONTENT_LENGTH,
  HEADER_CONTENT_ENCODING,
  HEADER_ACCEPT_ENCODING,
  HEADER_TRI_PROTOCOL_VERSION,
  HEADER_TRIPLE_PROTOCOL_VERSION,
  HEADER_TRI_SERVICE_TIMEOUT,
  HEADER_TRIPLE_TIMEOUT_MS,
  HEADER_GRPC_TIMEOUT,
  'te',
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'expect',
  'http2-settings',
  'date',
]);
