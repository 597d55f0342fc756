import type { CallContext } from '../../core/call-context.js';
import type { Codec, CodecName } from '../../core/codec.js';
import type { Compression } from '../../core/compression.js';
import { encodeEnvelope, FLAG_COMPRESSED } from '../../core/envelope.js';
import { FrameQueue } from '../../core/frame-queue.js';
import { assertWriteSize } from '../../core/limits.js';
import { Metadata, type OutgoingHeaders } from '../../core/metadata.js';
import type { ServerCall } from '../../core/server-call.js';
import { TripleError } from '../../core/triple-error.js';
import { grpcContentType } from './content-type.js';
import { HEADER_CONTENT_TYPE, HEADER_GRPC_ACCEPT_ENCODING, HEADER_GRPC_ENCODING } from './headers.js';
import { errorTrailers, okTrailers } from './status-trailer.js';

export interface GrpcResponderOptions {
  readonly codecName: CodecName;
  readonly codec: Codec;
  readonly compression: Compression | null;
  readonly acceptEncoding: string;
  readonly writeMaxBytes: number;
  readonly compressMinBytes: number;
  readonly maxBufferedBytes: number;
}

/**
 * The response half of a gRPC call: sends headers lazily (so a handler can still add
 * metadata before its first message), frames and queues messages, and ends with exactly one
 * status — trailers-only when nothing was sent yet, which is what gRPC clients expect for
 * errors that happen before any response.
 */
export class GrpcResponder {
  readonly responseHeader = new Metadata();
  readonly responseTrailer = new Metadata();
  context: CallContext | undefined;
  /** Called once with the final status (undefined = OK); the server aborts the scope on errors. */
  onFinish: ((error?: TripleError) => void) | undefined;
  private sentHeaders = false;
  private finished = false;
  private queue: FrameQueue | undefined;

  constructor(
    private readonly call: ServerCall,
    private readonly options: GrpcResponderOptions,
  ) {}

  get headersSent(): boolean {
    return this.sentHeaders;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Ends a call that never reached its handler (bad headers, wrong HTTP version). */
  reject(error: TripleError, httpStatus = 200): void {
    this.call.drainBody();
    if (httpStatus !== 200) {
      this.finished = true;
      this.call.respond(httpStatus, { connection: 'close' }, { endStream: true });
      return;
    }
    this.finish(error);
  }

  /** Frames one message: encoded, size-checked, compressed when worth it. */
  frame(message: unknown): { frame: Uint8Array | Promise<Uint8Array>; size: number } {
    const bytes = this.encode(message);
    const compressed = this.compressed(bytes);
    if (compressed) return { frame: compressed, size: bytes.byteLength + 5 };
    return { frame: encodeEnvelope(0, bytes), size: bytes.byteLength + 5 };
  }

  /** Writes one message, respecting backpressure; await the result before sending the next. */
  async send(message: unknown): Promise<void> {
    const { frame } = this.frame(message);
    const bytes = frame instanceof Promise ? await frame : frame;
    if (this.finished) return;
    this.ensureHeaders();
    const pending = this.call.write(bytes);
    if (pending) await pending;
  }

  /** Queues one message for a producer that cannot wait (an Observable). */
  push(message: unknown): void {
    if (this.finished) return;
    const { codec, compression } = this.options;
    const queue = (this.queue ??= new FrameQueue(this.call, this.options.maxBufferedBytes, (e) => this.finish(e)));
    if (!compression && codec.encodeInto) {
      // Most streams: no compression, so the message is encoded right into the write chunk.
      queue.pushEncoded(message, codec as Required<Pick<typeof codec, 'encodeInto'>>, this.options.writeMaxBytes);
      this.ensureHeaders();
      return;
    }
    const bytes = this.encode(message);
    this.ensureHeaders();
    const compressed = this.compressed(bytes);
    if (compressed) queue.push(compressed, bytes.byteLength + 5);
    else queue.pushPlain(bytes);
  }

  /**
   * Encodes and size-checks one message. The bytes may be the codec's transient buffer: valid
   * until the next encode, so every caller copies (frames) them before returning.
   */
  private encode(message: unknown): Uint8Array {
    const codec = this.options.codec;
    const bytes = codec.encodeTransient ? codec.encodeTransient(message) : codec.encode(message);
    assertWriteSize(bytes.byteLength, this.options.writeMaxBytes);
    return bytes;
  }

  /** The compressed frame when compression applies to a message of this size, else undefined. */
  private compressed(bytes: Uint8Array): Promise<Uint8Array> | undefined {
    const compression = this.options.compression;
    if (!compression || bytes.byteLength < this.options.compressMinBytes) return undefined;
    // Compression runs asynchronously: it needs a copy of the codec's transient buffer.
    const owned = this.options.codec.encodeTransient ? Buffer.from(bytes) : bytes;
    return compression.compress(owned).then((z) => encodeEnvelope(FLAG_COMPRESSED, z));
  }

  /** Resolves once every pushed message was handed to the transport. */
  flushed(): Promise<void> {
    return this.queue ? this.queue.whenIdle() : Promise.resolve();
  }

  /** Sends a unary response and the OK status in one go. */
  async sendLast(message: unknown): Promise<void> {
    const { frame } = this.frame(message);
    const bytes = frame instanceof Promise ? await frame : frame;
    if (this.finished) return;
    this.ensureHeaders();
    this.finished = true;
    this.call.end(bytes, okTrailers(this.responseTrailer));
    this.onFinish?.();
  }

  /** Ends the call with a status: OK without an error, the error's status otherwise. */
  finish(error?: TripleError): void {
    if (this.finished) return;
    this.finished = true;
    this.onFinish?.(error);
    if (this.call.closed) return;
    const trailers = error ? errorTrailers(error, this.responseTrailer) : okTrailers(this.responseTrailer);
    if (!this.sentHeaders) {
      this.sentHeaders = true;
      this.call.drainBody();
      const headers = this.baseHeaders();
      this.responseHeader.writeTo(headers);
      Object.assign(headers, trailers);
      this.call.respond(200, headers, { endStream: true });
      return;
    }
    this.call.end(undefined, trailers);
  }

  private ensureHeaders(): void {
    if (this.sentHeaders) return;
    this.sentHeaders = true;
    const headers = this.baseHeaders();
    if (this.options.compression) headers[HEADER_GRPC_ENCODING] = this.options.compression.name;
    this.responseHeader.writeTo(headers);
    this.call.respond(200, headers, { trailers: true });
  }

  private baseHeaders(): OutgoingHeaders {
    return {
      [HEADER_CONTENT_TYPE]: grpcContentType(this.options.codecName),
      [HEADER_GRPC_ACCEPT_ENCODING]: this.options.acceptEncoding,
    };
  }
}
