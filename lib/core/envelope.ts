/**
 * The 5-byte message envelope shared by gRPC and Triple streaming:
 * `flags:uint8 | length:uint32 big-endian | payload`.
 */

/** Flag bit: the payload is compressed with the stream's negotiated encoding. */
export const FLAG_COMPRESSED = 0x01;

/** Size of the envelope header (flags + length). */
export const ENVELOPE_HEADER_SIZE = 5;

/** One framed message as read off the wire; `data` is still compressed when the flag says so. */
export interface Envelope {
  flags: number;
  data: Uint8Array;
}

/**
 * Frames one payload. Header and payload go into a single buffer (one allocation, one copy) so
 * the transport writes one chunk per message instead of two small DATA writes.
 */
export function encodeEnvelope(flags: number, payload: Uint8Array): Buffer {
  const length = payload.byteLength;
  const out = Buffer.allocUnsafe(ENVELOPE_HEADER_SIZE + length);
  out[0] = flags;
  out.writeUInt32BE(length, 1);
  out.set(payload, ENVELOPE_HEADER_SIZE);
  return out;
}
