import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** One length-prefixed gRPC message seen on the wire. */
export interface WireMessage {
  /** The envelope's compressed flag (bit 0). */
  readonly compressed: boolean;
  /** Payload bytes on the wire (compressed size when compressed). */
  readonly length: number;
}

/** One HTTP/2 stream as the tap saw it. */
export interface TappedStream {
  readonly connection: number;
  readonly streamId: number;
  /** gRPC messages client -> server, in order. */
  readonly requests: WireMessage[];
  /** gRPC messages server -> client, in order. */
  readonly responses: WireMessage[];
  /** Raw DATA bytes each way (for non-gRPC bodies such as Triple unary). */
  readonly dataBytes: { up: number; down: number };
  /** RST_STREAM seen (either way). */
  reset: boolean;
}

/**
 * A TCP forwarder on 127.0.0.1 that reads the cleartext HTTP/2 frames going through it and
 * splits each stream's DATA into gRPC messages, so a test can see what a peer really put on the
 * wire - above all the per-message compressed flag, which neither grpc-js nor connect expose.
 * Connections that do not start with the HTTP/2 preface (HTTP/1.1) are forwarded untouched.
 * No HPACK decoding: streams are known by id and by order of appearance.
 */
export interface WireTap {
  readonly address: string;
  readonly port: number;
  /** Streams in the order their first HEADERS frame went client -> server. */
  readonly streams: readonly TappedStream[];
  /** Bytes client -> server and server -> client. */
  readonly bytes: { up: number; down: number };
  /** Forgets what was seen (call before the call under test). */
  clear(): void;
  /**
   * Holds every byte client -> server for `ms` (then forwards them in order): a slow uplink.
   * Used to let a server's own deadline fire before the client's RST_STREAM can reach it.
   */
  holdUpstream(ms: number): void;
  close(): Promise<void>;
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const FRAME_DATA = 0x0;
const FRAME_HEADERS = 0x1;
const FRAME_RST_STREAM = 0x3;
const FLAG_PADDED = 0x8;

/** Incrementally splits one direction of a connection into frames and gRPC envelopes. */
class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  private prefaceLeft: number;
  /** Per stream: envelope parsing state (bytes of header collected, payload left to skip). */
  private readonly envelopes = new Map<number, { header: Buffer; headerLen: number; left: number }>();

  constructor(
    private readonly upstream: boolean,
    private readonly stream: (id: number, create: boolean) => TappedStream | undefined,
  ) {
    this.prefaceLeft = upstream ? PREFACE.length : 0;
  }

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    if (this.prefaceLeft > 0) {
      const skip = Math.min(this.prefaceLeft, this.buffer.length);
      this.buffer = this.buffer.subarray(skip);
      this.prefaceLeft -= skip;
    }
    while (this.buffer.length >= 9) {
      const length = this.buffer.readUIntBE(0, 3);
      if (this.buffer.length < 9 + length) break;
      const type = this.buffer[3]!;
      const flags = this.buffer[4]!;
      const id = this.buffer.readUInt32BE(5) & 0x7fffffff;
      const payload = this.buffer.subarray(9, 9 + length);
      this.buffer = this.buffer.subarray(9 + length);
      this.frame(type, flags, id, payload);
    }
  }

  private frame(type: number, flags: number, id: number, payload: Buffer): void {
    if (type === FRAME_HEADERS) {
      this.stream(id, this.upstream);
    } else if (type === FRAME_RST_STREAM) {
      const s = this.stream(id, false);
      if (s) s.reset = true;
    } else if (type === FRAME_DATA) {
      const s = this.stream(id, false);
      if (!s) return;
      let data = payload;
      if (flags & FLAG_PADDED) {
        const pad = data[0] ?? 0;
        data = data.subarray(1, data.length - pad);
      }
      if (this.upstream) s.dataBytes.up += data.length;
      else s.dataBytes.down += data.length;
      this.envelopeData(id, s, data);
    }
  }

  private envelopeData(id: number, s: TappedStream, data: Buffer): void {
    let state = this.envelopes.get(id);
    if (!state) this.envelopes.set(id, (state = { header: Buffer.alloc(5), headerLen: 0, left: 0 }));
    let offset = 0;
    while (offset < data.length) {
      if (state.left > 0) {
        const skip = Math.min(state.left, data.length - offset);
        state.left -= skip;
        offset += skip;
        continue;
      }
      const take = Math.min(5 - state.headerLen, data.length - offset);
      data.copy(state.header, state.headerLen, offset, offset + take);
      state.headerLen += take;
      offset += take;
      if (state.headerLen === 5) {
        const message: WireMessage = { compressed: (state.header[0]! & 1) === 1, length: state.header.readUInt32BE(1) };
        (this.upstream ? s.requests : s.responses).push(message);
        state.headerLen = 0;
        state.left = message.length;
      }
    }
  }
}

export async function startWireTap(target: { host: string; port: number }): Promise<WireTap> {
  const bytes = { up: 0, down: 0 };
  let streams: TappedStream[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let heldUntil = 0;
  const flushers = new Set<() => void>();
  const server: Server = createServer((client) => {
    const connection = ++connections;
    const byId = new Map<number, TappedStream>();
    const lookup = (id: number, create: boolean): TappedStream | undefined => {
      let s = byId.get(id);
      if (!s && create) {
        s = { connection, streamId: id, requests: [], responses: [], dataBytes: { up: 0, down: 0 }, reset: false };
        byId.set(id, s);
        streams.push(s);
      }
      return s;
    };
    const up = new FrameReader(true, lookup);
    const down = new FrameReader(false, lookup);
    let mode: 'sniff' | 'h2' | 'opaque' = 'sniff';
    let head: Buffer = Buffer.alloc(0);
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    const held: Buffer[] = [];
    const flush = (): void => {
      for (const chunk of held.splice(0)) forwardUp(chunk);
    };
    flushers.add(flush);
    client.on('close', () => flushers.delete(flush));
    client.on('data', (chunk: Buffer) => {
      if (Date.now() < heldUntil || held.length > 0) held.push(chunk);
      else forwardUp(chunk);
    });
    const forwardUp = (chunk: Buffer): void => {
      bytes.up += chunk.length;
      upstream.write(chunk);
      if (mode === 'sniff') {
        head = Buffer.concat([head, chunk]);
        const n = Math.min(head.length, PREFACE.length);
        if (!head.subarray(0, n).equals(PREFACE.subarray(0, n))) mode = 'opaque';
        else if (head.length >= PREFACE.length) {
          mode = 'h2';
          up.push(head);
        }
        return;
      }
      if (mode === 'h2') up.push(chunk);
    };
    upstream.on('data', (chunk: Buffer) => {
      bytes.down += chunk.length;
      client.write(chunk);
      if (mode === 'h2') down.push(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    get streams() {
      return streams;
    },
    bytes,
    clear() {
      streams = [];
      bytes.up = 0;
      bytes.down = 0;
    },
    holdUpstream(ms: number) {
      heldUntil = Date.now() + ms;
      setTimeout(() => {
        heldUntil = 0;
        for (const flush of flushers) flush();
      }, ms).unref();
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
