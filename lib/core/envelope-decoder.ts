import { Code } from './code.js';
import { ENVELOPE_HEADER_SIZE, type Envelope } from './envelope.js';
import { readSizeError } from './limits.js';
import { TripleError } from './triple-error.js';

/** Returned when a chunk completes no envelope; frozen so no caller can pollute it. */
const NO_ENVELOPES: readonly Envelope[] = Object.freeze([]);

/**
 * Splits a byte stream into envelopes, whatever the chunk boundaries. An envelope that lies
 * wholly inside one chunk is returned as a view of that chunk (no copy); only envelopes split
 * across chunks are copied, once, into a buffer sized from their header. The size limit is
 * checked on the header, so an oversized message is refused before its payload is buffered.
 * Because of the views, callers must not reuse a chunk's memory after pushing it (node:http2
 * and node:http hand out fresh buffers, so the transports never do).
 */
export class EnvelopeDecoder {
  /** Header bytes of an envelope whose header was split across chunks (allocated when that happens). */
  private header: Buffer | undefined;
  private headerFilled = 0;
  /** Payload being assembled across chunks (undefined while between envelopes). */
  private payload: Buffer | undefined;
  private payloadFilled = 0;
  private payloadFlags = 0;
  /** Set once the stream broke; every later call repeats it rather than resyncing on garbage. */
  private failure: TripleError | undefined;

  constructor(private readonly readMaxBytes: number) {}

  /** Bytes held for an envelope that has not completed yet. */
  get buffered(): number {
    return this.headerFilled + this.payloadFilled;
  }

  /**
   * Feeds one chunk and returns the envelopes it completed, in order. Throws
   * RESOURCE_EXHAUSTED as soon as a header announces more than `readMaxBytes`.
   */
  push(chunk: Uint8Array): readonly Envelope[] {
    if (this.failure) throw this.failure;
    let out: Envelope[] | undefined;
    const end = chunk.byteLength;
    let pos = 0;
    while (pos < end) {
      if (this.payload) {
        // Continue an envelope whose payload started in an earlier chunk.
        const take = Math.min(end - pos, this.payload.byteLength - this.payloadFilled);
        this.payload.set(chunk.subarray(pos, pos + take), this.payloadFilled);
        this.payloadFilled += take;
        pos += take;
        if (this.payloadFilled < this.payload.byteLength) break;
        (out ??= []).push({ flags: this.payloadFlags, data: this.payload });
        this.payload = undefined;
        this.payloadFilled = 0;
        continue;
      }
      let flags: number;
      let length: number;
      if (this.headerFilled === 0 && end - pos >= ENVELOPE_HEADER_SIZE) {
        flags = chunk[pos]!;
        length = readUint32(chunk, pos + 1);
        pos += ENVELOPE_HEADER_SIZE;
      } else {
        const take = Math.min(end - pos, ENVELOPE_HEADER_SIZE - this.headerFilled);
        const header = (this.header ??= Buffer.allocUnsafe(ENVELOPE_HEADER_SIZE));
        header.set(chunk.subarray(pos, pos + take), this.headerFilled);
        this.headerFilled += take;
        pos += take;
        if (this.headerFilled < ENVELOPE_HEADER_SIZE) break;
        this.headerFilled = 0;
        flags = header[0]!;
        length = readUint32(header, 1);
      }
      if (length > this.readMaxBytes) {
        this.failure = readSizeError(length, this.readMaxBytes);
        throw this.failure;
      }
      if (end - pos >= length) {
        (out ??= []).push({ flags, data: chunk.subarray(pos, pos + length) });
        pos += length;
      } else {
        this.payload = Buffer.allocUnsafe(length);
        this.payloadFlags = flags;
      }
    }
    return out ?? NO_ENVELOPES;
  }

  /**
   * Call at end of stream: throws INVALID_ARGUMENT when the peer stopped in the middle of an
   * envelope, which would otherwise silently drop the last message.
   */
  finish(): void {
    if (this.failure) throw this.failure;
    if (this.payload) {
      throw new TripleError(
        Code.INVALID_ARGUMENT,
        `protocol error: incomplete envelope: promised ${this.payload.byteLength} bytes, got ${this.payloadFilled}`,
      );
    }
    if (this.headerFilled > 0) {
      throw new TripleError(
        Code.INVALID_ARGUMENT,
        `protocol error: incomplete envelope: got ${this.headerFilled} of ${ENVELOPE_HEADER_SIZE} header bytes`,
      );
    }
  }
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}
