import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { constants, createServer as createH2Server, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Code } from '../../lib/core/code.js';
import { TripleError } from '../../lib/core/triple-error.js';
import { createClientTransport } from '../../lib/nest/client/create-client-transport.js';
import { probe, type EchoMessage } from '../fixtures/echo.controller.js';
import { echoMethod } from '../helpers/echo-methods.js';
import { startGrpcJsServer } from '../helpers/grpc-js-server.js';
import { startEchoServer } from '../helpers/start-echo-server.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const Echo = echoMethod('Echo');
const Slow = echoMethod('Slow');
const Bidi = echoMethod('EchoBidi');
const fastBackoff = { initialMs: 20, maxMs: 100, multiplier: 1.6, jitter: 0.2 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('client resilience', () => {
  test('kill and restart the server under a steady call loop: the transport recovers, no call hangs', async () => {
    let server = await startGrpcJsServer();
    const port = server.port;
    const client = createClientTransport({ url: server.address, reconnectBackoff: fastBackoff, retry: { initialBackoffMs: 10, maxBackoffMs: 50 } });
    const outcomes: Array<{ at: number; code: number }> = [];
    let running = true;
    const worker = async (): Promise<void> => {
      while (running) {
        const at = Date.now();
        try {
          await client.unary(Echo, { message: 'loop' }, { timeoutMs: 400 });
          outcomes.push({ at, code: Code.OK });
        } catch (e) {
          assert.ok(e instanceof TripleError, `not a TripleError: ${String(e)}`);
          outcomes.push({ at, code: e.code });
          await sleep(5);
        }
      }
    };
    const workers = Array.from({ length: 4 }, () => worker());
    try {
      await sleep(300);
      server.server.forceShutdown();
      const killedAt = Date.now();
      await sleep(400);
      server = await startGrpcJsServer(port);
      const restartedAt = Date.now();
      await sleep(700);
      running = false;
      await Promise.all(workers);
      const failed = outcomes.filter((o) => o.code !== Code.OK);
      for (const f of failed) assert.ok(f.code === Code.UNAVAILABLE || f.code === Code.DEADLINE_EXCEEDED, `unexpected code ${f.code}`);
      assert.ok(outcomes.some((o) => o.code === Code.OK && o.at < killedAt), 'calls succeeded before the kill');
      assert.ok(failed.length > 0, 'calls failed while the server was down');
      const recovered = outcomes.filter((o) => o.at > restartedAt + 300);
      assert.ok(recovered.length > 10 && recovered.every((o) => o.code === Code.OK), 'calls succeed again after the restart');
    } finally {
      running = false;
      await client.close();
      await server.close();
    }
  });

  test('GOAWAY from a closing server: in-flight calls complete, new calls reach the restarted server', async () => {
    const first = await startEchoServer({ gracefulShutdownTimeout: 5000 });
    const port = Number(first.address.split(':')[1]);
    const client = createClientTransport({ url: first.address, timeout: 5000, reconnectBackoff: fastBackoff });
    try {
      await client.unary(Echo, {});
      probe.reset();
      const inFlight = Array.from({ length: 5 }, () => client.unary<{ ms: number }, EchoMessage>(Slow, { ms: 400 }).then((r) => r.message.message, (e: TripleError) => e.code));
      await probe.waitFor(() => probe.events.filter((e) => e === 'slow-start').length === 5);
      const closing = first.close();
      await sleep(50);
      const second = await startEchoServer({ url: `127.0.0.1:${port}` });
      let secondConnections = 0;
      second.server.unwrap<NetServer>().on('connection', () => secondConnections++);
      try {
        const fresh = await client.unary<EchoMessage, EchoMessage>(Echo, { message: 'after goaway' });
        assert.equal(fresh.message.message, 'after goaway');
        assert.equal(secondConnections, 1, 'the new call used a new connection to the restarted server');
        for (const outcome of await Promise.all(inFlight)) assert.ok(outcome === 'slow done' || outcome === Code.UNAVAILABLE, String(outcome));
        await closing;
      } finally {
        await second.close();
      }
    } finally {
      await client.close();
    }
  });

  test('refused streams (RST_STREAM REFUSED_STREAM, above a GOAWAY) are retried transparently, even for non-idempotent methods', async () => {
    let sessions = 0;
    const h2 = createH2Server();
    h2.on('session', (session: Http2Session) => {
      sessions++;
      session.on('error', () => undefined);
    });
    const answer = (stream: ServerHttp2Stream): void => {
      if (stream.destroyed) return;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    };
    let refusedOnce = false;
    h2.on('stream', (stream: ServerHttp2Stream, headers) => {
      stream.on('error', () => undefined);
      stream.resume();
      const onFirstSession = sessions === 1;
      if (headers[':path'] === '/echo.v1.EchoService/Slow') return void setTimeout(() => answer(stream), 150);
      if (onFirstSession && !refusedOnce) {
        // The first Echo is refused outright; the server never looked at it.
        refusedOnce = true;
        return void stream.close(constants.NGHTTP2_REFUSED_STREAM);
      }
      // The retried Echo lies above a GOAWAY's last stream id (the Slow call's, stream 1).
      if (onFirstSession) return void stream.session?.goaway(constants.NGHTTP2_NO_ERROR, 1);
      answer(stream);
    });
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    const client = createClientTransport({ url: `127.0.0.1:${(h2.address() as AddressInfo).port}`, timeout: 3000, reconnectBackoff: fastBackoff });
    try {
      const slow = client.unary(Slow, {});
      await sleep(20);
      const res = await client.unary<EchoMessage, EchoMessage>(Echo, { message: 'x' });
      assert.equal(res.message.message ?? '', '');
      await slow;
      assert.equal(sessions, 2, 'the call refused by GOAWAY went to a new session');
    } finally {
      await client.close();
      await new Promise((r) => h2.close(r));
    }
  });

  test('keepalive detects a silently dead peer during a long bidi stream', async () => {
    const server = await startGrpcJsServer();
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: server.port });
    const client = createClientTransport({ url: proxy.address, keepalive: { timeMs: 150, timeoutMs: 150 } });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    async function* requests(): AsyncGenerator<EchoMessage> {
      yield { message: 'first' };
      await held;
    }
    try {
      const stream = client.bidiStream<EchoMessage, EchoMessage>(Bidi, requests())[Symbol.asyncIterator]();
      assert.equal((await stream.next()).value?.message, 'echo:first');
      proxy.blackhole();
      const silentAt = Date.now();
      const error = await stream.next().then(() => undefined, (e: unknown) => e);
      const detectedAfter = Date.now() - silentAt;
      assert.ok(error instanceof TripleError && error.code === Code.UNAVAILABLE, String(error));
      assert.ok(detectedAfter < 1000, `dead peer noticed after ${detectedAfter} ms`);
    } finally {
      release();
      await client.close();
      await proxy.close();
      await server.close();
    }
  });

  test('after close(), nothing keeps the process alive', async () => {
    const server = await startGrpcJsServer();
    const transportModule = join(process.cwd(), 'dist/lib/nest/client/create-client-transport.js');
    const methodsModule = join(process.cwd(), 'dist/test/helpers/echo-methods.js');
    const script = `
      const { createClientTransport } = await import(${JSON.stringify(transportModule)});
      const { echoMethod } = await import(${JSON.stringify(methodsModule)});
      const client = createClientTransport({ url: ${JSON.stringify(server.address)}, timeout: 2000, keepalive: { timeMs: 100, permitWithoutCalls: true } });
      const res = await client.unary(echoMethod('Echo'), { message: 'child' });
      const stream = client.serverStream(echoMethod('EchoServerStream'), { message: 's', count: 2 });
      for await (const m of stream) void m;
      // A call still in flight holds its session (and the process) until close() cancels it.
      const pending = client.unary(echoMethod('Slow'), { ms: 10000 }, { timeoutMs: 20000 }).catch((e) => e.code);
      await new Promise((r) => setTimeout(r, 100));
      await client.close();
      console.log(res.message.message, client.sessionCount, await pending, process.getActiveResourcesInfo().filter((r) => /TCP|Timeout|Immediate/.test(r)).length);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let closedAt = 0;
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      closedAt ||= Date.now();
    });
    child.stderr.on('data', (d: Buffer) => (out += d));
    // Loading modules can take seconds on a busy machine; what matters is the time after close().
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      new Promise<number | null>((resolve) => child.on('exit', resolve)),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 15_000))),
    ]);
    clearTimeout(timer);
    const exitedAfter = Date.now() - closedAt;
    try {
      assert.notEqual(exit, 'timeout', `the child did not exit: ${out}`);
      assert.equal(exit, 0, out);
      assert.equal(out.trim(), 'child 0 1 0', 'message, sessions, the in-flight call CANCELLED, no ref\'d resources');
      assert.ok(exitedAfter < 2000, `the child lingered ${exitedAfter} ms after close()`);
    } finally {
      child.kill();
      await server.close();
    }
  });
});

