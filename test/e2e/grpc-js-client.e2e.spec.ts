import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { probe } from '../fixtures/echo.controller.js';
import { collect, createGrpcJsEchoClient, grpc, unary } from '../helpers/grpc-js-client.js';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';

describe('@grpc/grpc-js client -> TripleServer', () => {
  let server: RunningServer;
  let client: any;

  before(async () => {
    server = await startEchoServer();
    client = createGrpcJsEchoClient(server.address);
  });
  after(async () => {
    client.close();
    await server.close();
  });
  beforeEach(() => probe.reset());

  test('unary: payload, int64, enum, repeated, request metadata, response header and trailers', async () => {
    const md = new grpc.Metadata();
    md.set('x-echo-header', 'hello');
    md.set('x-echo-trailer-bin', Buffer.from([0, 1, 2, 255]));
    md.set('x-custom', 'abc');
    const big = '9007199254740993';
    const { response, headers, status } = await unary(client, 'echo', { message: 'hi', count: 7, big, kind: 'KIND_B', tags: ['a', 'b'], payload: Buffer.from('xyz') }, md);
    assert.equal(response.message, 'hi');
    assert.equal(response.count, 7);
    assert.equal(response.big, big);
    assert.equal(response.kind, 'KIND_B');
    assert.deepEqual(response.tags, ['a', 'b']);
    assert.equal(Buffer.from(response.payload).toString(), 'xyz');
    assert.equal(response.meta['x-custom'], 'abc');
    assert.match(response.peer, /^127\.0\.0\.1:\d+$/);
    assert.deepEqual(headers.get('x-echo-header'), ['hello']);
    assert.equal(status.code, grpc.status.OK);
    assert.deepEqual(status.metadata.get('x-served-by'), ['echo']);
    assert.deepEqual(status.metadata.get('x-echo-trailer-bin'), [Buffer.from([0, 1, 2, 255])]);
  });

  test('server streaming from an Observable and from an AsyncIterable', async () => {
    const fromObservable = await collect(client.echoServerStream({ message: 'obs', count: 5 }));
    assert.deepEqual(fromObservable.map((m: any) => m.message), ['obs-0', 'obs-1', 'obs-2', 'obs-3', 'obs-4']);
    const fromIterable = await collect(client.echoServerStream({ message: 'iterable', count: 4 }));
    assert.deepEqual(fromIterable.map((m: any) => m.message), ['iterable-0', 'iterable-1', 'iterable-2', 'iterable-3']);
  });

  test('client streaming', async () => {
    const result = await new Promise<any>((resolve, reject) => {
      const call = client.echoClientStream((err: unknown, res: unknown) => (err ? reject(err) : resolve(res)));
      for (const m of ['a', 'b', 'c', 'd']) call.write({ message: m });
      call.end();
    });
    assert.equal(result.message, 'abcd');
    assert.equal(result.count, 4);
  });

  test('bidi streaming echoes in order, and an error mid-stream ends with its status', async () => {
    const call = client.echoBidi();
    const received = collect(call);
    for (let i = 0; i < 50; i++) call.write({ message: `m${i}`, count: i });
    call.end();
    const items = await received;
    assert.equal(items.length, 50);
    assert.equal(items[49].message, 'echo:m49');

    const failing = client.echoBidi();
    const failed = collect(failing);
    failing.write({ message: 'ok' });
    failing.write({ message: 'fail' });
    await assert.rejects(failed, (e: any) => e.code === grpc.status.ABORTED && e.details === 'bidi asked to fail');
  });

  test('errors carry code, message, details and metadata', async () => {
    const err: any = await unary(client, 'fail', { code: 5, message: 'no such hero ☺ 100%', withDetails: true }).catch((e) => e);
    assert.equal(err.code, grpc.status.NOT_FOUND);
    assert.equal(err.details, 'no such hero ☺ 100%');
    assert.deepEqual(err.metadata.get('x-fail-reason'), ['asked']);
    const detailsBin = err.metadata.get('grpc-status-details-bin')[0] as Buffer;
    assert.ok(detailsBin.length > 0, 'grpc-status-details-bin present');
  });

  test('an unexpected exception is INTERNAL with a generic message', async () => {
    const err: any = await unary(client, 'fail', { code: -1 }).catch((e) => e);
    assert.equal(err.code, grpc.status.INTERNAL);
    assert.doesNotMatch(err.details, /secret|\/srv\//);
  });

  test('deadline: client gets DEADLINE_EXCEEDED and the unary handler is aborted', async () => {
    const started = Date.now();
    const err: any = await unary(client, 'slow', { ms: 3000 }, new grpc.Metadata(), { deadline: Date.now() + 200 }).catch((e) => e);
    assert.equal(err.code, grpc.status.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - started < 2000);
    await probe.waitFor(() => probe.events.includes('slow-aborted'));
    assert.ok(probe.aborts.some((a) => a.method === 'Slow' && (a.code === 4 || a.code === 1)), JSON.stringify(probe.aborts));
    assert.ok(!probe.events.includes('slow-done'));
  });

  test('client cancel mid-stream stops the server-stream handler', async () => {
    const call = client.echoServerStream({ message: 'tick', count: 1000, delayMs: 10 });
    await new Promise<void>((resolve) => call.once('data', () => resolve()));
    call.on('error', () => undefined);
    call.cancel();
    await probe.waitFor(() => probe.events.includes('server-stream-finalize'));
    await probe.waitFor(() => probe.aborts.some((a) => a.method === 'EchoServerStream' && a.code === 1));
  });

  test('client cancel of a unary call aborts the handler', async () => {
    const call = client.slow({ ms: 3000 }, () => undefined);
    await probe.waitFor(() => probe.events.includes('slow-start'));
    call.cancel();
    await probe.waitFor(() => probe.events.includes('slow-aborted'));
    assert.ok(probe.aborts.some((a) => a.method === 'Slow' && a.code === 1));
  });

  test('gzip both ways', async () => {
    const gz = createGrpcJsEchoClient(server.address, { 'grpc.default_compression_algorithm': 2 });
    try {
      const payload = Buffer.alloc(64 * 1024, 'abc');
      const { response } = await unary(gz, 'echo', { message: 'zip', payload });
      assert.equal(Buffer.compare(Buffer.from(response.payload), payload), 0);
      const items = await collect(gz.echoServerStream({ message: 'z', count: 3, payload }));
      assert.equal(items.length, 3);
    } finally {
      gz.close();
    }
  });

  test('unknown method answers UNIMPLEMENTED', async () => {
    const raw = new grpc.Client(server.address, grpc.credentials.createInsecure());
    try {
      const err: any = await new Promise((resolve) => {
        raw.makeUnaryRequest('/echo.v1.EchoService/Nope', (x: Buffer) => x, (x: Buffer) => x, Buffer.alloc(0), (e) => resolve(e));
      });
      assert.equal(err.code, grpc.status.UNIMPLEMENTED);
      const err2: any = await new Promise((resolve) => {
        raw.makeUnaryRequest('/echo.v1.Missing/Echo', (x: Buffer) => x, (x: Buffer) => x, Buffer.alloc(0), (e) => resolve(e));
      });
      assert.equal(err2.code, grpc.status.UNIMPLEMENTED);
      assert.match(err2.details, /Missing/);
    } finally {
      raw.close();
    }
  });

  test('a request over maxReceiveMessageLength is RESOURCE_EXHAUSTED and the server keeps serving', async () => {
    const err: any = await unary(client, 'echo', { payload: Buffer.alloc(5 * 1024 * 1024) }).catch((e) => e);
    assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED);
    const { response } = await unary(client, 'echo', { message: 'still here' });
    assert.equal(response.message, 'still here');
  });
});
