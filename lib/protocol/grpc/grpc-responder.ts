import type { Codec, CodecName } from '../../core/codec.js';
import { acceptEncodingHeader, type Compression } from '../../core/compression.js';
import { encodeEnvelope, ENVELOPE_HEADER_SIZE, FLAG_COMPRESSED } from '../../core/envelope.js';
import { FrameQueue } from '../../core/frame-queue.js';
import { assertWriteSize } from '../../core/limits.js';
import { Metadata, type OutgoingHeaders } from '../../core/metadata.js';
import { ResponderBase } from '../../core/responder-base.js';
import { encodePlainFrame } from '../../core/plain-frame.js';
import type { RespondOptions, ServerCall } from '../../core/server-call.js';
import type { ServerHandlerOptions } from '../../core/server-options.js';
import type { TripleError } from '../../core/triple-error.js';
import { grpcContentType } from './content-type.js';
import { HEADER_CONTENT_TYPE, HEADER_GRPC_ACCEPT_ENCODING, HEADER_GRPC_ENCODING } from './headers.js';
import { errorTrailers, okTrailers } from './status-trailer.js';

const WITH_TRAILERS: RespondOptions = { trailers: true };
const END_STREAM: RespondOptions = { endStream: true };

/** Response headers without metadata or compression, per codec: built once, copied by node:http2. */
const plainHeaderCache = new WeakMap<readonly Compression[], Partial<Record<CodecName, OutgoingHeaders>>>();

/**
 * The response half of a gRPC call: sends headers lazily (so a handler can still add
 * metadata before its first message), frames and queues messages, and ends with exactly one
 * status — trailers-only when nothing was sent yet, which is what gRPC clients expect for
 * errors that happen before any response.
 */
export class GrpcResponder extends ResponderBase {
  private sentHeaders = false;
  private finished = false;
  private queue: FrameQueue | undefined;
  /** Size of the last message sent one at a time: the next one's frame buffer is sized for it. */
  private lastMessageBytes = 0;

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
      this.call.respond(httpStatus, { connection: 'close' }, END_STREAM);
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
    let bytes: Uint8Array;
    if (this.compression) {
      const { frame } = this.frame(message);
      bytes = frame instanceof Promise ? await frame : frame;
    } else {
      bytes = encodePlainFrame(this.codec, message, this.lastMessageBytes, this.limits.writeMaxBytes);
      this.lastMessageBytes = bytes.byteLength - ENVELOPE_HEADER_SIZE;
    }
    if (this.finished) return;
    this.ensureHeaders();
    const pending = this.call.write(bytes);
    if (pending) await pending;
  }

  /** Queues one message for a producer that cannot wait (an Observable). */
  push(message: unknown): void {
    if (this.finished) return;
    const codec = this.codec;
    const queue = (this.queue ??= new FrameQueue(this.call, this.limits.maxBufferedBytes, (e) => this.finish(e), this.limits.chunkPool));
    if (!this.compression && codec.encodeInto) {
      // Most streams: no compression, so the message is encoded right into the write chunk.
      queue.pushEncoded(message, codec as Required<Pick<Codec, 'encodeInto'>>, this.limits.writeMaxBytes);
      this.ensureHeaders();
      return;
    }
    const bytes = this.encode(message);
    this.ensureHeaders();
    const compressed = this.compressed(bytes);
    if (compressed) queue.push(compressed, bytes.byteLength + 5);
    else queue.pushPlain(bytes);
  }

  get bufferedBytes(): number {
    return this.queue ? this.queue.bufferedBytes : 0;
  }

  /** Resolves once every pushed message was handed to the transport. */
  flushed(): Promise<void> {
    return this.queue ? this.queue.whenIdle() : Promise.resolve();
  }

  /**
   * Sends a unary response and the OK status in one go. Synchronous unless the message is
   * compressed (then the returned promise settles once it was sent). Throws (or rejects) when
   * the message cannot be encoded or exceeds writeMaxBytes.
   */
  sendLast(message: unknown): Promise<void> | undefined {
    const bytes = this.encode(message);
    const compressed = this.compressed(bytes);
    if (compressed) return compressed.then((frame) => this.endWith(frame));
    this.endWith(encodeEnvelope(0, bytes));
    return undefined;
  }

  /** Ends the call with a status: OK without an error, the error's status otherwise. */
  finish(error?: TripleError): void {
    if (this.finished) return;
    this.finished = true;
    this.scope?.end(error);
    if (this.call.closed) return;
    const trailers = error ? errorTrailers(error, this.trailer) : okTrailers(this.trailer);
    if (!this.sentHeaders) {
      this.sentHeaders = true;
      this.call.drainBody();
      const headers = this.baseHeaders();
      this.header?.writeTo(headers);
      Object.assign(headers, trailers);
      this.call.respond(200, headers, END_STREAM);
      return;
    }
    this.call.end(undefined, trailers);
  }

  /**
   * Encodes and size-checks one message. The bytes may be the codec's transient buffer: valid
   * until the next encode, so every caller copies (frames) them before returning.
   */
  private encode(message: unknown): Uint8Array {
    const codec = this.codec;
    const bytes = codec.encodeTransient ? codec.encodeTransient(message) : codec.encode(message);
    assertWriteSize(bytes.byteLength, this.limits.writeMaxBytes);
    return bytes;
  }

  /** The compressed frame when compression applies to a message of this size, else undefined. */
  private compressed(bytes: Uint8Array): Promise<Uint8Array> | undefined {
    if (!this.compression || bytes.byteLength < this.limits.compressMinBytes) return undefined;
    // Compression runs asynchronously: it needs a copy of the codec's transient buffer.
    const owned = this.codec.encodeTransient ? Buffer.from(bytes) : bytes;
    return this.compression.compress(owned).then((z) => encodeEnvelope(FLAG_COMPRESSED, z));
  }

  private endWith(frame: Uint8Array): void {
    if (this.finished) return;
    this.ensureHeaders();
    this.finished = true;
    this.call.end(frame, okTrailers(this.trailer));
    this.scope?.end();
  }

  private ensureHeaders(): void {
    if (this.sentHeaders) return;
    this.sentHeaders = true;
    if (!this.compression && (!this.header || this.header.size === 0)) {
      this.call.respond(200, this.plainHeaders(), WITH_TRAILERS);
      return;
    }
    const headers = this.baseHeaders();
    if (this.compression) headers[HEADER_GRPC_ENCODING] = this.compression.name;
    this.header?.writeTo(headers);
    this.call.respond(200, headers, WITH_TRAILERS);
  }

  /** The shared headers of a response without metadata or compression (never modified). */
  private plainHeaders(): OutgoingHeaders {
    const compressions = this.limits.compressions;
    let byCodec = plainHeaderCache.get(compressions);
    if (!byCodec) plainHeaderCache.set(compressions, (byCodec = {}));
    return (byCodec[this.codecName] ??= Object.freeze(this.baseHeaders()));
  }

  private baseHeaders(): OutgoingHeaders {
    return {
      [HEADER_CONTENT_TYPE]: grpcContentType(this.codecName),
      [HEADER_GRPC_ACCEPT_ENCODING]: acceptEncodingHeader(this.limits.compressions),
    };
  }
}
