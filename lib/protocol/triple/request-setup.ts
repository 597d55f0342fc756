import { Code } from '../../core/code.js';
import type { Codec, CodecName } from '../../core/codec.js';
import { negotiateCompression, type Compression } from '../../core/compression.js';
import { readSizeError } from '../../core/limits.js';
import { Metadata } from '../../core/metadata.js';
import type { ChunkSink, ServerCall } from '../../core/server-call.js';
import type { ServerHandlerOptions } from '../../core/server-options.js';
import { TripleError } from '../../core/triple-error.js';
import {
  HEADER_ACCEPT_ENCODING,
  HEADER_CONTENT_LENGTH,
  HEADER_TRI_PROTOCOL_VERSION,
  HEADER_TRIPLE_PROTOCOL_VERSION,
  TRI_PROTOCOL_VERSION,
  tripleReservedHeaders,
} from './headers.js';
import { readTripleTimeout } from './timeout.js';

/**
 * How a Triple unary request arrived. POST: the codec from Content-Type and the body's
 * Content-Encoding; GET: the query form already parsed (see get-request.ts).
 */
export interface TripleRequestForm {
  readonly codec: CodecName;
  /** GET only: the message bytes from the query; POST reads the body instead. */
  readonly message?: Uint8Array;
  /** Compression of the message: POST `Content-Encoding`, GET `compression=`. */
  readonly encoding: string | undefined;
  /** GET only: the query named a protocol version (`triple=`), which satisfies requireProtocolHeader. */
  readonly hasVersion?: boolean;
}

/** What the request headers say about a call, checked before anything is read. */
export interface TripleRequestSetup {
  /** Decompresses the request message; null = identity. */
  readonly requestCompression: Compression | null;
  /** Compresses the response body; null = identity. */
  readonly responseCompression: Compression | null;
  readonly timeoutMs: number | undefined;
  readonly requestMetadata: Metadata;
}

/**
 * Validates the headers of a Triple request in the order dubbo-js does: protocol version (only
 * when `requireProtocolHeader`), content encoding (UNIMPLEMENTED, HTTP 404, for an unknown
 * one), timeout (INVALID_ARGUMENT, 400), then metadata (a malformed `-bin` value is 400).
 */
export function prepareTripleRequest(call: ServerCall, form: TripleRequestForm, options: ServerHandlerOptions): TripleRequestSetup | TripleError {
  const headers = call.headers;
  if (options.requireProtocolHeader && !form.hasVersion && headers[HEADER_TRI_PROTOCOL_VERSION] === undefined && headers[HEADER_TRIPLE_PROTOCOL_VERSION] === undefined) {
    return new TripleError(Code.INVALID_ARGUMENT, `missing required header: set ${HEADER_TRI_PROTOCOL_VERSION} to "${TRI_PROTOCOL_VERSION}"`);
  }
  const accept = headers[HEADER_ACCEPT_ENCODING];
  const compression = negotiateCompression(options.compressions, form.encoding, Array.isArray(accept) ? accept.join(',') : accept);
  if (compression.error) return compression.error;
  const timeout = readTripleTimeout(headers);
  if ('error' in timeout) return timeout.error;
  let requestMetadata: Metadata;
  try {
    requestMetadata = Metadata.fromHeaders(headers, tripleReservedHeaders, '', call.rawHeaders);
  } catch (e) {
    return TripleError.from(e, Code.INVALID_ARGUMENT);
  }
  return { requestCompression: compression.request, responseCompression: compression.response, timeoutMs: timeout.timeoutMs, requestMetadata };
}

/**
 * Buffers a POST request body up to `readMaxBytes`: a Content-Length above it is refused
 * before reading (the constructor throws), and a body that grows past it stops being buffered
 * at the first byte over (RESOURCE_EXHAUSTED, HTTP 429); the rest is discarded by the
 * transport so the peer still gets the answer. Feed it with `call.readAll(collector)`.
 */
export class BodyCollector implements ChunkSink {
  private first: Uint8Array | undefined;
  private chunks: Uint8Array[] | undefined;
  private total = 0;

  constructor(
    call: ServerCall,
    private readonly readMaxBytes: number,
  ) {
    const announced = call.headers[HEADER_CONTENT_LENGTH];
    if (typeof announced === 'string' && Number(announced) > readMaxBytes) throw readSizeError(Number(announced), readMaxBytes);
  }

  push(chunk: Uint8Array): void {
    this.total += chunk.byteLength;
    if (this.total > this.readMaxBytes) throw readSizeError(this.total, this.readMaxBytes);
    if (this.first === undefined) this.first = chunk;
    else (this.chunks ??= [this.first]).push(chunk);
  }

  /** The whole body, once readAll resolved. */
  bytes(): Uint8Array {
    if (this.chunks) return Buffer.concat(this.chunks, this.total);
    return this.first ?? new Uint8Array(0);
  }
}

/** Decodes the request message, decompressed as a whole first when it was compressed. */
export function decodeTripleMessage(bytes: Uint8Array, setup: TripleRequestSetup, codec: Codec, readMaxBytes: number): unknown {
  if (setup.requestCompression && bytes.byteLength > 0) {
    return setup.requestCompression.decompress(bytes, readMaxBytes).then((plain) => codec.decode(plain));
  }
  return codec.decode(bytes);
}
