import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { ClientCallOutcome, ClientInterceptor } from '../../lib/core/client-interceptor.js';
import type { ClientTransport } from '../../lib/core/client-transport.js';
import { Code } from '../../lib/core/code.js';
import { Metadata } from '../../lib/core/metadata.js';
import { TripleError } from '../../lib/core/triple-error.js';
import { createClientTransport } from '../../lib/nest/client/create-client-transport.js';
import { probe, type EchoMessage } from '../fixtures/echo.controller.js';
import { collectStream, echoMethod, requestsOf } from '../helpers/echo-methods.js';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const Echo = echoMethod('Echo');
const ServerStream = echoMethod('EchoServerStream');
const ClientStream = echoMethod('EchoClientStream');
const Bidi = echoMethod('EchoBidi');
const Fail = echoMethod('Fail');
const Slow = echoMethod('Slow');

function isTripleError(code: Code): (e: unknown) => boolean {
  return (e) => e instanceof TripleError && e.code === code;
}

describe('client transport (gRPC) -> TripleServer', () => {
  let server: RunningServer;
  let client: ClientTransport;
  const outcomes: ClientCallOutcome[] = [];
  const interceptor: ClientInterceptor = {
    before(ctx) {
      ctx.metadata.set('x-intercepted', ctx.method.name);
      ctx.state.set('start', Date.now());
    },
    after(_ctx, outcome) {
      outcomes.push(outcome);
    },
  };

  before(async () => {
    server = await startEchoServer();
    client = createClientTransport({ url: server.address, timeout: 5000, group: 'g1', interceptors: [interceptor] });
  });
  after(async () => {
    await client.close();
    await server.close();
  });
  beforeEach(() => {
    probe.reset();
    outcomes.length = 0;
  });

  test('unary: message, metadata both ways, header, trailers, group/version, interceptors', async () => {
    const metadata = new Metadata({ 'x-echo-header': 'hello', 'x-custom': 'abc' }).set('x-echo-trailer-bin', Buffer.from([0, 1, 255]));
    const res = await client.unary<EchoMessage, EchoMessage>(Echo, { message: 'hi', count: 7, big: '9007199254740993', tags: ['a'] }, { metadata, serviceKey: { version: '2.0.0' } });
    assert.equal(res.message.message, 'hi');
    assert.equal(res.message.count, 7);
    assert.equal(String(res.message.big), '9007199254740993');
    assert.equal(res.message.meta?.['x-custom'], 'abc');
    assert.equal(res.message.meta?.['x-intercepted'], 'Echo');
    assert.equal(res.message.meta?.['tri-service-group'], 'g1');
    assert.equal(res.message.meta?.['tri-service-version'], '2.0.0');
    assert.equal(res.header.get('x-echo-header'), 'hello');
    assert.equal(res.trailer.get('x-served-by'), 'echo');
    assert.deepEqual(res.trailer.get('x-echo-trailer-bin'), Buffer.from([0, 1, 255]));
    assert.equal(metadata.has('x-intercepted'), false, 'the caller metadata is not mutated');
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0]!.error, undefined);
    assert.equal(outcomes[0]!.attempts, 1);
    assert.equal((outcomes[0]!.response as EchoMessage).message, 'hi');
    assert.equal(client.sessionCount, 1);
  });

  test('server streaming from an Observable and an AsyncIterable, with header and trailer', async () => {
    const stream = client.serverStream<EchoMessage, EchoMessage>(ServerStream, { message: 'obs', count: 5 });
    const messages = await collectStream(stream);
    assert.deepEqual(messages.map((m) => m.message), ['obs-0', 'obs-1', 'obs-2', 'obs-3', 'obs-4']);
    assert.ok((await stream.header) instanceof Metadata);
    assert.ok((await stream.trailer) instanceof Metadata);
    const iterable = await collectStream(client.serverStream<EchoMessage, EchoMessage>(ServerStream, { message: 'iterable', count: 3 }));
    assert.deepEqual(iterable.map((m) => m.message), ['iterable-0', 'iterable-1', 'iterable-2']);
    assert.equal(outcomes.length, 2);
  });

  test('client streaming and bidi pull requests as the stream has window', async () => {
    const summed = await client.clientStream<EchoMessage, EchoMessage>(ClientStream, requestsOf([{ message: 'a' }, { message: 'b' }, { message: 'c' }], 5));
    assert.equal(summed.message.message, 'abc');
    assert.equal(summed.message.count, 3);
    const echoes = await collectStream(client.bidiStream<EchoMessage, EchoMessage>(Bidi, requestsOf(Array.from({ length: 200 }, (_, i) => ({ message: `m${i}`, count: i })))));
    assert.equal(echoes.length, 200);
    assert.equal(echoes[199]!.message, 'echo:m199');
  });

  test('errors carry code, message, details and metadata; stream errors end the iteration', async () => {
    const err = await client.unary(Fail, { code: Code.NOT_FOUND, message: 'no such hero ☺ 100%', withDetails: true }).catch((e: unknown) => e);
    assert.ok(err instanceof TripleError);
    assert.equal(err.code, Code.NOT_FOUND);
    assert.equal(err.rawMessage, 'no such hero ☺ 100%');
    assert.equal(err.details.length, 1);
    assert.equal(err.details[0]!.typeUrl, 'type.googleapis.com/google.protobuf.StringValue');
    assert.equal(err.metadata.get('x-fail-reason'), 'asked');
    assert.equal(outcomes[0]!.error?.code, Code.NOT_FOUND);
    assert.equal(outcomes[0]!.attempts, 1, 'a non-idempotent method is not retried');

    const bidi = client.bidiStream<EchoMessage, EchoMessage>(Bidi, requestsOf([{ message: 'ok' }, { message: 'fail' }]));
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const m of bidi) seen.push(m.message!);
    }, (e: unknown) => e instanceof TripleError && e.code === Code.ABORTED && e.rawMessage === 'bidi asked to fail');
    assert.deepEqual(seen, ['echo:ok']);
    await assert.rejects(bidi.trailer, isTripleError(Code.ABORTED));
  });

  test('deadline: the call fails DEADLINE_EXCEEDED and the server handler is aborted', async () => {
    const started = Date.now();
    await assert.rejects(client.unary(Slow, { ms: 3000 }, { timeoutMs: 200 }), isTripleError(Code.DEADLINE_EXCEEDED));
    assert.ok(Date.now() - started < 1500);
    await probe.waitFor(() => probe.events.includes('slow-aborted'));
    assert.ok(!probe.events.includes('slow-done'));
  });

  test('cancellation via AbortSignal stops the server handler', async () => {
    const controller = new AbortController();
    const call = client.unary(Slow, { ms: 3000 }, { signal: controller.signal });
    await probe.waitFor(() => probe.events.includes('slow-start'));
    controller.abort();
    await assert.rejects(call, isTripleError(Code.CANCELLED));
    await probe.waitFor(() => probe.aborts.some((a) => a.method === 'Slow' && a.code === Code.CANCELLED));
  });

  test('leaving a stream loop early cancels the server side', async () => {
    const seen: number[] = [];
    for await (const m of client.serverStream<EchoMessage, EchoMessage>(ServerStream, { message: 'tick', count: 1000, delayMs: 5 })) {
      seen.push(m.count ?? 0);
      if (seen.length === 3) break;
    }
    assert.deepEqual(seen, [0, 1, 2]);
    await probe.waitFor(() => probe.events.includes('server-stream-finalize'));
    await probe.waitFor(() => probe.aborts.some((a) => a.method === 'EchoServerStream' && a.code === Code.CANCELLED));
    assert.equal(outcomes.at(-1)?.error?.code, Code.CANCELLED);
  });

  test('a stream can be awaited for its header before iterating, and iterated once', async () => {
    const stream = client.serverStream<EchoMessage, EchoMessage>(ServerStream, { message: 'h', count: 2 });
    await stream.header;
    assert.equal((await collectStream(stream)).length, 2);
    assert.throws(() => stream[Symbol.asyncIterator](), TypeError);
  });

  test('an interceptor that throws fails the call with its error', async () => {
    const failing = createClientTransport({ url: server.address, interceptors: [{ before: () => { throw new TripleError(Code.PERMISSION_DENIED, 'no token'); } }] });
    try {
      await assert.rejects(failing.unary(Echo, {}), isTripleError(Code.PERMISSION_DENIED));
      await assert.rejects(collectStream(failing.serverStream(ServerStream, {})), isTripleError(Code.PERMISSION_DENIED));
      assert.equal(failing.sessionCount, 0, 'nothing was sent');
    } finally {
      await failing.close();
    }
  });
});

describe('client transport (gRPC, JSON codec, gzip) -> TripleServer', () => {
  let server: RunningServer;

  before(async () => {
    server = await startEchoServer();
  });
  after(() => server.close());

  test('all four kinds with the JSON codec', async () => {
    const client = createClientTransport({ url: server.address, codec: 'json', timeout: 5000 });
    try {
      const res = await client.unary<EchoMessage, EchoMessage>(Echo, { message: 'json', count: 1, kind: 'KIND_B', payload: Buffer.from('xyz') });
      assert.equal(res.message.message, 'json');
      assert.ok(res.message.kind === 'KIND_B' || res.message.kind === 2, String(res.message.kind));
      assert.equal(Buffer.from(res.message.payload!).toString(), 'xyz');
      assert.equal((await collectStream(client.serverStream(ServerStream, { message: 's', count: 4 }))).length, 4);
      assert.equal((await client.clientStream<EchoMessage, EchoMessage>(ClientStream, requestsOf([{ message: 'x' }, { message: 'y' }]))).message.message, 'xy');
      const bidi = await collectStream(client.bidiStream<EchoMessage, EchoMessage>(Bidi, requestsOf([{ message: 'q' }])));
      assert.equal(bidi[0]!.message, 'echo:q');
    } finally {
      await client.close();
    }
  });

  test('gzip both ways: requests and responses are compressed on the wire', async () => {
    const [host, port] = server.address.split(':');
    const proxy = await startTcpProxy({ host: host!, port: Number(port) });
    const big = 'a'.repeat(200_000);
    const plain = createClientTransport({ url: proxy.address, timeout: 5000, keepalive: { timeMs: 0 } });
    const gzip = createClientTransport({ url: proxy.address, timeout: 5000, compression: 'gzip', keepalive: { timeMs: 0 } });
    try {
      const before = proxy.bytes.up;
      assert.equal((await plain.unary<EchoMessage, EchoMessage>(Echo, { message: big })).message.message, big);
      const plainUp = proxy.bytes.up - before;
      const before2 = { up: proxy.bytes.up, down: proxy.bytes.down };
      assert.equal((await gzip.unary<EchoMessage, EchoMessage>(Echo, { message: big })).message.message, big);
      const gzipUp = proxy.bytes.up - before2.up;
      const gzipDown = proxy.bytes.down - before2.down;
      assert.ok(plainUp > 200_000, `uncompressed request took ${plainUp} bytes`);
      assert.ok(gzipUp < 20_000, `gzip request took ${gzipUp} bytes`);
      assert.ok(gzipDown < 20_000, `the server compressed the response too (${gzipDown} bytes)`);
      const streamed = await collectStream(gzip.bidiStream<EchoMessage, EchoMessage>(Bidi, requestsOf([{ message: big }, { message: big }])));
      assert.equal(streamed[1]!.message, `echo:${big}`);
    } finally {
      await plain.close();
      await gzip.close();
      await proxy.close();
    }
  });

  test('maxReceiveMessageLength and maxSendMessageLength are enforced on the client', async () => {
    const client = createClientTransport({ url: server.address, timeout: 5000, maxReceiveMessageLength: 1000, maxSendMessageLength: 5000 });
    try {
      await assert.rejects(client.unary(Echo, { message: 'x'.repeat(2000) }), isTripleError(Code.RESOURCE_EXHAUSTED));
      await assert.rejects(client.unary(Echo, { message: 'x'.repeat(6000) }), isTripleError(Code.RESOURCE_EXHAUSTED));
      assert.equal((await client.unary<EchoMessage, EchoMessage>(Echo, { message: 'small' })).message.message, 'small');
    } finally {
      await client.close();
    }
  });
});
