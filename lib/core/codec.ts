/**
 * Serializes one message type. A method has one Codec per wire format ('proto' and 'json'),
 * built once at startup so the hot path does no lookups.
 */
export interface Codec<T = unknown> {
  /** 'proto' or 'json': the suffix of application/grpc+<name> and application/<name>. */
  readonly name: CodecName;
  /** Encodes a plain object (or message instance) to bytes. Throws TripleError INTERNAL on failure. */
  encode(message: T): Uint8Array;
  /** Decodes bytes to a plain object. Throws TripleError INVALID_ARGUMENT on malformed input. */
  decode(bytes: Uint8Array): T;
}

export type CodecName = 'proto' | 'json';

/** The two codecs of one message type. */
export interface MessageCodecs<T = unknown> {
  proto: Codec<T>;
  json: Codec<T>;
}
