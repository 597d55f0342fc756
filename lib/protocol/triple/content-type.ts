import type { CodecName } from '../../core/codec.js';

/** Triple unary with proto3 JSON bodies: what curl and browsers send. */
export const CONTENT_TYPE_JSON = 'application/json';
/** Triple unary with binary protobuf bodies (dubbo-js' default). */
export const CONTENT_TYPE_PROTO = 'application/proto';
/** Server-Sent Events, the plain-HTTP form of a server stream (Dubbo Java's HTTP mode). */
export const CONTENT_TYPE_EVENT_STREAM = 'text/event-stream';

/**
 * Recognizes a Triple unary request body: `application/json` (with an optional
 * `charset=utf-8`, which browsers and curl users add, the only charset proto3 JSON allows) and
 * `application/proto`, case-insensitively. Anything else, including other charsets and the
 * Connect/gRPC types, is undefined, so the dispatcher answers 415 or picks another protocol.
 */
export function parseTripleContentType(contentType: string | undefined): CodecName | undefined {
  if (contentType === undefined) return undefined;
  // Fast path: the exact spellings clients send, no allocation.
  if (contentType === CONTENT_TYPE_JSON) return 'json';
  if (contentType === CONTENT_TYPE_PROTO) return 'proto';
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (mediaType === CONTENT_TYPE_PROTO) return semicolon < 0 ? 'proto' : undefined;
  if (mediaType !== CONTENT_TYPE_JSON) return undefined;
  if (semicolon < 0) return 'json';
  return isUtf8Charset(contentType.slice(semicolon + 1)) ? 'json' : undefined;
}

/** `charset=utf-8` / `charset="UTF8"`, the one parameter tolerated after application/json. */
function isUtf8Charset(parameters: string): boolean {
  const eq = parameters.indexOf('=');
  if (eq < 0 || parameters.slice(0, eq).trim().toLowerCase() !== 'charset') return false;
  const value = parameters.slice(eq + 1).trim().replace(/^"|"$/g, '').toLowerCase();
  return value === 'utf-8' || value === 'utf8';
}

/**
 * The response Content-Type for a codec: normalized, without charset, as dubbo-js answers
 * (JSON is UTF-8 by definition, RFC 8259 §8.1).
 */
export function tripleContentType(codec: CodecName): string {
  return codec === 'json' ? CONTENT_TYPE_JSON : CONTENT_TYPE_PROTO;
}

/**
 * True when an `Accept` header asks for Server-Sent Events (`text/event-stream`, possibly in a
 * list with other types). Only server-streaming methods answer this way.
 */
export function acceptsEventStream(accept: string | undefined): boolean {
  return accept !== undefined && accept.toLowerCase().includes(CONTENT_TYPE_EVENT_STREAM);
}
