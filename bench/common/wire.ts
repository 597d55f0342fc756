/**
 * Hand-written wire format of bench.v1.BenchMessage {bytes payload = 1; int32 count = 2} and of
 * the gRPC envelope. Used by the raw node:http2 server (the "framed by hand" upper limit) and by
 * the load client, which must cost as little CPU per message as possible.
 */

export interface BenchMessage {
  payload: Buffer;
  count: number;
}

const EMPTY: Buffer = Buffer.alloc(0);

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/** Encoded size of a message (count must be >= 0). */
export function messageSize(payloadLength: number, count: number): number {
  let size = 0;
  if (payloadLength > 0) size += 1 + varintSize(payloadLength) + payloadLength;
  if (count !== 0) size += 1 + varintSize(count);
  return size;
}

/** Writes the message at `pos`; returns the position after it. */
export function writeMessage(buf: Buffer, pos: number, payload: Uint8Array, count: number): number {
  if (payload.byteLength > 0) {
    buf[pos++] = 0x0a;
    pos = writeVarint(buf, pos, payload.byteLength);
    buf.set(payload, pos);
    pos += payload.byteLength;
  }
  if (count !== 0) {
    buf[pos++] = 0x10;
    pos = writeVarint(buf, pos, count);
  }
  return pos;
}

/** Writes one enveloped message at `pos`; returns the position after it. */
export function writeFrame(buf: Buffer, pos: number, payload: Uint8Array, count: number): number {
  const size = messageSize(payload.byteLength, count);
  buf[pos] = 0;
  buf.writeUInt32BE(size, pos + 1);
  return writeMessage(buf, pos + 5, payload, count);
}

export function encodeMessage(payload: Uint8Array, count: number): Buffer {
  const out = Buffer.allocUnsafe(messageSize(payload.byteLength, count));
  writeMessage(out, 0, payload, count);
  return out;
}

export function encodeFrame(payload: Uint8Array, count: number): Buffer {
  const out = Buffer.allocUnsafe(5 + messageSize(payload.byteLength, count));
  writeFrame(out, 0, payload, count);
  return out;
}

/** Decodes a message from buf[start, end); unknown fields are skipped, the payload is a view. */
export function decodeMessage(buf: Buffer, start = 0, end = buf.length): BenchMessage {
  let payload: Buffer = EMPTY;
  let count = 0;
  let pos = start;
  while (pos < end) {
    const tag = buf[pos++]!;
    const wire = tag & 7;
    let v = 0;
    let shift = 1;
    if (wire === 0 || wire === 2) {
      for (;;) {
        const b = buf[pos++]!;
        v += (b & 0x7f) * shift;
        if (b < 0x80) break;
        shift *= 128;
      }
    }
    if (wire === 2) {
      if (tag >> 3 === 1) payload = buf.subarray(pos, pos + v);
      pos += v;
    } else if (wire === 0) {
      if (tag >> 3 === 2) count = v > 0x7fffffff ? v - 0x10000000000000000 : v;
    } else if (wire === 5) pos += 4;
    else if (wire === 1) pos += 8;
    else throw new Error(`bench wire: unsupported wire type ${wire}`);
  }
  return { payload, count };
}

/**
 * Splits a byte stream into gRPC envelopes, whatever the chunk boundaries, counting messages
 * and their bytes. While `onMessage` is set it gets each message as (buffer, start, end): a view
 * when the message lies inside one chunk, one copy otherwise; unset, split messages are skipped
 * without copying (the load client counts millions of messages this way).
 */
export class FrameSplitter {
  messages = 0;
  bytes = 0;
  private readonly header = Buffer.alloc(5);
  private headerFilled = 0;
  /** Payload bytes still to come of the current message; -1 between messages. */
  private remaining = -1;
  private parts: Buffer[] = [];

  constructor(public onMessage?: (buf: Buffer, start: number, end: number) => void) {}

  push(chunk: Buffer): void {
    let pos = 0;
    const end = chunk.length;
    while (pos < end) {
      if (this.remaining < 0) {
        if (this.headerFilled === 0 && end - pos >= 5) {
          const len = chunk.readUInt32BE(pos + 1);
          if (end - pos - 5 >= len) {
            this.emit(chunk, pos + 5, pos + 5 + len);
            pos += 5 + len;
            continue;
          }
          this.remaining = len;
          pos += 5;
        } else {
          const take = Math.min(5 - this.headerFilled, end - pos);
          chunk.copy(this.header, this.headerFilled, pos, pos + take);
          this.headerFilled += take;
          pos += take;
          if (this.headerFilled < 5) break;
          this.headerFilled = 0;
          this.remaining = this.header.readUInt32BE(1);
          if (this.remaining === 0) {
            this.remaining = -1;
            this.emit(EMPTY, 0, 0);
          }
        }
        continue;
      }
      const take = Math.min(this.remaining, end - pos);
      if (this.onMessage) this.parts.push(chunk.subarray(pos, pos + take));
      else this.bytes += take;
      this.remaining -= take;
      pos += take;
      if (this.remaining === 0) {
        this.remaining = -1;
        if (this.onMessage) {
          const whole = Buffer.concat(this.parts);
          this.parts = [];
          this.emit(whole, 0, whole.length);
        } else {
          this.messages++;
        }
      }
    }
  }

  private emit(buf: Buffer, start: number, end: number): void {
    this.messages++;
    this.bytes += end - start;
    this.onMessage?.(buf, start, end);
  }

  /** True when no partial envelope is held. */
  get clean(): boolean {
    return this.remaining < 0 && this.headerFilled === 0;
  }
}

/**
 * Chunks of at most ~64 KiB holding `total` frames of (payload, index) in order, built lazily.
 * Used by the load client to send long request streams with few writes.
 */
export function* frameChunks(payload: Uint8Array, total: number, chunkBytes = 64 * 1024): Generator<Buffer> {
  let i = 0;
  while (i < total) {
    // Sizes vary with the index's varint; allocate for the worst case and trim.
    const frameMax = 5 + messageSize(payload.byteLength, 0x7fffffff);
    const n = Math.max(1, Math.min(total - i, Math.floor(chunkBytes / frameMax)));
    const buf = Buffer.allocUnsafe(n * frameMax);
    let pos = 0;
    for (let k = 0; k < n; k++, i++) pos = writeFrame(buf, pos, payload, i + 1);
    yield buf.subarray(0, pos);
  }
}
