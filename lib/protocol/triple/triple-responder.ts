import type { Codec, CodecName } from '../../core/codec.js';
import type { Compression } from '../../core/compression.js';
import { assertWriteSize } from '../../core/limits.js';
import { Metadata, type OutgoingHeaders } from '../../core/metadata.js';
import type { ServerCall } from '../../core/server-call.js';
import type { TripleError } from '../../core/triple-error.js';
import { CONTENT_TYPE_JSON, tripleContentType } from './content-type.js';
import { encodeErrorBody } from './error-body.js';
import { HEADER_ACCEPT_ENCODING, HEADER_CONTENT_ENCODING, HEADER_CONTENT_LENGTH, HEADER_CONTENT_TYPE, TRAILER_PREFIX } from './headers.js';
import { httpStatusFromCode } from './http-status.js';

/** Per-call settings of a {@link TripleResponder}, resolved once by the server handler. */
export interface TripleResponderOptions {
  readonly codecName: CodecName;
  readonly codec: Codec;
  readonly compression: Compression | null;
  /** `accept-encoding` value advertising the server's compressions. */
  readonly acceptEncoding: string;
  readonly writeMaxBytes: number;
  readonly compressMinBytes: number;
}

/** What an error response carries besides the error itself. */
export interface ErrorResponseOptions {
  readonly acceptEncoding: string;
  /** Handler-set response metadata (ctx.responseHeader / ctx.responseTrailer), if any. */
  readonly header?: Metadata;
  readonly trailer?: Metadata;
  /** Overrides the status derived from the code (415 for a streaming method, ...). */
  readonly httpStatus?: number;
  readonly extraHeaders?: OutgoingHeaders;
}

/**
 * The response half of a Triple unary call: exactly one answer, either 200 with the raw
 * (optionally compressed) message or the JSON error body with the status from the code.
 * Response metadata goes out as headers and trailer metadata as `trailer-` headers, so one
 * response shape serves HTTP/1.1, HTTP/2 and proxies alike.
 */
export class TripleResponder {
  readonly responseHeader = new Metadata();
  readonly responseTrailer = new Metadata();
  /** Called once with the final status (undefined = OK); the server aborts the scope on errors. */
  onFinish: ((error?: TripleError) => void) | undefined;
  private finished = false;

  constructor(
    private readonly call: ServerCall,
    private readonly options: TripleResponderOptions,
  ) {}

  get headersSent(): boolean {
    return this.finished;
  }

  /** Encodes, size-checks and (above compressMinBytes, when negotiated) compresses the response, then sends it. */
  async sendLast(message: unknown): Promise<void> {
    let body = this.options.codec.encode(message);
    assertWriteSize(body.byteLength, this.options.writeMaxBytes);
    const compression = this.options.compression;
    const compress = compression !== null && body.byteLength >= this.options.compressMinBytes;
    if (compress) body = await compression.compress(body);
    if (this.finished) return;
    this.finished = true;
    const headers: OutgoingHeaders = {};
    this.responseHeader.writeTo(headers);
    this.responseTrailer.writeTo(headers, TRAILER_PREFIX);
    headers[HEADER_CONTENT_TYPE] = tripleContentType(this.options.codecName);
    headers[HEADER_CONTENT_LENGTH] = body.byteLength;
    headers[HEADER_ACCEPT_ENCODING] = this.options.acceptEncoding;
    if (compress) headers[HEADER_CONTENT_ENCODING] = compression.name;
    this.onFinish?.();
    if (this.call.closed) return;
    this.call.respond(200, headers);
    this.call.end(body);
  }

  /** Ends the call with an error (a deadline, a handler failure, a bad request message). */
  finish(error: TripleError): void {
    if (this.finished) return;
    this.finished = true;
    this.onFinish?.(error);
    writeTripleError(this.call, error, { acceptEncoding: this.options.acceptEncoding, header: this.responseHeader, trailer: this.responseTrailer });
  }
}

/**
 * Writes a Triple error response: status from the code (or `httpStatus`), `application/json`
 * body readable by dubbo-js and dubbo-go clients, Content-Length, the handler's response
 * metadata and the error's own metadata as headers, trailers as `trailer-` headers. The unread
 * request body is drained first, so neither curl nor an HTTP/2 peer sees a reset request.
 */
export function writeTripleError(call: ServerCall, error: TripleError, options: ErrorResponseOptions): void {
  call.drainBody();
  if (call.closed) return;
  const body = encodeErrorBody(error);
  const headers: OutgoingHeaders = {};
  options.header?.writeTo(headers);
  error.metadata.writeTo(headers);
  options.trailer?.writeTo(headers, TRAILER_PREFIX);
  if (options.extraHeaders) Object.assign(headers, options.extraHeaders);
  headers[HEADER_CONTENT_TYPE] = CONTENT_TYPE_JSON;
  headers[HEADER_CONTENT_LENGTH] = body.byteLength;
  headers[HEADER_ACCEPT_ENCODING] = options.acceptEncoding;
  call.respond(options.httpStatus ?? httpStatusFromCode(error.code), headers);
  call.end(body);
}
