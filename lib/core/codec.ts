/**
 * Serializes one message type. A method has one Codec per wire format ('proto' and 'json'),
 * built once at startup so the hot path does no lookups.
 */
export interface Codec<T = unknown> {
  /** 'proto' or 'json': the suffix of application/grpc+<name> and application/<name>. */
  readonly name: CodecName;
  /** Encodes a plain object (or message instance) to bytes. Throws TripleError INTERNAL on failure. */
  encode(message: T): Uint8Array;
  /**
   * Optional fast path: encodes into a buffer the codec reuses and returns a view of it, valid
   * only until the next encode call of any codec. For callers that copy the bytes at once, it
   * saves allocating and copying a buffer per message.
   */
  encodeTransient?(message: T): Uint8Array;
  /**
   * Optional fast path for packing messages into a write chunk: encodes `message` into `target`
   * from `offset` on and returns the end offset, allocating nothing. When the message does not
   * fit, it returns the message's bytes instead, as a transient view (see encodeTransient);
   * bytes of `target` before `offset` are never changed.
   */
  encodeInto?(message: T, target: Buffer, offset: number): number | Uint8Array;
  /** Decodes bytes to a plain object. Throws TripleError INVALID_ARGUMENT on malformed input. */
  decode(bytes: Uint8Array): T;
}

export type CodecName = 'proto' | 'json';

/** The two codecs of one message type. */
export interface MessageCodecs<T = unknown> {
  proto: Codec<T>;
  json: Codec<T>;
}
