import assert from 'node:assert/strict';
import { connect as h2connect, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';
import { RawH2Connection, splitAddress } from './helpers/h2-frames.js';
import { measureLatency } from './helpers/latency-probe.js';

/** A TCP connection to `address`; resolves once connected. */
function tcp(address: string): Promise<Socket> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** ms until `socket` closes, or Infinity after `maxMs`. */
function closedWithin(socket: Socket, maxMs: number): Promise<number> {
  const start = performance.now();
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(0);
    const timer = setTimeout(() => resolve(Infinity), maxMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - start);
    });
  });
}

function goawayOf(session: ClientHttp2Session, maxMs: number): Promise<{ code: number; debug: string } | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), maxMs);
    session.once('goaway', (code: number, _last: number, opaque?: Buffer) => {
      clearTimeout(timer);
      resolve({ code, debug: opaque?.toString() ?? '' });
    });
  });
}

function h2(address: string): Promise<ClientHttp2Session> {
  const session = h2connect(`http://${address}`);
  session.on('error', () => undefined);
  return new Promise((resolve) => session.once('connect', () => resolve(session)));
}

describe('connection limits: max connections, handshake and idle timeouts', { timeout: 90_000 }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startEchoServer({ maxConnections: 5, handshakeTimeoutMs: 300, maxConnectionIdleMs: 400 });
  });
  after(() => server.close());

  test('maxConnections: the connection over the limit is closed on accept; a freed slot is reusable', async () => {
    const held = Array.from({ length: 5 }, () => new RawH2Connection(server.address));
    await Promise.all(held.map((c) => c.ready));
    const extra = await tcp(server.address);
    assert.ok((await closedWithin(extra, 2000)) < 2000, 'the 6th connection was closed');
    held[0]!.destroy();
    await held[0]!.closed;
    await new Promise((r) => setTimeout(r, 50));
    const report = await measureLatency(server.address, 100, undefined, 1);
    assert.equal(report.errors, 0, 'a new connection is served once one slot is free');
    assert.ok(report.count > 0);
    for (const c of held) c.destroy();
    await Promise.all(held.map((c) => c.closed));
    await new Promise((r) => setTimeout(r, 100)); // let the server count them gone
  });

  test('handshakeTimeoutMs: a connection that sends nothing is closed', async () => {
    const silent = await tcp(server.address);
    const ms = await closedWithin(silent, 3000);
    assert.ok(ms >= 200 && ms < 3000, `closed after ${ms} ms (timeout 300 ms)`);
  });

  test('maxConnectionIdleMs: an HTTP/2 connection without calls gets GOAWAY NO_ERROR, one with a call is kept', async () => {
    const idle = await h2(server.address);
    const busy = await h2(server.address);
    const idleGoaway = goawayOf(idle, 3000);
    let busyGoawayAt: number | undefined;
    busy.once('goaway', () => (busyGoawayAt = performance.now()));
    // A 1 s call on `busy`, longer than the idle timeout: the connection must not go during it.
    const started = performance.now();
    const stream = busy.request({ ':method': 'POST', ':path': '/echo.v1.EchoService/Slow', 'content-type': 'application/grpc', te: 'trailers' });
    const status = new Promise<string | undefined>((resolve) => {
      let s: string | undefined;
      stream.on('trailers', (t) => (s = t['grpc-status'] as string));
      stream.on('response', (h) => (s ??= h['grpc-status'] as string | undefined));
      stream.resume();
      stream.on('close', () => resolve(s));
    });
    stream.end(Buffer.from([0, 0, 0, 0, 3, 0x08, 0xe8, 0x07])); // SlowRequest { ms: 1000 }
    assert.deepEqual(await idleGoaway, { code: 0, debug: '' });
    assert.equal(await status, '0');
    const callEnded = performance.now();
    assert.ok(callEnded - started >= 950);
    await new Promise((r) => setTimeout(r, 800));
    assert.ok(busyGoawayAt !== undefined && busyGoawayAt >= callEnded, 'the busy connection went idle only after its call');
    idle.destroy();
    busy.destroy();
  });
});

describe('keepalive enforcement (client PINGs) and ordinary cancels', { timeout: 90_000 }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startEchoServer({ keepalive: { minPingIntervalMs: 200, maxPingStrikes: 2 } });
  });
  after(() => server.close());

  const ping = (session: ClientHttp2Session): Promise<void> => new Promise((resolve) => session.ping(() => resolve()));

  test('PINGs faster than minPingIntervalMs during a call: GOAWAY ENHANCE_YOUR_CALM "too_many_pings" on the 3rd strike', async () => {
    const session = await h2(server.address);
    const goaway = goawayOf(session, 3000);
    const stream = session.request({ ':method': 'POST', ':path': '/echo.v1.EchoService/Slow', 'content-type': 'application/grpc', te: 'trailers' });
    stream.on('error', () => undefined);
    stream.end(Buffer.from([0, 0, 0, 0, 3, 0x08, 0xe8, 0x07]));
    for (let i = 0; i < 7 && !session.destroyed; i++) {
      await ping(session);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(await goaway, { code: 11, debug: 'too_many_pings' });
    session.destroy();
  });

  test('PINGs at the permitted interval during a call are fine', async () => {
    const session = await h2(server.address);
    let goaway = false;
    session.once('goaway', () => (goaway = true));
    const stream = session.request({ ':method': 'POST', ':path': '/echo.v1.EchoService/Slow', 'content-type': 'application/grpc', te: 'trailers' });
    stream.on('error', () => undefined);
    stream.resume();
    stream.end(Buffer.from([0, 0, 0, 0, 3, 0x08, 0xe8, 0x07]));
    for (let i = 0; i < 4; i++) {
      await ping(session);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(goaway, false);
    session.destroy();
  });

  test('frequent PINGs while the server is sending data reset the strikes (gRPC semantics)', async () => {
    const session = await h2(server.address);
    let goaway = false;
    session.once('goaway', () => (goaway = true));
    // EchoServerStream { message: "s", count: 40, delayMs: 25 }: data every 25 ms for 1 s.
    const stream = session.request({ ':method': 'POST', ':path': '/echo.v1.EchoService/EchoServerStream', 'content-type': 'application/grpc', te: 'trailers' });
    stream.on('error', () => undefined);
    stream.resume();
    stream.end(Buffer.from([0, 0, 0, 0, 7, 0x0a, 1, 0x73, 0x10, 40, 0x40, 25]));
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 60));
      await ping(session);
    }
    assert.equal(goaway, false);
    session.destroy();
  });

  test('without calls, PINGs count against the 2 h rule unless permitWithoutCalls', async () => {
    const session = await h2(server.address);
    const goaway = goawayOf(session, 4000);
    // The first PINGs may still see the connection's SETTINGS exchange go out; then 3 strikes.
    for (let i = 0; i < 7 && !session.destroyed; i++) {
      await ping(session);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(await goaway, { code: 11, debug: 'too_many_pings' });
    session.destroy();

    const permissive = await startEchoServer({ keepalive: { minPingIntervalMs: 200, permitWithoutCalls: true } });
    try {
      const ok = await h2(permissive.address);
      let calmed = false;
      ok.once('goaway', () => (calmed = true));
      for (let i = 0; i < 4; i++) {
        await ping(ok);
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(calmed, false);
      ok.destroy();
    } finally {
      await permissive.close();
    }
  });

  test('a client cancelling 150 calls at once (under streamResetBurst) keeps its connection', async () => {
    const session = await h2(server.address);
    let goaway = false;
    session.once('goaway', () => (goaway = true));
    const streams = Array.from({ length: 150 }, () => {
      const s = session.request({ ':method': 'POST', ':path': '/echo.v1.EchoService/Slow', 'content-type': 'application/grpc', te: 'trailers' });
      s.on('error', () => undefined);
      s.end(Buffer.from([0, 0, 0, 0, 3, 0x08, 0xe8, 0x07]));
      return s;
    });
    await new Promise((r) => setTimeout(r, 100));
    for (const s of streams) s.close(8 /* CANCEL */);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(goaway, false);
    const after = session.request({ ':method': 'POST', ':path': '/echo.v1.EchoService/Echo', 'content-type': 'application/grpc', te: 'trailers' });
    const status = await new Promise<string | undefined>((resolve) => {
      let st: string | undefined;
      after.on('trailers', (t) => (st = t['grpc-status'] as string));
      after.resume();
      after.on('close', () => resolve(st));
      after.end(Buffer.from([0, 0, 0, 0, 0]));
    });
    assert.equal(status, '0');
    session.destroy();
  });
});
