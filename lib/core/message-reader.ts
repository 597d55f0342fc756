import { Code } from './code.js';
import type { Codec } from './codec.js';
import type { Compression } from './compression.js';
import { FLAG_COMPRESSED } from './envelope.js';
import { EnvelopeDecoder } from './envelope-decoder.js';
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
 * Reads exactly one message (unary and server-streaming requests). A second message or none
 * at all is a protocol error: INVALID_ARGUMENT, as grpc-go and connect answer.
 */
export async function readSingleMessage<T>(body: AsyncIterable<Uint8Array>, options: MessageReadOptions<T>): Promise<T> {
  const decoder = new EnvelopeDecoder(options.readMaxBytes);
  let flags = -1;
  let data: Uint8Array | undefined;
  for await (const chunk of body) {
    const envelopes = decoder.push(chunk);
    if (envelopes.length === 0) continue;
    if (data !== undefined || envelopes.length > 1) {
      throw new TripleError(Code.INVALID_ARGUMENT, 'protocol error: received more than one message for a unary request');
    }
    flags = envelopes[0]!.flags;
    data = envelopes[0]!.data;
  }
  decoder.finish();
  if (data === undefined) throw new TripleError(Code.INVALID_ARGUMENT, 'protocol error: missing request message');
  return decodeEnvelope(flags, data, options);
}

/** Decompresses (when flagged) and decodes one envelope payload. */
export function decodeEnvelope<T>(flags: number, data: Uint8Array, options: MessageReadOptions<T>): T | Promise<T> {
  if ((flags & FLAG_COMPRESSED) === 0) return options.codec.decode(data);
  if (!options.compression) {
    return Promise.reject(new TripleError(Code.INVALID_ARGUMENT, `protocol error: received a compressed message without ${options.encodingHeader}`));
  }
  return options.compression.decompress(data, options.readMaxBytes).then((plain) => options.codec.decode(plain));
}
