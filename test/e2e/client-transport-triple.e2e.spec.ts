import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
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
const Bidi = echoMethod('EchoBidi');
const Fail = echoMethod('Fail');
const Slow = echoMethod('Slow');

function isTripleError(code: Code): (e: unknown) => boolean {
  return (e) => e instanceof TripleError && e.code === code;
}

for (const httpVersion of ['2', '1.1'] as const) {
  for (const codec of ['proto', 'json'] as const) {
    describe(`client transport (Triple unary, HTTP/${httpVersion}, ${codec}) -> TripleServer`, () => {
      let server: RunningServer;
      let client: ClientTransport;

      before(async () => {
        server = await startEchoServer();
        client = createClientTransport({ url: server.address, protocol: 'triple', httpVersion, codec, timeout: 5000, version: '1.0.0' });
      });
      after(async () => {
        await client.close();
        await server.close();
      });
      beforeEach(() => probe.reset());

      test('unary: message, metadata both ways, header, demuxed trailers, group/version headers', async () => {
        const metadata = new Metadata({ 'x-echo-header': 'hello', 'x-custom': 'abc' }).set('x-echo-trailer-bin', Buffer.from([1, 2, 255]));
        const res = await client.unary<EchoMessage, EchoMessage>(Echo, { message: 'hi', count: 5 }, { metadata, serviceKey: { group: 'g' } });
        assert.equal(res.message.message, 'hi');
        assert.equal(res.message.count, 5);
        assert.equal(res.message.meta?.['x-custom'], 'abc');
        assert.equal(res.message.meta?.['tri-service-group'], 'g');
        assert.equal(res.message.meta?.['tri-service-version'], '1.0.0');
        assert.equal(probe.lastContext?.protocol, 'triple');
        assert.equal(probe.lastContext?.httpVersion, httpVersion);
        assert.equal(res.header.get('x-echo-header'), 'hello');
        assert.equal(res.header.has('x-served-by'), false, 'trailers are not headers');
        assert.equal(res.trailer.get('x-served-by'), 'echo');
        assert.deepEqual(res.trailer.get('x-echo-trailer-bin'), Buffer.from([1, 2, 255]));
        assert.equal(client.sessionCount, httpVersion === '2' ? 1 : 0);
      });

      test('errors: code, message, details and metadata from the JSON error body', async () => {
        const err = await client.unary(Fail, { code: Code.FAILED_PRECONDITION, message: 'nope ☺', withDetails: true }).catch((e: unknown) => e);
        assert.ok(err instanceof TripleError);
        assert.equal(err.code, Code.FAILED_PRECONDITION);
        assert.equal(err.rawMessage, 'nope ☺');
        assert.equal(err.details.length, 1);
        assert.equal(err.details[0]!.typeUrl, 'type.googleapis.com/google.protobuf.StringValue');
        assert.equal(err.metadata.get('x-fail-reason'), 'asked');
        const missing = { ...Echo, name: 'Nope', path: '/echo.v1.EchoService/Nope' };
        await assert.rejects(client.unary(missing, {}), isTripleError(Code.UNIMPLEMENTED));
      });

      test('deadline: sent as tri-service-timeout; DEADLINE_EXCEEDED; the handler is aborted', async () => {
        await assert.rejects(client.unary(Slow, { ms: 3000 }, { timeoutMs: 200 }), isTripleError(Code.DEADLINE_EXCEEDED));
        await probe.waitFor(() => probe.events.includes('slow-aborted'));
        const deadline = probe.lastContext?.deadline;
        assert.ok(deadline !== undefined);
      });

      test('cancellation via AbortSignal stops the server handler', async () => {
        const controller = new AbortController();
        const call = client.unary(Slow, { ms: 3000 }, { signal: controller.signal });
        await probe.waitFor(() => probe.events.includes('slow-start'));
        controller.abort();
        await assert.rejects(call, isTripleError(Code.CANCELLED));
        await probe.waitFor(() => probe.events.includes('slow-aborted'));
      });

      test('streams still go over gRPC on HTTP/2', async () => {
        const streamed = await collectStream(client.serverStream<EchoMessage, EchoMessage>(ServerStream, { message: 's', count: 3 }));
        assert.deepEqual(streamed.map((m) => m.message), ['s-0', 's-1', 's-2']);
        const echoed = await collectStream(client.bidiStream<EchoMessage, EchoMessage>(Bidi, requestsOf([{ message: 'b' }])));
        assert.equal(echoed[0]!.message, 'echo:b');
        assert.equal(probe.lastContext?.protocol, 'grpc');
      });
    });
  }
}

describe('client transport (Triple unary) compression and limits', () => {
  test('gzip both ways over HTTP/1.1 and HTTP/2', async () => {
    const server = await startEchoServer();
    const [host, port] = server.address.split(':');
    const proxy = await startTcpProxy({ host: host!, port: Number(port) });
    const big = 'z'.repeat(200_000);
    try {
      for (const httpVersion of ['1.1', '2'] as const) {
        const client = createClientTransport({ url: proxy.address, protocol: 'triple', httpVersion, codec: 'json', compression: 'gzip', timeout: 5000 });
        try {
          const before = { up: proxy.bytes.up, down: proxy.bytes.down };
          assert.equal((await client.unary<EchoMessage, EchoMessage>(Echo, { message: big })).message.message, big);
          const up = proxy.bytes.up - before.up;
          const down = proxy.bytes.down - before.down;
          assert.ok(up < 20_000, `HTTP/${httpVersion} gzip request took ${up} bytes`);
          assert.ok(down < 20_000, `HTTP/${httpVersion} response took ${down} bytes`);
        } finally {
          await client.close();
        }
      }
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  test('maxReceiveMessageLength applies to Triple bodies', async () => {
    const server = await startEchoServer();
    const client = createClientTransport({ url: server.address, protocol: 'triple', httpVersion: '1.1', maxReceiveMessageLength: 1000, timeout: 5000 });
    try {
      await assert.rejects(client.unary(Echo, { message: 'x'.repeat(5000) }), isTripleError(Code.RESOURCE_EXHAUSTED));
      assert.equal((await client.unary<EchoMessage, EchoMessage>(Echo, { message: 'ok' })).message.message, 'ok');
    } finally {
      await client.close();
      await server.close();
    }
  });
});
