import assert from 'node:assert/strict';
import { connect, type ClientHttp2Stream } from 'node:http2';
import { after, before, beforeEach, describe, test } from 'node:test';
import { probe } from '../fixtures/echo.controller.js';
import { collect, createGrpcJsEchoClient, grpc } from '../helpers/grpc-js-client.js';
import { envelope, grpcStatus, RawH2Client } from '../helpers/raw-h2-client.js';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';

const grpcHeaders = { 'content-type': 'application/grpc', te: 'trailers' };

/** EchoRequest { message = 1; count = 2; payload = 3 } encoded by hand. */
function echoRequest(message: string, count: number, payloadBytes = 0): Buffer {
  const msg = Buffer.from(message);
  const parts = [Buffer.from([0x0a, msg.length]), msg, Buffer.from([0x10]), varint(count)];
  if (payloadBytes > 0) parts.push(Buffer.from([0x1a]), varint(payloadBytes), Buffer.alloc(payloadBytes, 7));
  return Buffer.concat(parts);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

/** Writes `message` `total` times, waiting for 'drain' when told to, then ends the request. */
function writeAll(stream: ClientHttp2Stream, message: Buffer, total: number): { done: Promise<void>; written(): number } {
  let writes = 0;
  const done = new Promise<void>((resolve) => {
    const pump = (): void => {
      while (writes < total) {
        writes++;
        if (!stream.write(message)) {
          stream.once('drain', pump);
          return;
        }
      }
      stream.end();
      resolve();
    };
    pump();
  });
  return { done, written: () => writes };
}

/** EchoResponse.count (field 2) of the one response message: the messages the handler saw. */
function responseCount(body: Buffer): number {
  const idx = body.indexOf(0x10, 5);
  let count = 0;
  let shift = 0;
  for (let i = idx + 1; ; i++) {
    count |= (body[i]! & 127) << shift;
    shift += 7;
    if (body[i]! < 128) break;
  }
  return count;
}

function countEnvelopes(body: Buffer): number {
  let n = 0;
  for (let i = 0; i + 5 <= body.length; i += 5 + body.readUInt32BE(i + 1)) n++;
  return n;
}

describe('streams: backpressure, bounded buffers, every stream ends with a status', () => {
  let server: RunningServer;
  let raw: RawH2Client;

  before(async () => {
    server = await startEchoServer({ maxBufferedBytes: 1024 * 1024, maxPendingMessages: 4 });
    raw = new RawH2Client(server.address);
  });
  after(async () => {
    raw.close();
    await server.close();
  });
  beforeEach(() => probe.reset());

  test('an AsyncIterable server stream is pulled only as fast as the client reads', async () => {
    const pending = raw.request('/echo.v1.EchoService/EchoServerStream', grpcHeaders, envelope(echoRequest('iterable', 400, 16 * 1024)), 10_000, 400);
    await new Promise((r) => setTimeout(r, 300));
    const producedWhilePaused = probe.produced;
    // 400 x 16 KiB = 6.4 MB requested; while nobody reads only about a flow-control window
    // plus the socket buffers may be produced.
    assert.ok(producedWhilePaused < 40, `produced ${producedWhilePaused} messages while the client was not reading`);
    const res = await pending;
    assert.equal(grpcStatus(res), 0);
    assert.equal(countEnvelopes(res.body), 400);
    assert.equal(probe.produced, 400);
  });

  test('an Observable that outruns a non-reading client ends with RESOURCE_EXHAUSTED, memory bounded', async () => {
    // 2000 x 16 KiB = 32 MB pushed synchronously against a 1 MiB maxBufferedBytes.
    const res = await raw.request('/echo.v1.EchoService/EchoServerStream', grpcHeaders, envelope(echoRequest('obs', 2000, 16 * 1024)), 10_000, 300);
    assert.equal(grpcStatus(res), 8);
    assert.ok(countEnvelopes(res.body) < 2000, 'the stream was cut short');
    await probe.waitFor(() => probe.events.includes('server-stream-finalize'));
  });

  test('a fast client stream of 3000 messages (written with drain) loses no message', async () => {
    // The read-ahead bound itself (maxPendingMessages) is asserted in
    // lib/nest/rx/observable-from-iterable.spec.ts; here a real peer floods a real server.
    const session = connect(`http://${server.address}`);
    try {
      const stream = session.request({ ':method': 'POST', ':path': '/echo.v1.EchoService/EchoClientStream', ...grpcHeaders });
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      const trailers = new Promise<Record<string, unknown>>((resolve) => stream.on('trailers', (t) => resolve(t)));
      await writeAll(stream, envelope(echoRequest('m', 0, 1024)), 3000).done;
      const t = await trailers;
      assert.equal(t['grpc-status'], '0');
      assert.equal(responseCount(Buffer.concat(chunks)), 3000, 'every message reached the handler');
    } finally {
      session.close();
    }
  });

  test('a handler that subscribes late: the server reads ahead only maxPendingMessages, flow control holds the client, nothing is lost', async () => {
    const session = connect(`http://${server.address}`);
    try {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/echo.v1.EchoService/EchoClientStream',
        ...grpcHeaders,
        'x-subscribe-after-ms': '700',
      });
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      const trailers = new Promise<Record<string, unknown>>((resolve) => stream.on('trailers', (t) => resolve(t)));
      const total = 3000;
      const writing = writeAll(stream, envelope(echoRequest('m', 0, 1024)), total);
      const before = await new Promise<number>((resolve) => setTimeout(() => resolve(writing.written()), 400));
      // Unread, the request holds the stream window (192 KiB), node's buffers and 4 decoded
      // messages: a few hundred KiB of the 3 MB the client has to send.
      assert.ok(before < 600, `${before} of ${total} messages accepted before the handler subscribed`);
      await writing.done;
      const t = await trailers;
      assert.equal(t['grpc-status'], '0');
      assert.equal(responseCount(Buffer.concat(chunks)), total, 'every message reached the handler');
    } finally {
      session.close();
    }
  });

  test('bursts through recycled write chunks: every message of every call arrives intact (grpc-js client)', async () => {
    // Each call packs ~800 KB into pooled chunks; later calls (Observable and pull-based, some
    // running at once) write into the chunks of earlier ones once node:http2 has sent them.
    const client = createGrpcJsEchoClient(server.address);
    try {
      const payload = Buffer.alloc(20 * 1024);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
      for (let round = 0; round < 3; round++) {
        const calls = ['obs', 'iterable', 'obs'].map((message) => collect(client.echoServerStream({ message, count: 40, payload })));
        const results = await Promise.all(calls);
        results.forEach((messages, c) => {
          const tag = c === 1 ? 'iterable' : 'obs';
          assert.equal(messages.length, 40, `round ${round} call ${c}`);
          messages.forEach((m: { message: string; count?: number; payload: Buffer }, i: number) => {
            assert.equal(m.message, `${tag}-${i}`);
            assert.equal(m.count ?? 0, i);
            assert.ok(Buffer.from(m.payload).equals(payload), `round ${round} call ${c} message ${i}: payload differs`);
          });
        });
      }
    } finally {
      client.close();
    }
  });

  test('graceful shutdown: in-flight unary finishes, an endless stream ends with UNAVAILABLE', async () => {
    const local = await startEchoServer({ gracefulShutdownTimeout: 400 });
    const client = createGrpcJsEchoClient(local.address);
    try {
      const endless = client.echoServerStream({ message: 'forever', count: 1_000_000, delayMs: 20 });
      const endlessDone = collect(endless).then(() => 'ok', (e: any) => e.code);
      await new Promise<void>((resolve) => endless.once('data', () => resolve()));
      const slow = new Promise<number>((resolve) => client.slow({ ms: 150 }, (err: any) => resolve(err ? err.code : 0)));
      await probe.waitFor(() => probe.events.includes('slow-start'));
      const started = Date.now();
      await local.close();
      assert.equal(await slow, 0, 'the in-flight unary call finished');
      assert.equal(await endlessDone, grpc.status.UNAVAILABLE);
      assert.ok(Date.now() - started < 3000);
    } finally {
      client.close();
    }
  });
});
