import assert from 'node:assert/strict';
import { connect, type OutgoingHttpHeaders } from 'node:http2';
import { after, before, beforeEach, describe, test } from 'node:test';
import { headerListSize } from '../../lib/protocol/negotiate-protocol.js';
import { probe } from '../fixtures/echo.controller.js';
import { createGrpcJsEchoClient, grpc, unary } from '../helpers/grpc-js-client.js';
import { envelope } from '../helpers/raw-h2-client.js';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';
import { zeroWindowAttack } from './helpers/attacks.js';
import { retainedMb } from './helpers/gc.js';
import { measureLatency, type LatencyReport } from './helpers/latency-probe.js';

const MAX_BUFFERED = 1024 * 1024;
const STREAMS = 50;

describe('a client that never reads (zero window), header blocks at the limit', { timeout: 90_000 }, () => {
  let server: RunningServer;
  let baseline: LatencyReport;

  before(async () => {
    server = await startEchoServer({ maxBufferedBytes: MAX_BUFFERED, maxMetadataSize: 4096 });
    await measureLatency(server.address, 300);
    baseline = await measureLatency(server.address, 800);
  });
  after(() => server.close());
  beforeEach(() => probe.reset());

  test('Observable streams to a zero window: memory bounded, each stream ends RESOURCE_EXHAUSTED once read', async () => {
    const before = await retainedMb();
    let during: LatencyReport | undefined;
    let held = 0;
    const result = await zeroWindowAttack(server.address, STREAMS, { message: 'obs', count: 50_000 }, async () => {
      await probe.waitFor(() => probe.calls >= STREAMS, 5000);
      during = await measureLatency(server.address, 1000);
      held = (await retainedMb()) - before;
    });
    // Each stream wants 50_000 x 1 KiB = 50 MB; the bound is maxBufferedBytes (1 MiB) per stream,
    // and what is queued past it is freed as soon as the stream fails: what stays is node's
    // per-stream write buffer (16 KiB) and bookkeeping.
    assert.ok(held < (STREAMS * MAX_BUFFERED) / 4 / 2 ** 20, `server retains ${held.toFixed(1)} MiB for ${STREAMS} stalled streams`);
    assert.equal(result.bytesBeforeOpening, 0, 'nothing was sent into a zero window');
    assert.equal(result.statuses.length, STREAMS, 'every stream finished once the client read');
    assert.deepEqual(new Set(result.statuses), new Set(['8']), `statuses ${result.statuses.join(',')}`);
    assert.equal(during!.errors, 0);
    assert.ok(during!.p99 <= Math.max(baseline.p99 * 10, 2000), `p99 ${during!.p99} ms (baseline ${baseline.p99})`);
    console.log(JSON.stringify({ zeroWindowObservable: { streams: STREAMS, retainedMb: Math.round(held * 10) / 10, p99: during!.p99, baselineP99: baseline.p99 } }));
  });

  test('AsyncIterable streams to a zero window: the handlers are paused, nothing is lost once read', async () => {
    let producedWhileHeld = 0;
    const result = await zeroWindowAttack(server.address, STREAMS, { message: 'iterable', count: 200 }, async () => {
      await probe.waitFor(() => probe.calls >= STREAMS, 5000);
      await new Promise((r) => setTimeout(r, 300));
      producedWhileHeld = probe.produced;
    });
    // Pull-based: a handler runs only as far as node's 16 KiB stream buffer lets it (about 16 messages).
    assert.ok(producedWhileHeld <= STREAMS * 20, `${producedWhileHeld} messages produced while nobody could read`);
    assert.equal(result.statuses.length, STREAMS);
    assert.deepEqual(new Set(result.statuses), new Set(['0']));
    assert.equal(probe.produced, STREAMS * 200, 'every message was produced once the client read');
  });

  test('a header block exactly at maxMetadataSize is served; one byte more is refused (RST ENHANCE_YOUR_CALM)', async () => {
    // node:http2 enforces the SETTINGS_MAX_HEADER_LIST_SIZE it advertises (name + value + 32 per
    // field) by resetting the stream with ENHANCE_YOUR_CALM, which gRPC clients report as
    // RESOURCE_EXHAUSTED (PROTOCOL-HTTP2.md's mapping); the HTTP/1.1 path answers 431 itself.
    const session = connect(`http://${server.address}`);
    try {
      const base: OutgoingHttpHeaders = {
        ':method': 'POST',
        ':scheme': 'http',
        ':authority': 'x',
        ':path': '/echo.v1.EchoService/Echo',
        'content-type': 'application/grpc',
        te: 'trailers',
        'x-pad': '',
      };
      const padFor = (total: number): string => 'p'.repeat(total - headerListSize(base as Record<string, string>));
      const call = (headers: OutgoingHttpHeaders): Promise<{ status: string | undefined; rst: number | undefined }> =>
        new Promise((resolve) => {
          const stream = session.request(headers);
          let status: string | undefined;
          stream.on('response', (h) => (status ??= h['grpc-status'] as string | undefined));
          stream.on('trailers', (t) => (status = t['grpc-status'] as string | undefined));
          stream.on('error', () => undefined);
          stream.resume();
          stream.on('close', () => resolve({ status, rst: stream.rstCode }));
          stream.end(envelope(Buffer.alloc(0)));
        });
      assert.deepEqual(await call({ ...base, 'x-pad': padFor(4096) }), { status: '0', rst: 0 });
      assert.deepEqual(await call({ ...base, 'x-pad': padFor(4097) }), { status: undefined, rst: 11 });
      // The session survives: the next call on it is served.
      assert.deepEqual(await call(base), { status: '0', rst: 0 });
    } finally {
      session.close();
    }
  });

  test('grpc-js sees RESOURCE_EXHAUSTED for metadata over the limit, OK under it', async () => {
    const client = createGrpcJsEchoClient(server.address);
    try {
      const small = new grpc.Metadata();
      small.set('x-pad', 'p'.repeat(3000));
      assert.equal((await unary(client, 'echo', { message: 'a' }, small)).status.code, grpc.status.OK);
      const big = new grpc.Metadata();
      big.set('x-pad', 'p'.repeat(5000));
      await assert.rejects(unary(client, 'echo', { message: 'a' }, big), (e: { code?: number }) => e.code === grpc.status.RESOURCE_EXHAUSTED);
    } finally {
      client.close();
    }
  });
});
