import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';
import { splitAddress } from './helpers/h2-frames.js';
import { measureLatency } from './helpers/latency-probe.js';

/** A slowloris peer: writes `head`, then one byte of `drip` every `everyMs` until the server closes. */
function slowloris(address: string, head: string, drip: string, everyMs: number): { socket: Socket; closed: Promise<{ ms: number; response: string }> } {
  const [host, port] = splitAddress(address);
  const socket = connect({ host, port });
  socket.on('error', () => undefined);
  const started = performance.now();
  let response = '';
  socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
  let timer: NodeJS.Timeout | undefined;
  socket.once('connect', () => {
    socket.write(head);
    let i = 0;
    timer = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write(drip[i++ % drip.length]!);
    }, everyMs);
  });
  const closed = new Promise<{ ms: number; response: string }>((resolve) => {
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ ms: performance.now() - started, response });
    });
  });
  return { socket, closed };
}

describe('HTTP/1.1 slowloris defences: header, request and keep-alive timeouts', { timeout: 90_000 }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startEchoServer({ http1: { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 300 } });
  });
  after(() => server.close());

  test('headers trickled byte by byte: 408 and closed after headersTimeoutMs', async () => {
    const { closed } = slowloris(server.address, 'POST /echo.v1.EchoService/Echo HTTP/1.1\r\nHost: a\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n', 50);
    const { ms, response } = await closed;
    assert.ok(ms >= 250 && ms < 2500, `closed after ${ms} ms`);
    assert.match(response, /^HTTP\/1\.1 408 /);
  });

  test('a body trickled byte by byte: the connection is closed after requestTimeoutMs', async () => {
    const head = 'POST /echo.v1.EchoService/Echo HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n';
    const { closed } = slowloris(server.address, head, '{', 50);
    const { ms } = await closed;
    assert.ok(ms >= 500 && ms < 3000, `closed after ${ms} ms`);
  });

  test('an idle keep-alive connection is closed after keepAliveTimeoutMs (node adds up to 1 s of grace)', async () => {
    const { socket, closed } = slowloris(server.address, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', '', 1_000_000);
    const { ms, response } = await closed;
    assert.match(response, /^HTTP\/1\.1 \d{3} /, 'the request was answered first');
    assert.ok(ms >= 250 && ms < 3000, `closed after ${ms} ms`);
    socket.destroy();
  });

  test('a handler slower than requestTimeoutMs is not cut: the timeout covers receiving the request only', async () => {
    const body = '{"ms":1000}';
    const head = `POST /echo.v1.EchoService/Slow HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const { socket, closed } = slowloris(server.address, head, '', 1_000_000);
    const answered = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.includes('slow done')) resolve(text);
      });
      void closed.then(() => resolve(text));
    });
    const started = performance.now();
    const text = await answered;
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.ok(performance.now() - started >= 950);
    socket.destroy();
  });

  test('200 slowloris connections at once: all cut, an HTTP/2 client beside them keeps its latency', async () => {
    const baseline = await measureLatency(server.address, 500);
    const peers = Array.from({ length: 200 }, () => slowloris(server.address, 'POST /x HTTP/1.1\r\nHost: a\r\n', 'X-A: b\r\n', 100));
    const during = await measureLatency(server.address, 800);
    const results = await Promise.all(peers.map((p) => p.closed));
    assert.ok(results.every((r) => r.ms < 3000), `slowest closed after ${Math.max(...results.map((r) => r.ms))} ms`);
    assert.equal(during.errors, 0);
    assert.ok(during.p99 <= Math.max(baseline.p99 * 10, 2000), `p99 ${during.p99} ms (baseline ${baseline.p99})`);
  });
});
