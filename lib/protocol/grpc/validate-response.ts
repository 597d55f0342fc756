import type { ClientResponseHead } from '../../core/client-call.js';
import { Code } from '../../core/code.js';
import type { CodecName } from '../../core/codec.js';
import type { Compression } from '../../core/compression.js';
import { Metadata, type IncomingHeaders } from '../../core/metadata.js';
import { TripleError } from '../../core/triple-error.js';
import { parseGrpcContentType } from './content-type.js';
import { grpcReservedHeaders, HEADER_CONTENT_TYPE, HEADER_GRPC_ENCODING, HEADER_GRPC_STATUS } from './headers.js';
import { codeFromHttpStatus } from './http-status.js';
import { trailersToError } from './status-trailer.js';

/** A response whose messages follow: header metadata and how its messages are compressed. */
export interface GrpcResponseStart {
  readonly header: Metadata;
  readonly compression: Compression | null;
}

/**
 * The call already ended with the head: a trailers-only response (grpc-status in the headers)
 * or an HTTP error. `error` is undefined for a trailers-only OK (a stream without messages).
 */
export interface GrpcResponseEnd {
  readonly ended: true;
  readonly error: TripleError | undefined;
  readonly trailer: Metadata;
}

/**
 * Client-side checks of a gRPC response head, in the order gRPC clients apply them:
 * 1. grpc-status in the headers: a trailers-only response; its status is the call's status,
 *    whatever the HTTP status (some proxies send one on a 4xx/5xx);
 * 2. HTTP status other than 200: the code from http-grpc-status-mapping.md (503 → UNAVAILABLE);
 * 3. content-type must be application/grpc[+codec] (else UNKNOWN, as for an HTTP 200 without
 *    grpc-status) and name the codec we asked for (else INTERNAL);
 * 4. grpc-encoding must be one we can decompress (else INTERNAL).
 */
export function validateGrpcResponse(
  head: ClientResponseHead,
  codec: CodecName,
  accepted: readonly Compression[],
): { value: GrpcResponseStart | GrpcResponseEnd } | { error: TripleError } {
  const headers = head.headers;
  if (headers[HEADER_GRPC_STATUS] !== undefined) {
    const error = trailersToError(headers);
    return { value: { ended: true, error, trailer: error ? error.metadata : readMetadata(headers) ?? new Metadata() } };
  }
  if (head.status !== 200) {
    const code = codeFromHttpStatus(head.status);
    return { error: new TripleError(code, `HTTP ${head.status}: the server answered without a gRPC status`, { metadata: readMetadata(headers) }) };
  }
  const contentType = single(headers[HEADER_CONTENT_TYPE]);
  const responseCodec = parseGrpcContentType(contentType);
  if (!responseCodec) {
    return { error: new TripleError(Code.UNKNOWN, `protocol error: unexpected response content-type ${JSON.stringify(contentType ?? '')}`) };
  }
  if (responseCodec !== codec) {
    return { error: new TripleError(Code.INTERNAL, `protocol error: asked for ${codec}, got content-type ${contentType}`) };
  }
  let compression: Compression | null = null;
  const encoding = single(headers[HEADER_GRPC_ENCODING])?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    compression = accepted.find((c) => c.name === encoding) ?? null;
    if (!compression) return { error: new TripleError(Code.INTERNAL, `protocol error: unsupported response grpc-encoding "${encoding}"`) };
  }
  const header = readMetadata(headers);
  if (!header) return { error: new TripleError(Code.INTERNAL, 'protocol error: malformed binary metadata in the response headers') };
  return { value: { header, compression } };
}

/** Trailer metadata of a finished call (grpc-status etc. removed); undefined if malformed. */
export function readMetadata(headers: IncomingHeaders): Metadata | undefined {
  try {
    return Metadata.fromHeaders(headers, grpcReservedHeaders);
  } catch {
    return undefined;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
