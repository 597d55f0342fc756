import { connect } from 'node:http2';
import { Worker } from 'node:worker_threads';
import { envelope } from '../../helpers/raw-h2-client.js';
import { frame, FrameType, grpcHeadersFrame, hpackBlock, Flag, pingFrame, RawH2Connection, rstStreamFrame, settingsFrame, type GoawayInfo } from './h2-frames.js';

export type AttackName = 'rapid-reset' | 'ping-flood' | 'settings-flood' | 'empty-data' | 'tiny-data' | 'fragmented-data' | 'big-headers';

export interface AttackOptions {
  /** Stop after this long even if the server never reacted. */
  durationMs: number;
  /** Attack-specific size: resets, PINGs, frames, streams... */
  count: number;
  /** Extra bytes, e.g. the header block size or a message size. */
  size?: number;
  /** Open a new connection whenever the server closes one, until durationMs (a persistent attacker). */
  reconnect?: boolean;
}

/** The whole attack: one entry per attacker connection. */
export interface AttackResult {
  connections: ConnectionOutcome[];
  elapsedMs: number;
}

export interface ConnectionOutcome {
  /** Units of the attack actually sent (resets, frames, streams). */
  sent: number;
  goaway: GoawayInfo | undefined;
  /** ms from the first attack frame until the server closed the connection; undefined if it stayed open. */
  closedAfterMs: number | undefined;
  /** grpc-status seen on the attacker's streams (trailers not decoded: RST codes per stream instead). */
  resets: Record<number, number>;
  dataBytesReceived: number;
  /** Streams the server ended with END_STREAM (a response with its status). */
  streamsEnded: number;
}

const ECHO = '/echo.v1.EchoService/Echo';
const CLIENT_STREAM = '/echo.v1.EchoService/EchoClientStream';
const SERVER_STREAM = '/echo.v1.EchoService/EchoServerStream';

/** Runs an attack from this thread. Prefer {@link runAttackInWorker}, which leaves this event loop to the server. */
export async function runAttack(address: string, name: AttackName, options: AttackOptions): Promise<AttackResult> {
  const started = performance.now();
  const until = started + options.durationMs;
  const connections: ConnectionOutcome[] = [];
  do {
    connections.push(await attackOnce(address, name, options, until));
  } while (options.reconnect && performance.now() < until);
  return { connections, elapsedMs: Math.round(performance.now() - started) };
}

async function attackOnce(address: string, name: AttackName, options: AttackOptions, until: number): Promise<ConnectionOutcome> {
  const conn = new RawH2Connection(address);
  await conn.ready;
  const started = performance.now();
  let closedAt: number | undefined;
  void conn.closed.then(() => (closedAt = performance.now()));
  // A connection started before `until` gets up to 2 s more to reach the server's limit.
  const going = (): boolean => !conn.destroyed && !conn.goaway && performance.now() < until + 2000;
  let sent = 0;
  const burst = async (make: (i: number) => Buffer[]): Promise<void> => {
    while (going() && sent < options.count) {
      const frames: Buffer[] = [];
      for (let i = 0; i < 100 && sent < options.count; i++, sent++) frames.push(...make(sent));
      await conn.send(Buffer.concat(frames));
      await new Promise((r) => setImmediate(r));
    }
  };
  switch (name) {
    case 'rapid-reset':
      await burst((i) => [grpcHeadersFrame(2 * i + 1, ECHO), rstStreamFrame(2 * i + 1)]);
      break;
    case 'ping-flood':
      await burst((i) => [pingFrame(i)]);
      break;
    case 'settings-flood':
      await burst(() => [settingsFrame([[3, 100]])]);
      break;
    case 'empty-data':
      await conn.send(grpcHeadersFrame(1, CLIENT_STREAM));
      await burst(() => [frame(FrameType.DATA, 0, 1)]);
      break;
    case 'tiny-data':
    case 'fragmented-data': {
      // One valid EchoRequest (its `payload` field filling `count` bytes of body), `size` bytes (default 1) per DATA frame.
      let payloadLength = options.count - 5 - 1;
      payloadLength -= varint(payloadLength).length;
      const body = envelope(Buffer.concat([Buffer.from([0x1a]), varint(payloadLength), Buffer.alloc(payloadLength, 1)]));
      await conn.send(grpcHeadersFrame(1, CLIENT_STREAM));
      await conn.sendData(1, body, name === 'tiny-data' ? 1 : options.size ?? 1);
      sent = body.length;
      while (!conn.ended.has(1) && !conn.destroyed && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
      return outcome(conn, sent, started, closedAt);
    }
    case 'big-headers': {
      // count requests, each with one header of `size` bytes split over CONTINUATION frames.
      const value = 'x'.repeat(options.size ?? 1024);
      for (let i = 0; i < options.count && going(); i++, sent++) {
        const block = hpackBlock([[':method', 'POST'], [':scheme', 'http'], [':path', ECHO], [':authority', 'a'], ['content-type', 'application/grpc'], ['x-big', value]]);
        const parts: Buffer[] = [];
        for (let pos = 0; pos < block.length; pos += 16_000) {
          const last = pos + 16_000 >= block.length;
          const type = pos === 0 ? FrameType.HEADERS : FrameType.CONTINUATION;
          parts.push(frame(type, (last ? Flag.END_HEADERS : 0) | (pos === 0 ? Flag.END_STREAM : 0), 2 * i + 1, block.subarray(pos, pos + 16_000)));
        }
        await conn.send(Buffer.concat(parts));
      }
      break;
    }
  }
  // The last connection may start just before `until`: it still gets a second for the server's answer.
  await conn.waitForGoaway(Math.max(1000, Math.min(until, performance.now() + 2000) - performance.now()));
  await Promise.race([conn.closed, new Promise((r) => setTimeout(r, 1500))]);
  return outcome(conn, sent, started, closedAt);
}

function outcome(conn: RawH2Connection, sent: number, started: number, closedAt: number | undefined): ConnectionOutcome {
  const result: ConnectionOutcome = {
    sent,
    goaway: conn.goaway,
    closedAfterMs: closedAt === undefined ? undefined : Math.round(closedAt - started),
    resets: Object.fromEntries(conn.resets),
    dataBytesReceived: conn.dataBytesReceived,
    streamsEnded: conn.ended.size,
  };
  conn.destroy();
  return result;
}

/** Runs the attack on its own thread (own event loop, other core), so it competes with the server as a remote peer would. */
export function runAttackInWorker(address: string, name: AttackName, options: AttackOptions): Promise<AttackResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./attack-worker.js', import.meta.url), { workerData: { address, name, options } });
    worker.once('message', (result: AttackResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`attack worker exited with ${code}`)));
  });
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

export interface ZeroWindowResult {
  /** grpc-status of each attacker stream once it finally read (undefined: no status arrived). */
  statuses: Array<string | undefined>;
  /** Response bytes the server managed to deliver before the window opened (should be 0). */
  bytesBeforeOpening: number;
}

/**
 * The "client that never reads": a node:http2 session advertising a zero receive window opens
 * `streams` server-streaming calls that produce far more than maxBufferedBytes, holds them for
 * the time `hold` takes (the test measures the server meanwhile), then opens its window and
 * reads every stream to its status.
 */
export async function zeroWindowAttack(
  address: string,
  streams: number,
  request: { message: string; count: number },
  hold: () => Promise<void>,
  statusTimeoutMs = 10_000,
): Promise<ZeroWindowResult> {
  const session = connect(`http://${address}`, { settings: { initialWindowSize: 0 } });
  session.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  const { message, count } = request;
  const body = envelope(Buffer.concat([Buffer.from([0x0a, message.length, ...Buffer.from(message)]), Buffer.from([0x10]), varint(count), Buffer.from([0x1a]), varint(1024), Buffer.alloc(1024, 2)]));
  let bytesBeforeOpening = 0;
  let opened = false;
  const results = Array.from({ length: streams }, () => {
    const stream = session.request({ ':method': 'POST', ':path': SERVER_STREAM, 'content-type': 'application/grpc', te: 'trailers' });
    stream.on('error', () => undefined);
    return new Promise<string | undefined>((resolve) => {
      let status: string | undefined;
      const timer = setTimeout(() => resolve(status), statusTimeoutMs + 60_000);
      stream.on('response', (h) => (status ??= h['grpc-status'] as string | undefined));
      stream.on('trailers', (t) => (status = t['grpc-status'] as string | undefined));
      stream.on('data', (chunk: Buffer) => {
        if (!opened) bytesBeforeOpening += chunk.length;
      });
      stream.on('close', () => {
        clearTimeout(timer);
        resolve(status);
      });
      stream.end(body);
    });
  });
  try {
    await hold();
    opened = true;
    session.settings({ initialWindowSize: 65_535 });
    const deadline = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), statusTimeoutMs).unref());
    const statuses = await Promise.race([Promise.all(results), deadline]);
    return { statuses: statuses === 'timeout' ? [] : statuses, bytesBeforeOpening };
  } finally {
    session.destroy();
  }
}
