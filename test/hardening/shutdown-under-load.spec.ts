import assert from 'node:assert/strict';
import { connect, type ClientHttp2Session } from 'node:http2';
import { describe, test } from 'node:test';
import { probe } from '../fixtures/echo.controller.js';
import { envelope } from '../helpers/raw-h2-client.js';
import { startEchoServer } from '../helpers/start-echo-server.js';

const UNARY = 150;
const STREAMS = 50;
const GRACE_MS = 1500;

interface CallEnd {
  kind: 'unary' | 'stream';
  status: string | undefined;
  messages: number;
}

/** One gRPC call on a raw session, resolving with its status (undefined: the call ended without one). */
function call(session: ClientHttp2Session, kind: CallEnd['kind'], path: string, body: Buffer): Promise<CallEnd> {
  return new Promise((resolve) => {
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    let status: string | undefined;
    let bytes = 0;
    stream.on('response', (h) => (status ??= h['grpc-status'] as string | undefined));
    stream.on('trailers', (t) => (status = t['grpc-status'] as string | undefined));
    stream.on('data', (d: Buffer) => (bytes += d.length));
    stream.on('error', () => undefined);
    stream.on('close', () => resolve({ kind, status, messages: bytes }));
    stream.end(body);
  });
}

describe('shutdown under load', { timeout: 90_000 }, () => {
  test(`app.close() with ${UNARY} unary calls and ${STREAMS} streams in flight: unary finish, streams end UNAVAILABLE, none without status`, async () => {
    probe.reset();
    const server = await startEchoServer({ gracefulShutdownTimeout: GRACE_MS });
    // Several connections, as real clients would have.
    const sessions = Array.from({ length: 4 }, () => {
      const s = connect(`http://${server.address}`);
      s.on('error', () => undefined);
      return s;
    });
    // SlowRequest { ms: 600 }: every unary call is still running when close() starts.
    const slow = envelope(Buffer.from([0x08, 0xd8, 0x04]));
    // EchoServerStream { message: "s", count: 100000, delayMs: 20 }: endless within the test.
    const endless = envelope(Buffer.from([0x0a, 1, 0x73, 0x10, 0xa0, 0x8d, 0x06, 0x40, 20]));
    const calls: Array<Promise<CallEnd>> = [];
    for (let i = 0; i < UNARY; i++) calls.push(call(sessions[i % 4]!, 'unary', '/echo.v1.EchoService/Slow', slow));
    for (let i = 0; i < STREAMS; i++) calls.push(call(sessions[i % 4]!, 'stream', '/echo.v1.EchoService/EchoServerStream', endless));
    await probe.waitFor(() => probe.calls >= UNARY + STREAMS, 5000);

    const closing = performance.now();
    await server.close();
    const closeMs = performance.now() - closing;
    const ends = await Promise.all(calls);
    for (const s of sessions) s.destroy();

    const unary = ends.filter((e) => e.kind === 'unary');
    const streams = ends.filter((e) => e.kind === 'stream');
    const lost = ends.filter((e) => e.status === undefined);
    assert.equal(lost.length, 0, `${lost.length} calls ended without a status`);
    assert.equal(unary.filter((e) => e.status === '0').length, UNARY, `unary statuses: ${unary.map((e) => e.status).join(',')}`);
    assert.equal(streams.filter((e) => e.status === '14').length, STREAMS, `stream statuses: ${streams.map((e) => e.status).join(',')}`);
    assert.ok(streams.every((e) => e.messages > 0), 'the streams were running');
    assert.ok(closeMs >= GRACE_MS - 50 && closeMs < GRACE_MS + 3000, `close took ${Math.round(closeMs)} ms (grace ${GRACE_MS})`);
  });

  test('a call arriving during the grace period is refused with a retryable status, never dropped silently', async () => {
    probe.reset();
    const server = await startEchoServer({ gracefulShutdownTimeout: 800 });
    const session = connect(`http://${server.address}`);
    session.on('error', () => undefined);
    const endless = envelope(Buffer.from([0x0a, 1, 0x73, 0x10, 0xa0, 0x8d, 0x06, 0x40, 20]));
    const running = call(session, 'stream', '/echo.v1.EchoService/EchoServerStream', endless);
    await probe.waitFor(() => probe.calls >= 1);
    const closed = server.close();
    await new Promise((r) => setTimeout(r, 100));
    // After GOAWAY node refuses new streams on this session (REFUSED_STREAM, retryable by gRPC clients).
    const late = await new Promise<{ status?: string; rst?: number; error?: string }>((resolve) => {
      try {
        const stream = session.request({ ':method': 'POST', ':path': '/echo.v1.EchoService/Echo', 'content-type': 'application/grpc', te: 'trailers' });
        let status: string | undefined;
        stream.on('trailers', (t) => (status = t['grpc-status'] as string));
        stream.on('response', (h) => (status ??= h['grpc-status'] as string | undefined));
        stream.on('error', (e: NodeJS.ErrnoException) => resolve({ status, rst: stream.rstCode, error: e.code }));
        stream.on('close', () => resolve({ status, rst: stream.rstCode }));
        stream.resume();
        stream.end(envelope(Buffer.alloc(0)));
      } catch (e) {
        resolve({ error: (e as NodeJS.ErrnoException).code });
      }
    });
    assert.ok(
      late.status === '14' || late.rst === 7 /* REFUSED_STREAM */ || late.error === 'ERR_HTTP2_GOAWAY_SESSION' || late.error === 'ERR_HTTP2_INVALID_SESSION',
      `late call: ${JSON.stringify(late)}`,
    );
    await closed;
    assert.equal((await running).status, '14');
    session.destroy();
  });
});
