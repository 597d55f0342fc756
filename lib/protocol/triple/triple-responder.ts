import type { Codec, CodecName } from '../../core/codec.js';
import { acceptEncodingHeader, type Compression } from '../../core/compression.js';
import { assertWriteSize } from '../../core/limits.js';
import { Metadata, type OutgoingHeaders } from '../../core/metadata.js';
import { ResponderBase } from '../../core/responder-base.js';
import type { ServerCall } from '../../core/server-call.js';
import type { ServerHandlerOptions } from '../../core/server-options.js';
import type { TripleError } from '../../core/triple-error.js';
import { CONTENT_TYPE_JSON, tripleContentType } from './content-type.js';
import { encodeErrorBody } from './error-body.js';
import { HEADER_ACCEPT_ENCODING, HEADER_CONTENT_ENCODING, HEADER_CONTENT_LENGTH, HEADER_CONTENT_TYPE, TRAILER_PREFIX } from './headers.js';
import { httpStatusFromCode } from './http-status.js';

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
export class TripleResponder extends ResponderBase {
  private finished = false;

  get headersSent(): boolean {
    return this.finished;
  }

  /**
   * Encodes, size-checks and (above compressMinBytes, when negotiated) compresses the response,
   * then sends it. Synchronous unless compressing; throws (or rejects) when the message cannot
   * be encoded or exceeds writeMaxBytes.
   */
  sendLast(message: unknown): Promise<void> | undefined {
    const body = this.codec.encode(message);
    assertWriteSize(body.byteLength, this.limits.writeMaxBytes);
    const compression = this.compression;
    if (compression !== null && body.byteLength >= this.limits.compressMinBytes) {
      return compression.compress(body).then((z) => this.endWith(z, compression.name));
    }
    this.endWith(body, undefined);
    return undefined;
  }

  /** Ends the call with an error (a deadline, a handler failure, a bad request message). */
  finish(error: TripleError): void {
    if (this.finished) return;
    this.finished = true;
    this.scope?.end(error);
    writeTripleError(this.call, error, { acceptEncoding: acceptEncodingHeader(this.limits.compressions), header: this.header, trailer: this.trailer });
  }

  private endWith(body: Uint8Array, encoding: string | undefined): void {
    if (this.finished) return;
    this.finished = true;
    const headers: OutgoingHeaders = {};
    this.header?.writeTo(headers);
    this.trailer?.writeTo(headers, TRAILER_PREFIX);
    headers[HEADER_CONTENT_TYPE] = tripleContentType(this.codecName);
    headers[HEADER_CONTENT_LENGTH] = body.byteLength;
    headers[HEADER_ACCEPT_ENCODING] = acceptEncodingHeader(this.limits.compressions);
    if (encoding) headers[HEADER_CONTENT_ENCODING] = encoding;
    this.scope?.end();
    if (this.call.closed) return;
    this.call.respond(200, headers);
    this.call.end(body);
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
