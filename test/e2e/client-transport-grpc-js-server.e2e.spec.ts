import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ClientTransport } from '../../lib/core/client-transport.js';
import { Code } from '../../lib/core/code.js';
import { Metadata } from '../../lib/core/metadata.js';
import { TripleError } from '../../lib/core/triple-error.js';
import { createClientTransport } from '../../lib/nest/client/create-client-transport.js';
import type { EchoMessage } from '../fixtures/echo.controller.js';
import { collectStream, echoMethod, requestsOf } from '../helpers/echo-methods.js';
import { startGrpcJsServer, type RunningGrpcJsServer } from '../helpers/grpc-js-server.js';

const Echo = echoMethod('Echo');
const Lookup = echoMethod('Lookup');
const ServerStream = echoMethod('EchoServerStream');
const ClientStream = echoMethod('EchoClientStream');
const Bidi = echoMethod('EchoBidi');
const Fail = echoMethod('Fail');
const Slow = echoMethod('Slow');

function isTripleError(code: Code): (e: unknown) => boolean {
  return (e) => e instanceof TripleError && e.code === code;
}

async function until(predicate: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('client transport (gRPC) -> @grpc/grpc-js server', () => {
  let server: RunningGrpcJsServer;
  let client: ClientTransport;

  before(async () => {
    server = await startGrpcJsServer();
    client = createClientTransport({ url: server.address, timeout: 5000, retry: { initialBackoffMs: 5, maxBackoffMs: 10 } });
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  test('unary with metadata, response header and trailers', async () => {
    const res = await client.unary<EchoMessage, EchoMessage>(Echo, { message: 'hi', count: 3 }, { metadata: new Metadata({ 'x-echo-header': 'h1', 'x-other': 'o' }) });
    assert.equal(res.message.message, 'hi');
    assert.equal(res.message.count, 3);
    assert.equal(res.header.get('x-echo-header'), 'h1');
    assert.equal(res.trailer.get('x-served-by'), 'grpc-js');
    assert.deepEqual(server.probe.lastMetadata?.get('x-other'), ['o']);
    assert.match(String(server.probe.lastMetadata?.get('user-agent')[0]), /nestjs-triple/);
  });

  test('server streaming, client streaming and bidi', async () => {
    const streamed = await collectStream(client.serverStream<EchoMessage, EchoMessage>(ServerStream, { message: 's', count: 10 }));
    assert.deepEqual(streamed.map((m) => m.message), Array.from({ length: 10 }, (_, i) => `s-${i}`));
    const summed = await client.clientStream<EchoMessage, EchoMessage>(ClientStream, requestsOf(['x', 'y', 'z'].map((message) => ({ message }))));
    assert.equal(summed.message.message, 'xyz');
    assert.equal(summed.message.count, 3);
    const echoed = await collectStream(client.bidiStream<EchoMessage, EchoMessage>(Bidi, requestsOf(Array.from({ length: 100 }, (_, i) => ({ message: `m${i}` })))));
    assert.equal(echoed.length, 100);
    assert.equal(echoed[99]!.message, 'echo:m99');
  });

  test('errors: code, message and metadata; bidi error mid-stream', async () => {
    const err = await client.unary(Fail, { code: Code.ALREADY_EXISTS, message: 'taken: 100% ☺' }).catch((e: unknown) => e);
    assert.ok(err instanceof TripleError);
    assert.equal(err.code, Code.ALREADY_EXISTS);
    assert.equal(err.rawMessage, 'taken: 100% ☺');
    assert.equal(err.metadata.get('x-fail-reason'), 'asked');
    await assert.rejects(collectStream(client.bidiStream(Bidi, requestsOf([{ message: 'ok' }, { message: 'fail' }]))), isTripleError(Code.ABORTED));
  });

  test('deadline: sent as grpc-timeout, expires with DEADLINE_EXCEEDED, the server sees the cancel', async () => {
    const before = server.probe.cancelled.length;
    const sent = Date.now();
    await assert.rejects(client.unary(Slow, { ms: 3000 }, { timeoutMs: 300 }), isTripleError(Code.DEADLINE_EXCEEDED));
    const deadline = server.probe.deadlines.at(-1);
    assert.ok(deadline !== undefined && Math.abs(deadline - (sent + 300)) < 200, `server deadline ${deadline} vs ${sent + 300}`);
    await until(() => server.probe.cancelled.length > before);
  });

  test('cancel with an AbortSignal', async () => {
    const controller = new AbortController();
    const before = server.probe.cancelled.length;
    const call = client.unary(Slow, { ms: 3000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(call, isTripleError(Code.CANCELLED));
    await until(() => server.probe.cancelled.length > before);
  });

  test('UNAVAILABLE is retried for a NO_SIDE_EFFECTS method, not for others', async () => {
    const res = await client.unary<EchoMessage, EchoMessage>(Lookup, { message: 'flaky:2:a' });
    assert.equal(res.message.message, 'found flaky:2:a');
    await assert.rejects(client.unary(Lookup, { message: 'flaky:5:b' }), (e: unknown) => e instanceof TripleError && e.code === Code.UNAVAILABLE && e.rawMessage === 'flaky 3');
    const calls = server.probe.calls;
    await assert.rejects(client.unary(Fail, { code: Code.UNAVAILABLE, message: 'down' }), isTripleError(Code.UNAVAILABLE));
    assert.equal(server.probe.calls, calls + 1, 'Fail is not idempotent: one attempt only');
  });

  test('a consumer that stops pulling holds the server back (HTTP/2 flow control)', async () => {
    const total = 5000;
    const iterator = client.serverStream<EchoMessage, EchoMessage>(ServerStream, { message: 'paced', count: total }, { timeoutMs: 30_000 })[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.count, 1);
    await new Promise((r) => setTimeout(r, 300));
    const plateau = server.probe.written;
    assert.ok(plateau < 1000, `the server wrote ${plateau} of ${total} 1 KiB messages to a reader that stopped`);
    let read = 1;
    while (!(await iterator.next()).done) read++;
    assert.equal(read, total);
  });

  test('unknown method: UNIMPLEMENTED', async () => {
    const missing = { ...Echo, name: 'Nope', path: '/echo.v1.EchoService/Nope' };
    await assert.rejects(client.unary(missing, {}), isTripleError(Code.UNIMPLEMENTED));
  });
});
