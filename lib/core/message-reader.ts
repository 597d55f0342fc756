import { Code } from './code.js';
import type { Codec } from './codec.js';
import type { Compression } from './compression.js';
import { ENVELOPE_HEADER_SIZE, FLAG_COMPRESSED } from './envelope.js';
import { EnvelopeDecoder } from './envelope-decoder.js';
import { assertReadSize } from './limits.js';
import type { ChunkSink } from './server-call.js';
import { TripleError } from './triple-error.js';

/** How request messages are read: limits, the negotiated compression and the codec. */
export interface MessageReadOptions<T> {
  readonly readMaxBytes: number;
  readonly compression: Compression | null;
  readonly codec: Codec<T>;
  /** The name of the header that should have announced compression (for the error text). */
  readonly encodingHeader: string;
}

/**
 * Decodes a stream of enveloped messages, pulling the body only as fast as the consumer
 * iterates, so HTTP/2 flow control holds a fast sender back. Any framing, size or codec
 * problem throws a TripleError carrying the right status.
 */
export async function* readMessages<T>(body: AsyncIterable<Uint8Array>, options: MessageReadOptions<T>): AsyncGenerator<T> {
  const decoder = new EnvelopeDecoder(options.readMaxBytes);
  for await (const chunk of body) {
    const envelopes = decoder.push(chunk);
    for (let i = 0; i < envelopes.length; i++) {
      const env = envelopes[i]!;
      yield await decodeEnvelope(env.flags, env.data, options);
    }
  }
  decoder.finish();
}

/**
 * Collects exactly one message (unary and server-streaming requests) from the chunks of a body
 * read with ServerCall.readAll. A second message or none at all is a protocol error:
 * INVALID_ARGUMENT, as grpc-go and connect answer.
 */
export class SingleMessageReader<T> implements ChunkSink {
  /** Created for bodies that are not one whole envelope in one chunk. */
  private decoder: EnvelopeDecoder | undefined;
  private flags = -1;
  private data: Uint8Array | undefined;

  constructor(private readonly options: MessageReadOptions<T>) {}

  push(chunk: Uint8Array): void {
    if (!this.decoder && this.data === undefined && isOneEnvelope(chunk)) {
      // The usual case: the whole message in one DATA frame, read without a decoder.
      const length = readUint32BE(chunk, 1);
      assertReadSize(length, this.options.readMaxBytes);
      this.flags = chunk[0]!;
      this.data = chunk.subarray(ENVELOPE_HEADER_SIZE);
      return;
    }
    const envelopes = (this.decoder ??= new EnvelopeDecoder(this.options.readMaxBytes)).push(chunk);
    if (envelopes.length === 0) return;
    if (this.data !== undefined || envelopes.length > 1) {
      throw new TripleError(Code.INVALID_ARGUMENT, 'protocol error: received more than one message for a unary request');
    }
    this.flags = envelopes[0]!.flags;
    this.data = envelopes[0]!.data;
  }

  /** At the end of the body: the decoded message (a promise only when it was compressed). */
  finish(): T | Promise<T> {
    this.decoder?.finish();
    if (this.data === undefined) throw new TripleError(Code.INVALID_ARGUMENT, 'protocol error: missing request message');
    return decodeEnvelope(this.flags, this.data, this.options);
  }
}

/** The chunk is exactly one envelope: its header's length matches the rest of the chunk. */
function isOneEnvelope(chunk: Uint8Array): boolean {
  return chunk.byteLength >= ENVELOPE_HEADER_SIZE && readUint32BE(chunk, 1) === chunk.byteLength - ENVELOPE_HEADER_SIZE;
}

function readUint32BE(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** Decompresses (when flagged) and decodes one envelope payload. */
export function decodeEnvelope<T>(flags: number, data: Uint8Array, options: MessageReadOptions<T>): T | Promise<T> {
  if ((flags & FLAG_COMPRESSED) === 0) return options.codec.decode(data);
  if (!options.compression) {
    return Promise.reject(new TripleError(Code.INVALID_ARGUMENT, `protocol error: received a compressed message without ${options.encodingHeader}`));
  }
  return options.compression.decompress(data, options.readMaxBytes).then((plain) => options.codec.decode(plain));
}
