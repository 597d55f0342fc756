import assert from 'node:assert/strict';
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
  SLEEPING_DEADLINE_MS,
  SPECIAL_STATUS_MESSAGE,
  Status,
  STATUS_MESSAGE,
  UPLINK_HOLD_MS,
  zeros,
} from './harness/interop-data.js';
import { describeInterop } from './harness/suite.js';
import { expectServerAbort, TAG_KEY } from './harness/observer.js';
import { startWireTap, type TappedStream, type WireTap } from './harness/wire-tap.js';
import { grpc, GRPC_JS_GZIP, GRPC_JS_NO_COMPRESS, grpcJsCollect, grpcJsUnary, grpcTesting, nextMessage } from './peers/grpc-js.js';
import { nestObserver, startNestTestService, type RunningNestTestService } from './servers/nest-test-service.js';

interface Ctx {
  server: RunningNestTestService;
  tap: WireTap;
  /** Plain channel, through the wire tap. */
  client: any;
  /** Channel with gzip as its default compression, through the wire tap. */
  gzipClient: any;
  unimplemented: any;
}

const insecure = grpc.credentials.createInsecure();

function deadlineIn(ms: number): Date {
  return new Date(Date.now() + ms);
}

/** The only stream the tap saw since `clear()`. */
function onlyStream(tap: WireTap): TappedStream {
  assert.equal(tap.streams.length, 1, `expected one HTTP/2 stream on the wire, saw ${tap.streams.length}`);
  return tap.streams[0]!;
}

function largeRequest(extra: object = {}): object {
  return { response_size: LARGE_RESPONSE, payload: { body: zeros(LARGE_REQUEST) }, ...extra };
}

describeInterop<Ctx>('grpc-js-client', {
  async setup() {
    const server = await startNestTestService();
    const tap = await startWireTap({ host: server.host, port: server.port });
    return {
      server,
      tap,
      client: new grpcTesting.TestService(tap.address, insecure),
      gzipClient: new grpcTesting.TestService(tap.address, insecure, { 'grpc.default_compression_algorithm': GRPC_JS_GZIP }),
      unimplemented: new grpcTesting.UnimplementedService(tap.address, insecure),
    };
  },
  async teardown(ctx) {
    ctx?.client.close();
    ctx?.gzipClient.close();
    ctx?.unimplemented.close();
    await ctx?.tap.close();
    await ctx?.server.close();
  },
  cases: {
    async empty_unary({ client }) {
      nestObserver.reset();
      const { response, error } = await grpcJsUnary(client, 'emptyCall', {});
      assert.equal(error, undefined);
      assert.deepEqual(response, {});
      assert.deepEqual(nestObserver.last('EmptyCall')?.via, { protocol: 'grpc', httpVersion: '2', codec: 'proto' });
    },

    async large_unary({ client }) {
      const { response, error } = await grpcJsUnary(client, 'unaryCall', largeRequest());
      assert.equal(error, undefined);
      assert.ok(isZeros(response.payload.body, LARGE_RESPONSE), 'response payload is 314159 zero bytes');
    },

    async client_streaming({ client }) {
      const response = await new Promise<any>((resolve, reject) => {
        const call = client.streamingInputCall((err: Error | null, res: any) => (err ? reject(err) : resolve(res)));
        for (const size of CLIENT_STREAMING_SIZES) call.write({ payload: { body: zeros(size) } });
        call.end();
      });
      assert.equal(response.aggregated_payload_size, CLIENT_STREAMING_TOTAL);
    },

    async server_streaming({ client }) {
      const { responses, status } = await grpcJsCollect(client.streamingOutputCall({ response_parameters: SERVER_STREAMING_SIZES.map((size) => ({ size })) }));
      assert.equal(status.code, Status.OK);
      assert.deepEqual(responses.map((r: any) => r.payload.body.length), [...SERVER_STREAMING_SIZES]);
      assert.ok(responses.every((r: any, i: number) => isZeros(r.payload.body, SERVER_STREAMING_SIZES[i]!)));
    },

    async ping_pong({ client }) {
      const call = client.fullDuplexCall();
      const result = grpcJsCollectLater(call);
      const sizes: number[] = [];
      for (let i = 0; i < SERVER_STREAMING_SIZES.length; i++) {
        const reply = nextMessage<any>(call);
        call.write({ response_parameters: [{ size: SERVER_STREAMING_SIZES[i] }], payload: { body: zeros(PING_PONG_REQUEST_SIZES[i]!) } });
        sizes.push((await reply).payload.body.length);
      }
      call.end();
      const { status } = await result;
      assert.equal(status.code, Status.OK);
      assert.deepEqual(sizes, [...SERVER_STREAMING_SIZES]);
    },

    async empty_stream({ client }) {
      const call = client.fullDuplexCall();
      const result = grpcJsCollect(call);
      call.end();
      const { responses, status } = await result;
      assert.equal(status.code, Status.OK);
      assert.equal(responses.length, 0);
    },

    async cancel_after_begin({ client }) {
      nestObserver.reset();
      const outcome = new Promise<grpc.ServiceError | null>((resolve) => {
        const call = client.streamingInputCall((err: grpc.ServiceError | null) => resolve(err));
        void nestObserver.started('StreamingInputCall').then(() => call.cancel(), () => call.cancel());
      });
      const error = await outcome;
      assert.equal(error?.code, Status.CANCELLED);
      const seen = nestObserver.last('StreamingInputCall')!;
      assert.equal(seen.received, 0);
      await expectServerAbort(nestObserver, seen, [Status.CANCELLED]);
    },

    async cancel_after_first_response({ client }) {
      nestObserver.reset();
      const call = client.fullDuplexCall();
      const result = grpcJsCollect(call);
      const first = nextMessage<any>(call);
      call.write({ response_parameters: [{ size: 31_415 }], payload: { body: zeros(27_182) } });
      assert.equal((await first).payload.body.length, 31_415);
      call.cancel();
      const { error } = await result;
      assert.equal(error?.code, Status.CANCELLED);
      const seen = nestObserver.last('FullDuplexCall')!;
      await expectServerAbort(nestObserver, seen, [Status.CANCELLED]);
    },

    async timeout_on_sleeping_server({ client, tap }) {
      // As described: a 1 ms deadline.
      const call = client.fullDuplexCall({ deadline: deadlineIn(1) });
      const result = grpcJsCollect(call);
      call.write({ payload: { body: zeros(27_182) } });
      assert.equal((await result).error?.code, Status.DEADLINE_EXCEEDED);
      // And the server side: a call that reached the handler, which then sleeps (no response
      // parameters, no half-close) until the deadline - the handler must be told and stop.
      nestObserver.reset();
      const tagged = new grpc.Metadata();
      tagged.set(TAG_KEY, 'sleeping');
      const sleeping = client.fullDuplexCall(tagged, { deadline: deadlineIn(SLEEPING_DEADLINE_MS) });
      const sleepingResult = grpcJsCollect(sleeping);
      sleeping.write({ payload: { body: zeros(27_182) } });
      const seen = await nestObserver.started('FullDuplexCall', 'sleeping');
      // A slow uplink from here on: the client's RST_STREAM at its deadline reaches the server
      // only after the server's own deadline (from grpc-timeout) must have fired.
      tap.holdUpstream(UPLINK_HOLD_MS);
      assert.equal((await sleepingResult).error?.code, Status.DEADLINE_EXCEEDED);
      await expectServerAbort(nestObserver, seen, [Status.DEADLINE_EXCEEDED]);
    },

    async custom_metadata({ client }) {
      const metadata = (): grpc.Metadata => {
        const md = new grpc.Metadata();
        md.set(ECHO_INITIAL_KEY, ECHO_INITIAL_VALUE);
        md.set(ECHO_TRAILING_KEY, ECHO_TRAILING_VALUE);
        return md;
      };
      const unary = await grpcJsUnary(client, 'unaryCall', largeRequest(), metadata());
      assert.equal(unary.error, undefined);
      assert.ok(isZeros(unary.response.payload.body, LARGE_RESPONSE));
      assert.deepEqual(unary.headers.get(ECHO_INITIAL_KEY), [ECHO_INITIAL_VALUE]);
      assert.deepEqual(unary.status.metadata.get(ECHO_TRAILING_KEY), [ECHO_TRAILING_VALUE]);

      const call = client.fullDuplexCall(metadata());
      const result = grpcJsCollect(call);
      call.write({ response_parameters: [{ size: LARGE_RESPONSE }], payload: { body: zeros(LARGE_REQUEST) } });
      call.end();
      const { responses, headers, status } = await result;
      assert.equal(status.code, Status.OK);
      assert.deepEqual(responses.map((r: any) => r.payload.body.length), [LARGE_RESPONSE]);
      assert.deepEqual(headers.get(ECHO_INITIAL_KEY), [ECHO_INITIAL_VALUE]);
      assert.deepEqual(status.metadata.get(ECHO_TRAILING_KEY), [ECHO_TRAILING_VALUE]);
    },

    async status_code_and_message({ client }) {
      const response_status = { code: Status.UNKNOWN, message: STATUS_MESSAGE };
      const unary = await grpcJsUnary(client, 'unaryCall', { response_status });
      assert.equal(unary.error?.code, Status.UNKNOWN);
      assert.equal(unary.error?.details, STATUS_MESSAGE);

      const call = client.fullDuplexCall();
      const result = grpcJsCollect(call);
      call.write({ response_status });
      call.end();
      const { error } = await result;
      assert.equal(error?.code, Status.UNKNOWN);
      assert.equal(error?.details, STATUS_MESSAGE);
    },

    async special_status_message({ client }) {
      const { error } = await grpcJsUnary(client, 'unaryCall', { response_status: { code: Status.UNKNOWN, message: SPECIAL_STATUS_MESSAGE } });
      assert.equal(error?.code, Status.UNKNOWN);
      assert.equal(error?.details, SPECIAL_STATUS_MESSAGE);
    },

    async unimplemented_method({ client }) {
      const { error } = await grpcJsUnary(client, 'unimplementedCall', {});
      assert.equal(error?.code, Status.UNIMPLEMENTED);
    },

    async unimplemented_service({ unimplemented }) {
      const { error } = await grpcJsUnary(unimplemented, 'unimplementedCall', {});
      assert.equal(error?.code, Status.UNIMPLEMENTED);
    },

    async client_compressed_unary({ client, gzipClient, tap }) {
      const gaps = new Gaps();
      // 1. Feature probe: uncompressed, but expect_compressed -> the server must refuse it.
      tap.clear();
      const probe = await grpcJsUnary(client, 'unaryCall', largeRequest({ expect_compressed: { value: true } }));
      assert.equal(onlyStream(tap).requests[0]?.compressed, false, 'the probe went uncompressed');
      gaps.check(probe.error?.code === Status.INVALID_ARGUMENT, GAPS.requestCompressionVisibility, `probe: expected INVALID_ARGUMENT, got ${probe.error?.code ?? 'OK'}`);
      // 2. Compressed, expect_compressed -> OK.
      tap.clear();
      const compressed = await grpcJsUnary(gzipClient, 'unaryCall', largeRequest({ expect_compressed: { value: true } }));
      assert.equal(compressed.error, undefined);
      assert.ok(isZeros(compressed.response.payload.body, LARGE_RESPONSE));
      assert.equal(onlyStream(tap).requests[0]?.compressed, true, 'grpc-js compressed the request');
      // 3. Uncompressed, expect_compressed false -> OK.
      tap.clear();
      const plain = await grpcJsUnary(client, 'unaryCall', largeRequest({ expect_compressed: { value: false } }));
      assert.equal(plain.error, undefined);
      assert.ok(isZeros(plain.response.payload.body, LARGE_RESPONSE));
      assert.equal(onlyStream(tap).requests[0]?.compressed, false);
      gaps.done();
    },

    async server_compressed_unary({ client, tap }) {
      const gaps = new Gaps();
      for (const want of [true, false]) {
        tap.clear();
        const { response, error } = await grpcJsUnary(client, 'unaryCall', largeRequest({ response_compressed: { value: want } }));
        assert.equal(error, undefined);
        assert.ok(isZeros(response.payload.body, LARGE_RESPONSE));
        const flag = onlyStream(tap).responses[0]?.compressed;
        gaps.check(flag === want, GAPS.responseCompressionControl, `response_compressed=${want} but the response's compressed flag is ${flag}`);
      }
      gaps.done();
    },

    async client_compressed_streaming({ client, gzipClient, tap }) {
      const gaps = new Gaps();
      // 1. Feature probe: an uncompressed message with expect_compressed must be refused.
      tap.clear();
      const probe = await new Promise<grpc.ServiceError | null>((resolve) => {
        const call = client.streamingInputCall((err: grpc.ServiceError | null) => resolve(err));
        call.write({ expect_compressed: { value: true }, payload: { body: zeros(27_182) } });
        call.end();
      });
      assert.equal(onlyStream(tap).requests[0]?.compressed, false, 'the probe went uncompressed');
      gaps.check(probe?.code === Status.INVALID_ARGUMENT, GAPS.requestCompressionVisibility, `probe: expected INVALID_ARGUMENT, got ${probe?.code ?? 'OK'}`);
      // 2. One compressed and one uncompressed message (grpc-js write flag NoCompress) in a call.
      tap.clear();
      const response = await new Promise<any>((resolve, reject) => {
        const call = gzipClient.streamingInputCall((err: Error | null, res: any) => (err ? reject(err) : resolve(res)));
        call.write({ expect_compressed: { value: true }, payload: { body: zeros(27_182) } });
        call.write({ expect_compressed: { value: false }, payload: { body: zeros(45_904) } }, GRPC_JS_NO_COMPRESS);
        call.end();
      });
      assert.equal(response.aggregated_payload_size, COMPRESSED_STREAMING_TOTAL);
      assert.deepEqual(onlyStream(tap).requests.map((m) => m.compressed), [true, false]);
      gaps.done();
    },

    async server_compressed_streaming({ client, tap }) {
      tap.clear();
      const gaps = new Gaps();
      const { responses, status } = await grpcJsCollect(
        client.streamingOutputCall({ response_parameters: [{ compressed: { value: true }, size: 31_415 }, { compressed: { value: false }, size: 92_653 }] }),
      );
      assert.equal(status.code, Status.OK);
      assert.deepEqual(responses.map((r: any) => r.payload.body.length), [31_415, 92_653]);
      const flags = onlyStream(tap).responses.map((m) => m.compressed);
      gaps.check(flags[0] === true && flags[1] === false, GAPS.responseCompressionControl, `compressed flags of the responses: ${JSON.stringify(flags)}, wanted [true,false]`);
      gaps.done();
    },
  },
});

/** grpcJsCollect for a duplex call whose messages are also read one by one (ping_pong). */
function grpcJsCollectLater(call: grpc.ClientDuplexStream<any, any>): Promise<{ status: grpc.StatusObject }> {
  call.on('error', () => undefined); // the status carries it
  return new Promise((resolve) => call.on('status', (status: grpc.StatusObject) => resolve({ status })));
}
