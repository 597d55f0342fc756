import type { ClientCall } from '../../core/client-call.js';
import type { UnaryResponse } from '../../core/client-transport.js';
import { Code } from '../../core/code.js';
import { ENVELOPE_HEADER_SIZE } from '../../core/envelope.js';
import { EnvelopeDecoder } from '../../core/envelope-decoder.js';
import { readSizeError } from '../../core/limits.js';
import { decodeEnvelope, type MessageReadOptions } from '../../core/message-reader.js';
import { Metadata, type IncomingHeaders } from '../../core/metadata.js';
import { TripleError } from '../../core/triple-error.js';
import { trailersToError } from './status-trailer.js';
import { readMetadata } from './validate-response.js';

/**
 * Reads the one response message of a unary or client-streaming gRPC call in one go
 * (ClientCall.readAll), instead of through the pull-based message iterator, which costs several
 * promises per call. Zero or two messages break the method's cardinality: UNIMPLEMENTED, as gRPC
 * clients report it; a second message fails the call at once, a non-OK status wins over a
 * missing message. A malformed frame or message is the server's fault: INTERNAL.
 *
 * @param header the response header metadata, already validated
 * @param pump the request sender of a client-streaming call, stopped once the response is over
 */
export function readSingleResponse<O>(
  call: ClientCall,
  header: Metadata,
  options: MessageReadOptions<O>,
  pump: { stop(): void } | undefined,
): Promise<UnaryResponse<O>> {
  const reader = new SingleMessageReader<O>(options);
  return call.readAll((chunk) => reader.push(chunk)).then(
    (trailers) => {
      pump?.stop();
      return reader.finish(trailers, header);
    },
    (e: unknown) => {
      pump?.stop();
      throw TripleError.from(e, Code.INTERNAL);
    },
  );
}

class SingleMessageReader<O> {
  /** Only made when a chunk is not exactly one whole envelope (the usual single DATA frame is). */
  private decoder: EnvelopeDecoder | undefined;
  private count = 0;
  private message: O | Promise<O> | undefined;

  constructor(private readonly options: MessageReadOptions<O>) {}

  /** Throws (and readAll cancels the call) on a second message, a bad frame or message. */
  push(chunk: Uint8Array): void {
    const size = chunk.byteLength;
    if (!this.decoder && size >= ENVELOPE_HEADER_SIZE) {
      const length = ((chunk[1]! << 24) >>> 0) + (chunk[2]! << 16) + (chunk[3]! << 8) + chunk[4]!;
      if (length > this.options.readMaxBytes) throw readSizeError(length, this.options.readMaxBytes);
      if (length + ENVELOPE_HEADER_SIZE === size) {
        this.accept(chunk[0]!, chunk.subarray(ENVELOPE_HEADER_SIZE));
        return;
      }
    }
    this.decoder ??= new EnvelopeDecoder(this.options.readMaxBytes);
    let envelopes;
    try {
      envelopes = this.decoder.push(chunk);
    } catch (e) {
      throw readError(e);
    }
    for (let i = 0; i < envelopes.length; i++) this.accept(envelopes[i]!.flags, envelopes[i]!.data);
  }

  /** The response once the body ended: the status first, then the cardinality, then the message. */
  finish(trailers: IncomingHeaders, header: Metadata): UnaryResponse<O> | Promise<UnaryResponse<O>> {
    try {
      this.decoder?.finish();
    } catch (e) {
      throw readError(e);
    }
    const status = trailersToError(trailers);
    if (status) throw status;
    if (this.count === 0) throw new TripleError(Code.UNIMPLEMENTED, 'protocol error: missing response message for a single-response method');
    const trailer = readMetadata(trailers) ?? new Metadata();
    const message = this.message;
    if (!(message instanceof Promise)) return { message: message as O, header, trailer };
    return message.then((value) => ({ message: value, header, trailer }), (e: unknown) => Promise.reject(readError(e)));
  }

  private accept(flags: number, data: Uint8Array): void {
    if (++this.count > 1) throw new TripleError(Code.UNIMPLEMENTED, 'protocol error: received more than one response message for a single-response method');
    try {
      this.message = decodeEnvelope(flags, data, this.options);
    } catch (e) {
      throw readError(e);
    }
    // A failed decompression is reported by finish(), once the status is known.
    if (this.message instanceof Promise) this.message.catch(() => undefined);
  }
}

/** INVALID_ARGUMENT from the shared reader (a bad frame or message) becomes INTERNAL on the client. */
export function readError(e: unknown): TripleError {
  const error = TripleError.from(e, Code.INTERNAL);
  return error.code === Code.INVALID_ARGUMENT ? new TripleError(Code.INTERNAL, error.rawMessage, { cause: error }) : error;
}
