import { connect, type Socket } from 'node:net';

/** HTTP/2 frame types (RFC 9113 §6). */
export const FrameType = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;

export const Flag = { END_STREAM: 1, ACK: 1, END_HEADERS: 4 } as const;

/** HTTP/2 error codes used in assertions. */
export const H2Error = { NO_ERROR: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2, CANCEL: 8, ENHANCE_YOUR_CALM: 11 } as const;

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** One frame: 9-byte header (length, type, flags, stream id) and payload. */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(9 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId & 0x7fffffff, 5);
  payload.copy(out, 9);
  return out;
}

/** SETTINGS frame from [id, value] pairs. */
export function settingsFrame(entries: Array<[number, number]> = []): Buffer {
  const payload = Buffer.alloc(entries.length * 6);
  entries.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, i * 6);
    payload.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(FrameType.SETTINGS, 0, 0, payload);
}

export function pingFrame(n: number): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(n >>> 0, 4);
  return frame(FrameType.PING, 0, 0, payload);
}

export function rstStreamFrame(streamId: number, code: number = H2Error.CANCEL): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code, 0);
  return frame(FrameType.RST_STREAM, 0, streamId, payload);
}

export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(increment, 0);
  return frame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
}

/** HPACK integer with an N-bit prefix (RFC 7541 §5.1). */
function hpackInt(value: number, prefixBits: number, firstByteFlags: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [firstByteFlags | value];
  const out = [firstByteFlags | max];
  value -= max;
  while (value >= 128) {
    out.push((value & 127) | 128);
    value >>>= 7;
  }
  out.push(value);
  return out;
}

/** A header block of "literal without indexing, new name" fields, no Huffman: stateless, so any order works. */
export function hpackBlock(headers: Array<[string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of headers) {
    const n = Buffer.from(name, 'latin1');
    const v = Buffer.from(value, 'latin1');
    parts.push(Buffer.from([0x00, ...hpackInt(n.length, 7, 0)]), n, Buffer.from(hpackInt(v.length, 7, 0)), v);
  }
  return Buffer.concat(parts);
}

/** HEADERS (END_HEADERS) for a gRPC POST to `path`. */
export function grpcHeadersFrame(streamId: number, path: string, endStream = false, extra: Array<[string, string]> = []): Buffer {
  const block = hpackBlock([
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', path],
    [':authority', '127.0.0.1'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
    ...extra,
  ]);
  return frame(FrameType.HEADERS, Flag.END_HEADERS | (endStream ? Flag.END_STREAM : 0), streamId, block);
}

export interface GoawayInfo {
  code: number;
  lastStreamId: number;
  debug: string;
}

/**
 * A byte-level HTTP/2 peer for attack tests: writes exactly the frames given, acknowledges the
 * server's SETTINGS (unless told not to), and records GOAWAY, RST_STREAM and received bytes.
 */
export class RawH2Connection {
  readonly socket: Socket;
  readonly ready: Promise<void>;
  readonly closed: Promise<void>;
  /** The first GOAWAY the server sent (node may follow it with a second one when it closes). */
  goaway: GoawayInfo | undefined;
  readonly goaways: GoawayInfo[] = [];
  readonly resets = new Map<number, number>();
  /** Streams the server ended (END_STREAM on HEADERS or DATA). */
  readonly ended = new Set<number>();
  framesReceived = 0;
  dataBytesReceived = 0;
  /** Send windows granted by the server: connection (key 0) and per stream. */
  private connWindow = 65_535;
  private initialStreamWindow = 65_535;
  private readonly streamWindows = new Map<number, number>();
  private windowWaiters: Array<() => void> = [];
  private buffer: Buffer = Buffer.alloc(0);
  private goawayWaiters: Array<(g: GoawayInfo) => void> = [];

  constructor(address: string, options: { settings?: Array<[number, number]>; ackSettings?: boolean; readable?: boolean } = {}) {
    const [host, port] = splitAddress(address);
    this.socket = connect({ host, port });
    this.socket.on('error', () => undefined);
    this.socket.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', () => {
        this.socket.write(Buffer.concat([PREFACE, settingsFrame(options.settings ?? [])]));
        resolve();
      });
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    const ack = options.ackSettings ?? true;
    if (options.readable === false) this.socket.pause();
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk, ack));
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  /** Writes bytes; resolves once the socket accepted them (honours TCP backpressure). */
  send(bytes: Buffer): Promise<void> {
    if (this.socket.destroyed || !this.socket.writable) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.socket.write(bytes)) resolve();
      else {
        const done = (): void => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.once('drain', done);
        this.socket.once('close', done);
      }
    });
  }

  /** Resolves with the server's GOAWAY (or undefined if the socket closes without one) within `ms`. */
  waitForGoaway(ms: number): Promise<GoawayInfo | undefined> {
    if (this.goaway) return Promise.resolve(this.goaway);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.goaway), ms);
      const finish = (g: GoawayInfo | undefined): void => {
        clearTimeout(timer);
        resolve(g);
      };
      this.goawayWaiters.push(finish);
      void this.closed.then(() => setTimeout(() => finish(this.goaway), 20));
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  /**
   * Sends `payload` on `streamId` as DATA frames of `frameSize` bytes each, within the flow-control
   * windows the server grants (as a conforming peer must), batching frames into large writes.
   */
  async sendData(streamId: number, payload: Buffer, frameSize: number, endStream = true): Promise<void> {
    let pos = 0;
    while (pos < payload.length && !this.socket.destroyed) {
      const available = Math.min(this.connWindow, this.streamWindows.get(streamId) ?? this.initialStreamWindow);
      if (available < Math.min(frameSize, payload.length - pos)) {
        await new Promise<void>((resolve) => {
          this.windowWaiters.push(resolve);
          void this.closed.then(resolve);
        });
        continue;
      }
      const frames: Buffer[] = [];
      let budget = Math.min(available, 256 * 1024);
      while (pos < payload.length && budget >= Math.min(frameSize, payload.length - pos)) {
        const n = Math.min(frameSize, payload.length - pos);
        const last = pos + n === payload.length;
        frames.push(frame(FrameType.DATA, last && endStream ? Flag.END_STREAM : 0, streamId, payload.subarray(pos, pos + n)));
        pos += n;
        budget -= n;
        this.connWindow -= n;
        this.streamWindows.set(streamId, (this.streamWindows.get(streamId) ?? this.initialStreamWindow) - n);
      }
      await this.send(Buffer.concat(frames));
    }
  }

  private onSettings(payload: Buffer): void {
    for (let i = 0; i + 6 <= payload.length; i += 6) {
      if (payload.readUInt16BE(i) !== 4 /* INITIAL_WINDOW_SIZE */) continue;
      const size = payload.readUInt32BE(i + 2);
      // RFC 9113 §6.9.2: a new initial window size shifts the windows of open streams by the
      // difference (streams opened before the server's SETTINGS arrived started at 65_535).
      const delta = size - this.initialStreamWindow;
      this.initialStreamWindow = size;
      for (const [id, window] of this.streamWindows) this.streamWindows.set(id, window + delta);
    }
    for (const w of this.windowWaiters.splice(0)) w();
  }

  private onWindowUpdate(streamId: number, increment: number): void {
    if (streamId === 0) this.connWindow += increment;
    else this.streamWindows.set(streamId, (this.streamWindows.get(streamId) ?? this.initialStreamWindow) + increment);
    for (const w of this.windowWaiters.splice(0)) w();
  }

  private onData(chunk: Buffer, ack: boolean): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 9) {
      const length = this.buffer.readUIntBE(0, 3);
      if (this.buffer.length < 9 + length) break;
      const type = this.buffer[3]!;
      const flags = this.buffer[4]!;
      const streamId = this.buffer.readUInt32BE(5) & 0x7fffffff;
      const payload = this.buffer.subarray(9, 9 + length);
      this.buffer = this.buffer.subarray(9 + length);
      this.framesReceived++;
      if ((type === FrameType.HEADERS || type === FrameType.DATA) && flags & Flag.END_STREAM) this.ended.add(streamId);
      if (type === FrameType.SETTINGS && !(flags & Flag.ACK) && ack) this.socket.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
      if (type === FrameType.SETTINGS && !(flags & Flag.ACK)) this.onSettings(payload);
      else if (type === FrameType.DATA) this.dataBytesReceived += length;
      else if (type === FrameType.WINDOW_UPDATE) this.onWindowUpdate(streamId, payload.readUInt32BE(0) & 0x7fffffff);
      else if (type === FrameType.RST_STREAM) this.resets.set(streamId, payload.readUInt32BE(0));
      else if (type === FrameType.GOAWAY) {
        const info = { lastStreamId: payload.readUInt32BE(0) & 0x7fffffff, code: payload.readUInt32BE(4), debug: payload.subarray(8).toString() };
        this.goaways.push(info);
        this.goaway ??= info;
        for (const w of this.goawayWaiters.splice(0)) w(info);
      }
    }
  }
}

export function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i).replace(/^\[|\]$/g, ''), Number(address.slice(i + 1))];
}
