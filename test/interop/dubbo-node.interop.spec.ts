import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Code as DubboCode, createPromiseClient as createDubboPromiseClient, DubboError, type CallOptions, type Transport } from '@apachedubbo/dubbo';
import { createDubboTransport, createGrpcTransport } from '@apachedubbo/dubbo-node';
import { MethodIdempotency, MethodKind, proto3, ScalarType } from '@bufbuild/protobuf';
import { EchoController, probe } from '../fixtures/echo.controller.js';
import { EchoBlueV2Controller } from '../fixtures/versioned-echo.controller.js';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';

// echo.v1 (test/fixtures/proto/echo.proto) described by hand, without codegen, the way
// triple-wire.md §8 verified dubbo-js clients work. Only the fields these tests use.
const EchoRequest = proto3.makeMessageType('echo.v1.EchoRequest', [
  { no: 1, name: 'message', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'count', kind: 'scalar', T: ScalarType.INT32 },
  { no: 8, name: 'delay_ms', kind: 'scalar', T: ScalarType.INT32 },
]);
const EchoResponse = proto3.makeMessageType('echo.v1.EchoResponse', [
  { no: 1, name: 'message', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'count', kind: 'scalar', T: ScalarType.INT32 },
  { no: 9, name: 'peer', kind: 'scalar', T: ScalarType.STRING },
  { no: 10, name: 'meta', kind: 'map', K: ScalarType.STRING, V: { kind: 'scalar', T: ScalarType.STRING } },
]);
const FailRequest = proto3.makeMessageType('echo.v1.FailRequest', [
  { no: 1, name: 'code', kind: 'scalar', T: ScalarType.INT32 },
  { no: 2, name: 'message', kind: 'scalar', T: ScalarType.STRING },
]);
const SlowRequest = proto3.makeMessageType('echo.v1.SlowRequest', [{ no: 1, name: 'ms', kind: 'scalar', T: ScalarType.INT32 }]);

const EchoService = {
  typeName: 'echo.v1.EchoService',
  methods: {
    echo: { name: 'Echo', I: EchoRequest, O: EchoResponse, kind: MethodKind.Unary },
    echoServerStream: { name: 'EchoServerStream', I: EchoRequest, O: EchoResponse, kind: MethodKind.ServerStreaming },
    fail: { name: 'Fail', I: FailRequest, O: EchoResponse, kind: MethodKind.Unary },
    slow: { name: 'Slow', I: SlowRequest, O: EchoResponse, kind: MethodKind.Unary },
    lookup: { name: 'Lookup', I: EchoRequest, O: EchoResponse, kind: MethodKind.Unary, idempotency: MethodIdempotency.NoSideEffects },
  },
} as const;

interface EchoReply {
  message: string;
  count: number;
  peer: string;
  meta: Record<string, string>;
}

/** The promise client of EchoService, as dubbo-js' codegen would type it. */
interface EchoClient {
  echo(request: { message?: string; count?: number }, options?: CallOptions): Promise<EchoReply>;
  echoServerStream(request: { message?: string; count?: number }, options?: CallOptions): AsyncIterable<EchoReply>;
  fail(request: { code?: number; message?: string }, options?: CallOptions): Promise<EchoReply>;
  slow(request: { ms?: number }, options?: CallOptions): Promise<EchoReply>;
  lookup(request: { message?: string }, options?: CallOptions): Promise<EchoReply>;
}

/**
 * dubbo-js' .d.ts files reach @bufbuild/protobuf's CommonJS typings while this ESM file gets
 * its ESM ones (the dual-package type hazard), so tsc sees two FieldInfo types. Runtime is one
 * module; the hand-written client type above restores checking of our calls.
 */
function createPromiseClient(service: typeof EchoService, transport: Transport, options?: { serviceGroup?: string; serviceVersion?: string }): EchoClient {
  return (createDubboPromiseClient as unknown as (s: unknown, t: Transport, o?: object) => EchoClient)(service, transport, options);
}

const VARIANTS = [
  { httpVersion: '1.1', useBinaryFormat: false },
  { httpVersion: '1.1', useBinaryFormat: true },
  { httpVersion: '2', useBinaryFormat: false },
  { httpVersion: '2', useBinaryFormat: true },
] as const;

async function dubboError(promise: Promise<unknown>): Promise<DubboError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof DubboError, `expected a DubboError, got ${String(error)}`);
  return error;
}

describe('@apachedubbo/dubbo-node 3.0.0-alpha client -> TripleServer', () => {
  let server: RunningServer;
  let baseUrl: string;

  before(async () => {
    server = await startEchoServer({}, [EchoController, EchoBlueV2Controller]);
    baseUrl = `http://${server.address}`;
  });
  after(async () => {
    await server?.close();
  });
  beforeEach(() => probe.reset());

  for (const { httpVersion, useBinaryFormat } of VARIANTS) {
    describe(`Triple unary, HTTP/${httpVersion}, ${useBinaryFormat ? 'binary' : 'JSON'}`, () => {
      const transport = () => createDubboTransport({ baseUrl, httpVersion, useBinaryFormat });

      test('unary call, request metadata reaches the handler', async () => {
        const client = createPromiseClient(EchoService, transport());
        const res = await client.echo({ message: 'hi', count: 3 }, { headers: { 'x-from': 'dubbo-js' } });
        assert.equal(res.message, 'hi');
        assert.equal(res.count, 3);
        assert.equal(res.meta['x-from'], 'dubbo-js');
        assert.equal(probe.lastContext?.getCallContext().protocol, 'triple');
        assert.equal(probe.lastContext?.getCallContext().codec, useBinaryFormat ? 'proto' : 'json');
      });

      test('with and without Dubbo group/version', async () => {
        const versioned = createPromiseClient(EchoService, transport(), { serviceGroup: 'blue', serviceVersion: '2.0.0' });
        assert.equal((await versioned.echo({ message: 'x' })).message, 'blue-v2:x');
        const versionOnly = createPromiseClient(EchoService, transport(), { serviceVersion: '2.0.0' });
        assert.equal((await versionOnly.echo({ message: 'x' })).message, 'x');
        const plain = createPromiseClient(EchoService, transport());
        assert.equal((await plain.echo({ message: 'x' })).message, 'x');
      });

      test('an application error arrives with its code, message and metadata', async () => {
        const client = createPromiseClient(EchoService, transport());
        const error = await dubboError(client.fail({ code: 5, message: 'no such hero' }));
        assert.equal(error.code, DubboCode.NotFound);
        assert.equal(error.rawMessage, 'no such hero');
        assert.equal(error.metadata.get('x-fail-reason'), 'asked');
      });

      test('deadline: its timeoutMs becomes our deadline; DeadlineExceeded, handler aborted', async () => {
        const client = createPromiseClient(EchoService, transport());
        const started = Date.now();
        const error = await dubboError(client.slow({ ms: 5000 }, { timeoutMs: 200 }));
        assert.equal(error.code, DubboCode.DeadlineExceeded);
        assert.ok(Date.now() - started < 2000);
        await probe.waitFor(() => probe.events.includes('slow-aborted'));
      });

      test('useHttpGet on a NO_SIDE_EFFECTS method sends GET with the query form', async () => {
        const client = createPromiseClient(EchoService, createDubboTransport({ baseUrl, httpVersion, useBinaryFormat, useHttpGet: true }));
        assert.equal((await client.lookup({ message: 'q' })).message, 'found q');
      });
    });
  }

  test('server deadline 408 read by the client when its own timer is later', async () => {
    // The server's deadline (tri-service-timeout) fires first when the client adds slack via an
    // interceptor that shortens only the header, so the 408 body is what the client decodes.
    const transport = createDubboTransport({
      baseUrl,
      httpVersion: '1.1',
      interceptors: [(next) => async (req) => {
        req.header.set('tri-service-timeout', '100');
        return next(req);
      }],
    });
    const client = createPromiseClient(EchoService, transport);
    const error = await dubboError(client.slow({ ms: 5000 }, { timeoutMs: 3000 }));
    assert.equal(error.code, DubboCode.DeadlineExceeded);
    assert.match(error.rawMessage, /deadline/);
  });

  for (const httpVersion of ['2'] as const) {
    test(`createGrpcTransport: server streaming over gRPC (h2c), binary and JSON`, async () => {
      for (const useBinaryFormat of [true, false]) {
        const client = createPromiseClient(EchoService, createGrpcTransport({ baseUrl, httpVersion, useBinaryFormat }));
        const messages: string[] = [];
        for await (const m of client.echoServerStream({ message: 'g', count: 4 })) messages.push(m.message);
        assert.deepEqual(messages, ['g-0', 'g-1', 'g-2', 'g-3']);
      }
      const client = createPromiseClient(EchoService, createGrpcTransport({ baseUrl, httpVersion }));
      const error = await dubboError(client.fail({ code: 5, message: 'grpc gone' }));
      assert.equal(error.code, DubboCode.NotFound);
      assert.equal(error.rawMessage, 'grpc gone');
    });
  }
});
