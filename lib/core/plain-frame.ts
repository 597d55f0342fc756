import type { Codec } from './codec.js';
import { encodeEnvelope, ENVELOPE_HEADER_SIZE } from './envelope.js';
import { assertWriteSize } from './limits.js';

/**
 * Extra room asked for when encoding into a buffer: encoders reserve a varint's worst case
 * (protobufjs: 10 bytes) before writing it, so a buffer sized to the exact message would
 * overflow and make the encoder copy everything to a buffer of its own.
 */
export const ENCODER_SLACK_BYTES = 16;

/**
 * One uncompressed message as a complete frame (envelope header + message) in a buffer of its
 * own, for a writer that sends messages one at a time (a pulled AsyncIterable). With a codec
 * that can encode into a target, the message is encoded right after the header: one copy of
 * its bytes, where encode-then-frame copies a large `bytes` field twice.
 *
 * @param sizeHint the previous message's size on this stream (0 at first): the buffer is sized
 *   for it, and a message that does not fit costs one extra copy
 * @param maxBytes writeMaxBytes; a larger message throws RESOURCE_EXHAUSTED
 */
export function encodePlainFrame(codec: Codec, message: unknown, sizeHint: number, maxBytes: number): Buffer {
  if (!codec.encodeInto) {
    const bytes = codec.encodeTransient ? codec.encodeTransient(message) : codec.encode(message);
    assertWriteSize(bytes.byteLength, maxBytes);
    return encodeEnvelope(0, bytes);
  }
  const frame = Buffer.allocUnsafe(ENVELOPE_HEADER_SIZE + sizeHint + ENCODER_SLACK_BYTES);
  const end = codec.encodeInto(message, frame, ENVELOPE_HEADER_SIZE);
  if (typeof end !== 'number') {
    // Did not fit: the codec handed back the message in a buffer of its own.
    assertWriteSize(end.byteLength, maxBytes);
    return encodeEnvelope(0, end);
  }
  const length = end - ENVELOPE_HEADER_SIZE;
  assertWriteSize(length, maxBytes);
  frame[0] = 0;
  frame.writeUInt32BE(length, 1);
  return frame.subarray(0, end);
}
