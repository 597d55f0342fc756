import { Code } from '../../core/code.js';
import type { CodecName } from '../../core/codec.js';
import type { Compression } from '../../core/compression.js';
import { Metadata, type IncomingHeaders } from '../../core/metadata.js';
import { TripleError } from '../../core/triple-error.js';
import { parseTripleContentType } from './content-type.js';
import { parseErrorBody } from './error-body.js';
import { HEADER_CONTENT_ENCODING, HEADER_CONTENT_TYPE, TRAILER_PREFIX, tripleReservedHeaders } from './headers.js';
import { codeFromHttpStatus } from './http-status.js';

/** Response metadata of a Triple unary call: plain headers, and the `trailer-` ones demuxed. */
export interface TripleResponseMetadata {
  readonly header: Metadata;
  readonly trailer: Metadata;
}

/**
 * Splits response headers into header and trailer metadata. Triple unary has no HTTP trailers
 * (it must work over HTTP/1.1 and through proxies), so servers send trailers as headers
 * prefixed `trailer-` (dubbo-js) or `Trailer-` (dubbo-go); node lower-cases names, which makes
 * the demux case-insensitive as both clients do. Real HTTP trailers, if a peer sends any, join
 * the trailer metadata. Undefined when a `-bin` value is malformed.
 */
export function readTripleMetadata(headers: IncomingHeaders, httpTrailers?: IncomingHeaders): TripleResponseMetadata | undefined {
  try {
    // tripleReservedHeaders also matches every `trailer-` name, so they stay out of `header`.
    const trailer = Metadata.fromHeaders(headers, tripleReservedHeaders, TRAILER_PREFIX);
    if (httpTrailers) trailer.merge(Metadata.fromHeaders(httpTrailers, tripleReservedHeaders));
    return { header: Metadata.fromHeaders(headers, tripleReservedHeaders), trailer };
  } catch {
    return undefined;
  }
}

/**
 * Checks a 200 response: the content type must be the codec we asked for (JSON with an
 * optional charset), the content encoding one we can decode. Returns the body's compression.
 */
export function validateTripleResponse(
  headers: IncomingHeaders,
  codec: CodecName,
  accepted: readonly Compression[],
): { value: Compression | null } | { error: TripleError } {
  const contentType = single(headers[HEADER_CONTENT_TYPE]);
  if (parseTripleContentType(contentType) !== codec) {
    return { error: new TripleError(Code.INTERNAL, `protocol error: asked for ${codec}, got content-type ${JSON.stringify(contentType ?? '')}`) };
  }
  return bodyCompression(headers, accepted);
}

/** The compression named by Content-Encoding (identity → null), or INTERNAL for an unknown one. */
export function bodyCompression(headers: IncomingHeaders, accepted: readonly Compression[]): { value: Compression | null } | { error: TripleError } {
  const encoding = single(headers[HEADER_CONTENT_ENCODING])?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') return { value: null };
  const compression = accepted.find((c) => c.name === encoding);
  if (!compression) return { error: new TripleError(Code.INTERNAL, `protocol error: unsupported response content-encoding "${encoding}"`) };
  return { value: compression };
}

/**
 * The error a non-200 response describes (triple-wire.md §4.2 "client procedure"): the JSON
 * error body when it parses — `{"code":"not_found"}` (dubbo-go), `{"status":5}` (dubbo-js) or
 * `{"status":"404"}` (Dubbo Java) — else the HTTP status table with `HTTP <status>` as message.
 * Headers and demuxed trailers become the error's metadata.
 */
export function tripleErrorFromResponse(status: number, headers: IncomingHeaders, body: Uint8Array | undefined): TripleError {
  const meta = readTripleMetadata(headers);
  const metadata = meta ? meta.header.merge(meta.trailer) : new Metadata();
  const parsed = body && body.byteLength > 0 ? parseErrorBody(body) : undefined;
  if (parsed) return TripleError.fromStatus(parsed.code, parsed.message, { details: parsed.details, metadata });
  return new TripleError(codeFromHttpStatus(status), `HTTP ${status}`, { metadata });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
