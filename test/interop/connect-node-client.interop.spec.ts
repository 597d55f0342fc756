import assert from 'node:assert/strict';
import { Code as ConnectCode, ConnectError, createPromiseClient, decodeBinaryHeader, encodeBinaryHeader } from '@connectrpc/connect';
import { compressionGzip, createGrpcTransport } from '@connectrpc/connect-node';
import { Gaps } from './harness/known-failing.js';
import {
  CLIENT_STREAMING_SIZES,
  CLIENT_STREAMING_TOTAL,
  COMPRESSED_STREAMING_TOTAL,
  ECHO_INITIAL_KEY,
  ECHO_INITIAL_VALUE,
  ECHO_TRAILING_KEY,
  ECHO_TRAILING_VALUE,
  GAPS,
  isZeros,
  LARGE_REQUEST,
  LARGE_RESPONSE,
  PING_PONG_REQUEST_SIZES,
  SERVER_STREAMING_SIZES,
  SPECIAL_STATUS_MESSAGE,
  Status,
  STATUS_MESSAGE,
  zeros,
} from './harness/interop-data.js';
import { expectServerAbort } from './harness/observer.js';
import { describeInterop } from './harness/suite.js';
import { startWireTap, type TappedStream, type WireTap } from './harness/wire-tap.js';
import { TestServiceType, UnimplementedServiceType } from './peers/bufbuild-types.js';
import { nestObserver, startNestTestService, type RunningNestTestService } from './servers/nest-test-service.js';

interface Ctx {
  server: RunningNestTestService;
  tap: WireTap;
  client: any;
  gzipClient: any;
  unimplemented: any;
}

function onlyStream(tap: WireTap): TappedStream {
  assert.equal(tap.streams.length, 1, `expected one HTTP/2 stream on the wire, saw ${tap.streams.length}`);
  return tap.streams[0]!;
}

function largeRequest(extra: object = {}): object {
  return { responseSize: LARGE_RESPONSE, payload: { body: zeros(LARGE_REQUEST) }, ...extra };
}

/** Runs `fn` and returns the ConnectError it failed with (asserting it failed). */
async function connectError(fn: () => Promise<unknown>): Promise<ConnectError> {
  try {
    await fn();
  } catch (e) {
    return ConnectError.from(e);
  }
  assert.fail('the call succeeded but was expected to fail');
}

async function drain<T>(responses: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of responses) out.push(r);
  return out;
}

/** connect-es takes request streams as AsyncIterables only. */
async function* stream<T>(items: T[]): AsyncIterable<T> {
  yield* items;
}

/** A request stream that sends nothing and stays open until `signal` aborts. */
async function* pending<T>(signal: AbortSignal): AsyncGenerator<T> {
  await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
}

describeInterop<Ctx>('connect-node-client', {
  async setup() {
    const server = await startNestTestService();
    const tap = await startWireTap({ host: server.host, port: server.port });
    const baseUrl = `http://${tap.address}`;
    const transport = createGrpcTransport({ baseUrl, httpVersion: '2' });
    const gzipTransport = createGrpcTransport({ baseUrl, httpVersion: '2', sendCompression: compressionGzip });
    return {
      server,
      tap,
      client: createPromiseClient(TestServiceType, transport),
      gzipClient: createPromiseClient(TestServiceType, gzipTransport),
      unimplemented: createPromiseClient(UnimplementedServiceType, transport),
    };
  },
  async teardown(ctx) {
    await ctx?.tap.close();
    await ctx?.server.close();
  },
  cases: {
    async empty_unary({ client }) {
      nestObserver.reset();
      const response = await client.emptyCall({});
      assert.ok(response);
      assert.deepEqual(nestObserver.last('EmptyCall')?.via, { protocol: 'grpc', httpVersion: '2', codec: 'proto' });
      assert.equal(response.getType().typeName, 'grpc.testing.Empty');
    },

    async large_unary({ client }) {
      const response = await client.unaryCall(largeRequest());
      assert.ok(isZeros(response.payload?.body, LARGE_RESPONSE));
    },

    async client_streaming({ client }) {
      async function* requests() {
        for (const size of CLIENT_STREAMING_SIZES) yield { payload: { body: zeros(size) } };
      }
      const response = await client.streamingInputCall(requests());
      assert.equal(response.aggregatedPayloadSize, CLIENT_STREAMING_TOTAL);
    },

    async server_streaming({ client }) {
      const responses = await drain<any>(client.streamingOutputCall({ responseParameters: SERVER_STREAMING_SIZES.map((size) => ({ size })) }));
      assert.deepEqual(responses.map((r) => r.payload.body.length), [...SERVER_STREAMING_SIZES]);
      assert.ok(responses.every((r, i) => isZeros(r.payload.body, SERVER_STREAMING_SIZES[i]!)));
    },

    async ping_pong({ client }) {
      // Each request is produced only after the previous reply arrived.
      let replied: () => void = () => undefined;
      async function* requests() {
        for (let i = 0; i < SERVER_STREAMING_SIZES.length; i++) {
          const reply = new Promise<void>((r) => (replied = r));
          yield { responseParameters: [{ size: SERVER_STREAMING_SIZES[i] }], payload: { body: zeros(PING_PONG_REQUEST_SIZES[i]!) } };
          await reply;
        }
      }
      const sizes: number[] = [];
      for await (const r of client.fullDuplexCall(requests())) {
        sizes.push(r.payload.body.length);
        replied();
      }
      assert.deepEqual(sizes, [...SERVER_STREAMING_SIZES]);
    },

    async empty_stream({ client }) {
      const responses = await drain(client.fullDuplexCall(stream([])));
      assert.equal(responses.length, 0);
    },

    async cancel_after_begin({ client }) {
      nestObserver.reset();
      const abort = new AbortController();
      const call = connectError(() => client.streamingInputCall(pending(abort.signal), { signal: abort.signal }));
      const seen = await nestObserver.started('StreamingInputCall');
      abort.abort();
      const error = await call;
      assert.equal(error.code, ConnectCode.Canceled, error.message);
      assert.equal(seen.received, 0);
      await expectServerAbort(nestObserver, seen, [Status.CANCELLED]);
    },

    async cancel_after_first_response({ client }) {
      nestObserver.reset();
      const abort = new AbortController();
      async function* requests() {
        yield { responseParameters: [{ size: 31_415 }], payload: { body: zeros(27_182) } };
        await new Promise((r) => abort.signal.addEventListener('abort', r, { once: true }));
      }
      const error = await connectError(async () => {
        for await (const r of client.fullDuplexCall(requests(), { signal: abort.signal })) {
          assert.equal((r as any).payload.body.length, 31_415);
          abort.abort();
        }
      });
      assert.equal(error.code, ConnectCode.Canceled);
      const seen = nestObserver.last('FullDuplexCall')!;
      await expectServerAbort(nestObserver, seen, [Status.CANCELLED]);
    },

    async timeout_on_sleeping_server({ client }) {
      const stop = new AbortController();
      try {
        async function* oneThenWait() {
          yield { payload: { body: zeros(27_182) } };
          await new Promise((r) => stop.signal.addEventListener('abort', r, { once: true }));
        }
        const quick = await connectError(() => drain(client.fullDuplexCall(oneThenWait(), { timeoutMs: 1 })));
        assert.equal(quick.code, ConnectCode.DeadlineExceeded);
        nestObserver.reset();
        const sleeping = connectError(() => drain(client.fullDuplexCall(oneThenWait(), { timeoutMs: 300 })));
        const seen = await nestObserver.started('FullDuplexCall');
        assert.equal((await sleeping).code, ConnectCode.DeadlineExceeded);
        await expectServerAbort(nestObserver, seen, [Status.DEADLINE_EXCEEDED, Status.CANCELLED]);
      } finally {
        stop.abort();
      }
    },

    async custom_metadata({ client }) {
      const headers = { [ECHO_INITIAL_KEY]: ECHO_INITIAL_VALUE, [ECHO_TRAILING_KEY]: encodeBinaryHeader(ECHO_TRAILING_VALUE) };
      for (const kind of ['unary', 'duplex'] as const) {
        let header: Headers | undefined;
        let trailer: Headers | undefined;
        const options = { headers, onHeader: (h: Headers) => (header = h), onTrailer: (t: Headers) => (trailer = t) };
        if (kind === 'unary') {
          const response = await client.unaryCall(largeRequest(), options);
          assert.ok(isZeros(response.payload?.body, LARGE_RESPONSE));
        } else {
          const responses = await drain<any>(client.fullDuplexCall(stream([{ responseParameters: [{ size: LARGE_RESPONSE }], payload: { body: zeros(LARGE_REQUEST) } }]), options));
          assert.deepEqual(responses.map((r) => r.payload.body.length), [LARGE_RESPONSE]);
        }
        assert.equal(header?.get(ECHO_INITIAL_KEY), ECHO_INITIAL_VALUE, `${kind}: initial metadata`);
        const trailing = trailer?.get(ECHO_TRAILING_KEY);
        assert.ok(trailing, `${kind}: trailing metadata present`);
        assert.deepEqual(Buffer.from(decodeBinaryHeader(trailing)), ECHO_TRAILING_VALUE, `${kind}: trailing metadata value`);
      }
    },

    async status_code_and_message({ client }) {
      const responseStatus = { code: Status.UNKNOWN, message: STATUS_MESSAGE };
      const unary = await connectError(() => client.unaryCall({ responseStatus }));
      assert.equal(unary.code, ConnectCode.Unknown);
      assert.equal(unary.rawMessage, STATUS_MESSAGE);
      const duplex = await connectError(() => drain(client.fullDuplexCall(stream([{ responseStatus }]))));
      assert.equal(duplex.code, ConnectCode.Unknown);
      assert.equal(duplex.rawMessage, STATUS_MESSAGE);
    },

    async special_status_message({ client }) {
      const error = await connectError(() => client.unaryCall({ responseStatus: { code: Status.UNKNOWN, message: SPECIAL_STATUS_MESSAGE } }));
      assert.equal(error.code, ConnectCode.Unknown);
      assert.equal(error.rawMessage, SPECIAL_STATUS_MESSAGE);
    },

    async unimplemented_method({ client }) {
      assert.equal((await connectError(() => client.unimplementedCall({}))).code, ConnectCode.Unimplemented);
    },

    async unimplemented_service({ unimplemented }) {
      assert.equal((await connectError(() => unimplemented.unimplementedCall({}))).code, ConnectCode.Unimplemented);
    },

    async client_compressed_unary({ client, gzipClient, tap }) {
      const gaps = new Gaps();
      tap.clear();
      const probe = await client.unaryCall(largeRequest({ expectCompressed: { value: true } })).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      assert.equal(onlyStream(tap).requests[0]?.compressed, false, 'the probe went uncompressed');
      gaps.check(probe?.code === ConnectCode.InvalidArgument, GAPS.requestCompressionVisibility, `probe: expected INVALID_ARGUMENT, got ${probe?.code ?? 'OK'}`);
      tap.clear();
      const compressed = await gzipClient.unaryCall(largeRequest({ expectCompressed: { value: true } }));
      assert.ok(isZeros(compressed.payload?.body, LARGE_RESPONSE));
      assert.equal(onlyStream(tap).requests[0]?.compressed, true, 'connect compressed the request');
      tap.clear();
      const plain = await client.unaryCall(largeRequest({ expectCompressed: { value: false } }));
      assert.ok(isZeros(plain.payload?.body, LARGE_RESPONSE));
      assert.equal(onlyStream(tap).requests[0]?.compressed, false);
      gaps.done();
    },

    async server_compressed_unary({ client, tap }) {
      const gaps = new Gaps();
      for (const want of [true, false]) {
        tap.clear();
        const response = await client.unaryCall(largeRequest({ responseCompressed: { value: want } }));
        assert.ok(isZeros(response.payload?.body, LARGE_RESPONSE));
        const flag = onlyStream(tap).responses[0]?.compressed;
        gaps.check(flag === want, GAPS.responseCompressionControl, `response_compressed=${want} but the response's compressed flag is ${flag}`);
      }
      gaps.done();
    },

    async client_compressed_streaming({ client, gzipClient, tap }) {
      const gaps = new Gaps();
      tap.clear();
      const probe = await client.streamingInputCall(stream([{ expectCompressed: { value: true }, payload: { body: zeros(27_182) } }])).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      assert.equal(onlyStream(tap).requests[0]?.compressed, false, 'the probe went uncompressed');
      gaps.check(probe?.code === ConnectCode.InvalidArgument, GAPS.requestCompressionVisibility, `probe: expected INVALID_ARGUMENT, got ${probe?.code ?? 'OK'}`);
      tap.clear();
      const response = await gzipClient.streamingInputCall(
        stream([
          { expectCompressed: { value: true }, payload: { body: zeros(27_182) } },
          { expectCompressed: { value: false }, payload: { body: zeros(45_904) } },
        ]),
      );
      assert.equal(response.aggregatedPayloadSize, COMPRESSED_STREAMING_TOTAL);
      const flags = onlyStream(tap).requests.map((m) => m.compressed);
      assert.equal(flags[0], true, 'the first message went compressed');
      // connect-es compresses every message of a call alike (sendCompression + compressMinBytes).
      gaps.check(flags[1] === false, GAPS.perMessageRequestCompression, `the second message must go uncompressed; flags on the wire: ${JSON.stringify(flags)}`);
      gaps.done();
    },

    async server_compressed_streaming({ client, tap }) {
      tap.clear();
      const gaps = new Gaps();
      const responses = await drain<any>(
        client.streamingOutputCall({ responseParameters: [{ compressed: { value: true }, size: 31_415 }, { compressed: { value: false }, size: 92_653 }] }),
      );
      assert.deepEqual(responses.map((r) => r.payload.body.length), [31_415, 92_653]);
      const flags = onlyStream(tap).responses.map((m) => m.compressed);
      gaps.check(flags[0] === true && flags[1] === false, GAPS.responseCompressionControl, `compressed flags of the responses: ${JSON.stringify(flags)}, wanted [true,false]`);
      gaps.done();
    },
  },
});
