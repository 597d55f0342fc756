/**
 * The fast load client: raw node:http2, hand-framed gRPC, in its own process (pinned to the
 * load core by the runner). One JSON spec in argv[2], one JSON result line on stdout.
 * Every answer counted is verified: HTTP 200, grpc-status 0, and the expected messages.
 */
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { createInterface } from 'node:readline';
import { HANDLER_HEADER, PATH_BIDI, PATH_CLIENT_STREAM, PATH_SERVER_STREAM, PATH_UNARY } from '../common/paths.js';
import { percentile, sleep } from '../common/stats.js';
import { decodeMessage, encodeFrame, frameChunks, FrameSplitter } from '../common/wire.js';

export type LoadSpec =
  | { mode: 'verify'; target: string; calls: number; payloadSize: number; json?: boolean; delayMs?: number }
  | { mode: 'latency'; target: string; payloadSize: number; warmupMs: number; durationMs: number; rounds: number }
  /** `counts`: [messages per call, rounds] pairs. */
  | { mode: 'server-stream'; target: string; payloadSize: number; counts: Array<[number, number]>; timeoutMs: number; handler?: 'iterable' }
  | { mode: 'client-stream' | 'bidi'; target: string; payloadSize: number; count: number; rounds: number; timeoutMs: number }
  | { mode: 'hold'; target: string; payloadSize: number; connections: number; streams: number };

/** One streaming measurement. `complete` is false when the time budget cut it short. */
export interface StreamRun {
  count: number;
  messages: number;
  /** Message bytes (without envelopes) received or sent. */
  bytes: number;
  seconds: number;
  complete: boolean;
}

const GRPC_REQUEST = {
  ':method': 'POST',
  'content-type': 'application/grpc',
  te: 'trailers',
};
const STREAM_WINDOW = 4 * 1024 * 1024;
const SESSION_WINDOW = 32 * 1024 * 1024;

function open(target: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://${target}`, { settings: { initialWindowSize: STREAM_WINDOW } });
    session.once('error', reject);
    session.once('connect', () => {
      session.off('error', reject);
      session.on('error', () => undefined);
      session.setLocalWindowSize(SESSION_WINDOW);
      resolve(session);
    });
  });
}

interface Answer {
  status: number;
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
  body: Buffer;
}

function grpcStatusOf(headers: IncomingHttpHeaders, trailers: IncomingHttpHeaders): { status: string | undefined; message: string | undefined } {
  const s = trailers['grpc-status'] ?? headers['grpc-status'];
  const m = trailers['grpc-message'] ?? headers['grpc-message'];
  return { status: s === undefined ? undefined : String(s), message: m === undefined ? undefined : decodeURIComponent(String(m)) };
}

/** One unary call, body collected. */
function call(session: ClientHttp2Session, path: string, body: Buffer, json = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(json ? { ':method': 'POST', ':path': path, 'content-type': 'application/json' } : { ...GRPC_REQUEST, ':path': path });
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (headers = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('close', () => {
      const g = grpcStatusOf(headers, trailers);
      resolve({ status: Number(headers[':status'] ?? 0), grpcStatus: g.status, grpcMessage: g.message, body: Buffer.concat(chunks) });
    });
    stream.end(body);
  });
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`verification failed: ${what}`);
}

function checkGrpcOk(a: Answer, what: string): void {
  check(a.status === 200, `${what}: HTTP ${a.status}`);
  check(a.grpcStatus === '0', `${what}: grpc-status ${a.grpcStatus} ${a.grpcMessage ?? ''}`);
}

function payloadOf(size: number): Buffer {
  return Buffer.alloc(size, 0x61);
}

/** Unary answers must echo the request: grpc-status 0 and the same payload and count. */
function checkUnaryEcho(a: Answer, payload: Buffer, count: number, json: boolean): void {
  if (json) {
    check(a.status === 200, `JSON unary: HTTP ${a.status} ${a.body.toString().slice(0, 200)}`);
    const m = JSON.parse(a.body.toString('utf8')) as { payload?: string; count?: number };
    check(Buffer.from(m.payload ?? '', 'base64').equals(payload) && (m.count ?? 0) === count, 'JSON unary: echo differs');
    return;
  }
  checkGrpcOk(a, 'unary');
  check(a.body.length >= 5 && a.body.readUInt32BE(1) === a.body.length - 5, 'unary: bad envelope');
  const m = decodeMessage(a.body, 5);
  check(m.payload.equals(payload) && m.count === count, 'unary: echo differs');
}

async function verify(spec: Extract<LoadSpec, { mode: 'verify' }>): Promise<unknown> {
  if (spec.delayMs) await sleep(spec.delayMs);
  const session = await open(spec.target);
  const payload = payloadOf(spec.payloadSize);
  const json = spec.json === true;
  const body = json ? Buffer.from(JSON.stringify({ payload: payload.toString('base64'), count: 7 })) : encodeFrame(payload, 7);
  const answers = await Promise.all(Array.from({ length: spec.calls }, () => call(session, PATH_UNARY, body, json)));
  for (const a of answers) checkUnaryEcho(a, payload, 7, json);
  session.close();
  return { verified: answers.length };
}

async function latency(spec: Extract<LoadSpec, { mode: 'latency' }>): Promise<unknown> {
  const session = await open(spec.target);
  const payload = payloadOf(spec.payloadSize);
  const body = encodeFrame(payload, 1);
  const rounds: Array<{ calls: number; p50: number; p99: number; mean: number }> = [];
  const until = Date.now() + spec.warmupMs;
  while (Date.now() < until) checkUnaryEcho(await call(session, PATH_UNARY, body), payload, 1, false);
  for (let r = 0; r < spec.rounds; r++) {
    const samples: number[] = [];
    const end = performance.now() + spec.durationMs;
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) break;
      const a = await call(session, PATH_UNARY, body);
      samples.push((performance.now() - t0) * 1000);
      checkUnaryEcho(a, payload, 1, false);
    }
    const sorted = Float64Array.from(samples).sort();
    rounds.push({ calls: samples.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean: samples.reduce((x, y) => x + y, 0) / samples.length });
  }
  session.close();
  return { rounds };
}

/**
 * Runs one streaming call. `send` writes the request body; received messages are counted (not
 * decoded, except the first, whose payload size is checked). Cut at `timeoutMs` (RST_STREAM CANCEL).
 */
function streamCall(
  session: ClientHttp2Session,
  path: string,
  send: (stream: ClientHttp2Stream) => void,
  expect: { messages: number; payloadSize: number; timeoutMs: number; keepLast?: boolean; headers?: Record<string, string> },
): Promise<{ messages: number; bytes: number; seconds: number; complete: boolean; last: Buffer | undefined }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const stream = session.request({ ...GRPC_REQUEST, ':path': path, ...expect.headers });
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    let last: Buffer | undefined;
    const splitter = new FrameSplitter((buf, start, end) => {
      const m = decodeMessage(buf, start, end);
      if (m.payload.length !== expect.payloadSize) {
        reject(new Error(`verification failed: ${path}: message payload ${m.payload.length} B, expected ${expect.payloadSize}`));
      }
      if (expect.keepLast) last = Buffer.from(buf.subarray(start, end));
      else splitter.onMessage = undefined; // checked the first one; count the rest without decoding
    });
    let cut = false;
    const timer = setTimeout(() => {
      cut = true;
      stream.close(constants.NGHTTP2_CANCEL);
    }, expect.timeoutMs);
    stream.on('response', (h) => (headers = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => splitter.push(c));
    stream.on('error', () => undefined);
    stream.on('close', () => {
      const seconds = (performance.now() - t0) / 1000;
      clearTimeout(timer);
      if (!cut) {
        const g = grpcStatusOf(headers, trailers);
        if (g.status !== '0') return reject(new Error(`verification failed: ${path}: grpc-status ${g.status} ${g.message ?? ''} (rst ${stream.rstCode})`));
        if (expect.messages >= 0 && splitter.messages !== expect.messages) {
          return reject(new Error(`verification failed: ${path}: got ${splitter.messages} messages, expected ${expect.messages}`));
        }
        if (!splitter.clean) return reject(new Error(`verification failed: ${path}: partial envelope at end`));
      }
      resolve({ messages: splitter.messages, bytes: splitter.bytes, seconds, complete: !cut, last });
    });
    send(stream);
  });
}

/** Writes the chunks with backpressure, then ends the request. */
function pumpChunks(stream: ClientHttp2Stream, chunks: Iterator<Buffer>): void {
  const pump = (): void => {
    for (;;) {
      if (stream.destroyed || stream.closed) return;
      const next = chunks.next();
      if (next.done) {
        stream.end();
        return;
      }
      if (!stream.write(next.value)) {
        stream.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

async function serverStream(spec: Extract<LoadSpec, { mode: 'server-stream' }>): Promise<unknown> {
  const session = await open(spec.target);
  const payload = payloadOf(spec.payloadSize);
  const results: Record<string, StreamRun[]> = {};
  const headers = spec.handler ? { [HANDLER_HEADER]: spec.handler } : undefined;
  // Warm-up: a few short streams (at most 20,000 messages, 16 MiB each) so JIT and buffers are in place on both sides.
  const warm = Math.max(1, Math.min(20_000, spec.counts[0]![0], Math.floor((16 << 20) / (spec.payloadSize + 8))));
  for (let i = 0; i < 5; i++) {
    await streamCall(session, PATH_SERVER_STREAM, (s) => s.end(encodeFrame(payload, warm)), { messages: warm, payloadSize: spec.payloadSize, timeoutMs: spec.timeoutMs, headers });
  }
  for (const [count, rounds] of spec.counts) {
    const runs: StreamRun[] = (results[count] = []);
    for (let r = 0; r < rounds; r++) {
      const res = await streamCall(session, PATH_SERVER_STREAM, (s) => s.end(encodeFrame(payload, count)), {
        messages: count,
        payloadSize: spec.payloadSize,
        timeoutMs: spec.timeoutMs,
        headers,
      });
      runs.push({ count, messages: res.messages, bytes: res.messages * spec.payloadSize, seconds: res.seconds, complete: res.complete });
      if (!res.complete) break; // a cut run says enough; the rest would be cut too
      await sleep(50);
    }
  }
  session.close();
  return { runs: results };
}

async function clientOrBidi(spec: Extract<LoadSpec, { mode: 'client-stream' | 'bidi' }>): Promise<unknown> {
  const session = await open(spec.target);
  const payload = payloadOf(spec.payloadSize);
  const bidi = spec.mode === 'bidi';
  const path = bidi ? PATH_BIDI : PATH_CLIENT_STREAM;
  const once = async (count: number): Promise<StreamRun> => {
    const res = await streamCall(session, path, (s) => pumpChunks(s, frameChunks(payload, count)), {
      messages: bidi ? count : 1,
      payloadSize: bidi ? spec.payloadSize : 0,
      timeoutMs: spec.timeoutMs,
      keepLast: !bidi,
    });
    if (res.complete && !bidi) {
      const n = decodeMessage(res.last!).count;
      check(n === count, `client-stream: server counted ${n} messages, sent ${count}`);
    }
    const messages = bidi ? res.messages : res.complete ? count : 0;
    return { count, messages, bytes: messages * spec.payloadSize, seconds: res.seconds, complete: res.complete };
  };
  for (let i = 0; i < 5; i++) await once(Math.min(20_000, spec.count));
  const runs: StreamRun[] = [];
  for (let r = 0; r < spec.rounds; r++) {
    const run = await once(spec.count);
    runs.push(run);
    if (!run.complete) break;
    await sleep(50);
  }
  session.close();
  return { runs };
}

/**
 * Opens connections x streams bidi calls, each answered once, and keeps them open until the
 * runner writes a line on stdin; then ends them all and checks every status.
 */
async function hold(spec: Extract<LoadSpec, { mode: 'hold' }>): Promise<unknown> {
  const payload = payloadOf(spec.payloadSize);
  const sessions = await Promise.all(Array.from({ length: spec.connections }, () => open(spec.target)));
  const streams: ClientHttp2Stream[] = [];
  const closed: Array<Promise<Answer>> = [];
  const echoed: Array<Promise<void>> = [];
  const t0 = performance.now();
  for (const session of sessions) {
    for (let i = 0; i < spec.streams; i++) {
      const stream = session.request({ ...GRPC_REQUEST, ':path': PATH_BIDI });
      let headers: IncomingHttpHeaders = {};
      let trailers: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      let gotEcho!: () => void;
      echoed.push(new Promise<void>((r) => (gotEcho = r)));
      stream.on('response', (h) => (headers = h));
      stream.on('trailers', (t) => (trailers = t));
      stream.on('data', (c: Buffer) => {
        chunks.push(c);
        gotEcho();
      });
      stream.on('error', () => undefined);
      closed.push(new Promise((resolve) => stream.on('close', () => {
        gotEcho();
        const g = grpcStatusOf(headers, trailers);
        resolve({ status: Number(headers[':status'] ?? 0), grpcStatus: g.status, grpcMessage: g.message, body: Buffer.concat(chunks) });
      })));
      stream.write(encodeFrame(payload, 1));
      streams.push(stream);
    }
  }
  await Promise.all(echoed);
  const openSeconds = (performance.now() - t0) / 1000;
  const stillOpen = streams.filter((s) => !s.closed && !s.destroyed).length;
  process.stdout.write(`${JSON.stringify({ held: stillOpen, openSeconds })}\n`);
  const rl = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => rl.once('line', () => resolve()));
  rl.close();
  for (const s of streams) s.end();
  const answers = await Promise.all(closed);
  let ok = 0;
  for (const a of answers) {
    if (a.status === 200 && a.grpcStatus === '0' && a.body.length >= 5) ok++;
  }
  for (const s of sessions) s.close();
  return { held: stillOpen, ok, total: answers.length, openSeconds };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as LoadSpec;
  let result: unknown;
  switch (spec.mode) {
    case 'verify':
      result = await verify(spec);
      break;
    case 'latency':
      result = await latency(spec);
      break;
    case 'server-stream':
      result = await serverStream(spec);
      break;
    case 'client-stream':
    case 'bidi':
      result = await clientOrBidi(spec);
      break;
    case 'hold':
      result = await hold(spec);
      break;
  }
  process.stdout.write(`${JSON.stringify({ result })}\n`);
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: e instanceof Error ? e.message : String(e) })}\n`);
  process.exit(1);
});
