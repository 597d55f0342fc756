import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { firstValueFrom, lastValueFrom, Observable, toArray } from 'rxjs';
import { Metadata, TripleClient, TripleClientsModule, type TripleCallOptions, type TripleClientOptions } from '../../../lib/index.js';
import { Gaps } from '../harness/known-failing.js';
import {
  CLIENT_STREAMING_SIZES,
  CLIENT_STREAMING_TOTAL,
  COMPRESSED_STREAMING_TOTAL,
  ECHO_INITIAL_KEY,
  ECHO_INITIAL_VALUE,
  ECHO_TRAILING_KEY,
  ECHO_TRAILING_VALUE,
  GAPS,
  GRPC_TESTING_DIR,
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
  TEST_PROTO_PATH,
  zeros,
} from '../harness/interop-data.js';
import type { CaseId } from '../harness/matrix.js';
import { expectServerAbort, TAG_KEY, type ServerObserver } from '../harness/observer.js';
import type { CaseFn } from '../harness/suite.js';
import { startWireTap, type TappedStream, type WireTap } from '../harness/wire-tap.js';

type Requests<T> = Observable<T> | AsyncIterable<T> | T[];

/** grpc.testing.TestService as a TripleClient stub (lowerCamel methods, Observables). */
export interface TestServiceStub {
  emptyCall(request: object, options?: TripleCallOptions): Observable<object>;
  unaryCall(request: object, options?: TripleCallOptions): Observable<any>;
  streamingOutputCall(request: object, options?: TripleCallOptions): Observable<any>;
  streamingInputCall(requests: Requests<object>, options?: TripleCallOptions): Observable<any>;
  fullDuplexCall(requests: Requests<object>, options?: TripleCallOptions): Observable<any>;
  halfDuplexCall(requests: Requests<object>, options?: TripleCallOptions): Observable<any>;
  unimplementedCall(request: object, options?: TripleCallOptions): Observable<object>;
}

export interface TripleCaseCtx {
  /** Between the clients and the peer server. */
  tap: WireTap;
  /** What the peer server saw. */
  observer: ServerObserver;
  stub: TestServiceStub;
  /** A client with `compression: 'gzip'`. */
  gzipStub: TestServiceStub;
  unimplemented: { unimplementedCall(request: object, options?: TripleCallOptions): Observable<object> };
  /** 'grpc': gRPC messages (per-message flags on the wire); 'triple': Triple unary bodies (bytes on the wire). */
  wire: 'grpc' | 'triple';
  /** What the peer server reports to a handler on client cancel / on deadline. */
  abortCodes: { cancel: ReadonlyArray<number | string>; deadline: ReadonlyArray<number | string> };
  /** Per-call options every call adds (e.g. a Dubbo group/version the peer serves under). */
  callOptions: TripleCallOptions;
  app: INestApplicationContext;
}

export interface TripleClientSetup {
  host: string;
  port: number;
  observer: ServerObserver;
  /** Transport options of both clients (protocol, codec, httpVersion, group, version ...). */
  clientOptions?: Partial<TripleClientOptions>;
  wire?: 'grpc' | 'triple';
  abortCodes: TripleCaseCtx['abortCodes'];
  callOptions?: TripleCallOptions;
}

const PLAIN = 'INTEROP_PLAIN';
const GZIP = 'INTEROP_GZIP';

/**
 * TripleClients the way an application gets them: TripleClientsModule in a Nest application
 * context, one plain client and one with gzip request compression, both through a wire tap.
 */
export async function startTripleClients(setup: TripleClientSetup): Promise<TripleCaseCtx> {
  const tap = await startWireTap({ host: setup.host, port: setup.port });
  const base: TripleClientOptions = {
    url: tap.address,
    protoPath: TEST_PROTO_PATH,
    package: 'grpc.testing',
    loader: { includeDirs: [GRPC_TESTING_DIR] },
    ...setup.clientOptions,
  };
  @Module({
    imports: [
      TripleClientsModule.register([
        { name: PLAIN, options: base },
        { name: GZIP, options: { ...base, compression: 'gzip' } },
      ]),
    ],
  })
  class InteropClientModule {}
  const app = await NestFactory.createApplicationContext(InteropClientModule, { logger: ['error'] });
  const plain = app.get<TripleClient>(PLAIN);
  const gzip = app.get<TripleClient>(GZIP);
  return {
    tap,
    observer: setup.observer,
    stub: plain.getService<TestServiceStub>('TestService'),
    gzipStub: gzip.getService<TestServiceStub>('TestService'),
    unimplemented: plain.getService('UnimplementedService') as TripleCaseCtx['unimplemented'],
    wire: setup.wire ?? 'grpc',
    abortCodes: setup.abortCodes,
    callOptions: setup.callOptions ?? {},
    app,
  };
}

export async function stopTripleClients(ctx: TripleCaseCtx | undefined): Promise<void> {
  await ctx?.app.close();
  await ctx?.tap.close();
}

/** The error a call's Observable failed with (asserting it failed). */
async function failure(call: Observable<unknown>): Promise<{ code: number; message: string; metadata?: Metadata }> {
  try {
    await lastValueFrom(call, { defaultValue: undefined });
  } catch (e) {
    return e as { code: number; message: string; metadata?: Metadata };
  }
  assert.fail('the call succeeded but was expected to fail');
}

function onlyStream(tap: WireTap): TappedStream {
  assert.equal(tap.streams.length, 1, `expected one HTTP/2 stream on the wire, saw ${tap.streams.length}`);
  return tap.streams[0]!;
}

/** The client ended the call on the wire with RST_STREAM (what cancel and deadline must do). */
async function waitForReset(tap: WireTap): Promise<void> {
  const until = Date.now() + 1000;
  // The last stream is the call under test (an earlier call's frames may still trickle in).
  while (!tap.streams.at(-1)?.reset) {
    if (Date.now() > until) assert.fail(`the client did not reset the stream (streams on the wire: ${JSON.stringify(tap.streams)})`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function largeRequest(extra: object = {}): object {
  return { responseSize: LARGE_RESPONSE, payload: { body: zeros(LARGE_REQUEST) }, ...extra };
}

/** A request stream that sends `first` (if any) and then stays open until `signal` aborts. */
async function* openStream<T>(signal: AbortSignal, first?: T): AsyncGenerator<T> {
  if (first !== undefined) yield first;
  await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
}

/**
 * Whether the last exchange's request (or response) went compressed, as the wire shows it:
 * the message flag for gRPC, for Triple unary (a whole-body Content-Encoding, invisible without
 * HPACK) the byte count - a ~270 KB body of zeros is under 10 KB only when compressed.
 */
function requestCompressed(ctx: TripleCaseCtx): boolean | undefined {
  if (ctx.wire === 'grpc') return onlyStream(ctx.tap).requests[0]?.compressed;
  return ctx.tap.bytes.up < 10_000;
}
function responseFlags(ctx: TripleCaseCtx): Array<boolean | undefined> {
  if (ctx.wire === 'grpc') return onlyStream(ctx.tap).responses.map((m) => m.compressed);
  return [ctx.tap.bytes.down < 10_000];
}

/** The interop cases, written once against TripleClient, run against every peer server. */
export const tripleClientCases: Partial<Record<CaseId, CaseFn<TripleCaseCtx>>> = {
  async empty_unary({ stub, callOptions }) {
    const response = await firstValueFrom(stub.emptyCall({}, callOptions));
    assert.deepEqual({ ...response }, {});
  },

  async large_unary({ stub, callOptions }) {
    const response = await lastValueFrom(stub.unaryCall(largeRequest(), callOptions));
    assert.ok(isZeros(response.payload?.body, LARGE_RESPONSE), 'response payload is 314159 zero bytes');
  },

  async client_streaming({ stub, callOptions }) {
    const response = await lastValueFrom(stub.streamingInputCall(CLIENT_STREAMING_SIZES.map((size) => ({ payload: { body: zeros(size) } })), callOptions));
    assert.equal(response.aggregatedPayloadSize, CLIENT_STREAMING_TOTAL);
  },

  async server_streaming({ stub, callOptions }) {
    const responses = await lastValueFrom(stub.streamingOutputCall({ responseParameters: SERVER_STREAMING_SIZES.map((size) => ({ size })) }, callOptions).pipe(toArray()));
    assert.deepEqual(responses.map((r) => r.payload?.body?.length ?? 0), [...SERVER_STREAMING_SIZES]);
    assert.ok(responses.every((r, i) => isZeros(r.payload?.body, SERVER_STREAMING_SIZES[i]!)));
  },

  async ping_pong({ stub, callOptions }) {
    let replied: () => void = () => undefined;
    async function* requests() {
      for (let i = 0; i < SERVER_STREAMING_SIZES.length; i++) {
        const reply = new Promise<void>((r) => (replied = r));
        yield { responseParameters: [{ size: SERVER_STREAMING_SIZES[i] }], payload: { body: zeros(PING_PONG_REQUEST_SIZES[i]!) } };
        await reply;
      }
    }
    const sizes: number[] = [];
    await new Promise<void>((resolve, reject) =>
      stub.fullDuplexCall(requests(), callOptions).subscribe({
        next: (r) => {
          sizes.push(r.payload?.body?.length ?? 0);
          replied();
        },
        error: reject,
        complete: resolve,
      }),
    );
    assert.deepEqual(sizes, [...SERVER_STREAMING_SIZES]);
  },

  async empty_stream({ stub, callOptions }) {
    const responses = await lastValueFrom(stub.fullDuplexCall([], callOptions).pipe(toArray()));
    assert.equal(responses.length, 0);
  },

  async cancel_after_begin({ stub, observer, abortCodes, callOptions, tap }) {
    observer.reset();
    tap.clear();
    const abort = new AbortController();
    const call = failure(stub.streamingInputCall(openStream(abort.signal), { ...callOptions, signal: abort.signal }));
    const seen = await observer.started('StreamingInputCall');
    abort.abort();
    assert.equal((await call).code, Status.CANCELLED);
    assert.equal(seen.received, 0);
    await waitForReset(tap);
    await expectServerAbort(observer, seen, abortCodes.cancel);
  },

  async cancel_after_first_response({ stub, observer, abortCodes, callOptions, tap }) {
    observer.reset();
    tap.clear();
    const abort = new AbortController();
    const first = { responseParameters: [{ size: 31_415 }], payload: { body: zeros(27_182) } };
    const error = await new Promise<{ code: number }>((resolve, reject) =>
      stub.fullDuplexCall(openStream(abort.signal, first), { ...callOptions, signal: abort.signal }).subscribe({
        next: (r) => {
          if ((r.payload?.body?.length ?? 0) !== 31_415) reject(new Error('first response has the wrong size'));
          abort.abort();
        },
        error: resolve,
        complete: () => reject(new Error('the call completed instead of being cancelled')),
      }),
    );
    assert.equal(error.code, Status.CANCELLED);
    await waitForReset(tap);
    await expectServerAbort(observer, observer.last('FullDuplexCall')!, abortCodes.cancel);
  },

  async timeout_on_sleeping_server({ stub, observer, abortCodes, callOptions, tap }) {
    const stop = new AbortController();
    try {
      const request = { payload: { body: zeros(27_182) } };
      const quick = await failure(stub.fullDuplexCall(openStream(stop.signal, request), { ...callOptions, timeout: 1 }));
      assert.equal(quick.code, Status.DEADLINE_EXCEEDED);
      observer.reset();
      tap.clear();
      const sleeping = failure(stub.fullDuplexCall(openStream(stop.signal, request), { ...callOptions, timeout: SLEEPING_DEADLINE_MS, metadata: { [TAG_KEY]: 'sleeping' } }));
      const seen = await observer.started('FullDuplexCall', 'sleeping');
      // A slow uplink: the client's RST_STREAM reaches the server only after the server's own
      // deadline (from grpc-timeout) must have fired, so the server-side outcome is deterministic.
      tap.holdUpstream(UPLINK_HOLD_MS);
      assert.equal((await sleeping).code, Status.DEADLINE_EXCEEDED);
      await waitForReset(tap);
      await expectServerAbort(observer, seen, abortCodes.deadline);
    } finally {
      stop.abort();
    }
  },

  async custom_metadata({ stub, wire, callOptions }) {
    const kinds = wire === 'grpc' ? (['unary', 'duplex'] as const) : (['unary'] as const);
    for (const kind of kinds) {
      const headers: Metadata[] = [];
      const trailers: Metadata[] = [];
      const options: TripleCallOptions = {
        ...callOptions,
        metadata: { [ECHO_INITIAL_KEY]: ECHO_INITIAL_VALUE, [ECHO_TRAILING_KEY]: ECHO_TRAILING_VALUE },
        onHeader: (md) => headers.push(md),
        onTrailer: (md) => trailers.push(md),
      };
      if (kind === 'unary') {
        const response = await lastValueFrom(stub.unaryCall(largeRequest(), options));
        assert.ok(isZeros(response.payload?.body, LARGE_RESPONSE));
      } else {
        const responses = await lastValueFrom(stub.fullDuplexCall([{ responseParameters: [{ size: LARGE_RESPONSE }], payload: { body: zeros(LARGE_REQUEST) } }], options).pipe(toArray()));
        assert.deepEqual(responses.map((r) => r.payload?.body?.length), [LARGE_RESPONSE]);
      }
      assert.equal(headers[0]?.get(ECHO_INITIAL_KEY), ECHO_INITIAL_VALUE, `${kind}: initial metadata`);
      assert.deepEqual(trailers[0]?.get(ECHO_TRAILING_KEY), ECHO_TRAILING_VALUE, `${kind}: trailing metadata`);
    }
  },

  async status_code_and_message({ stub, wire, callOptions }) {
    const responseStatus = { code: Status.UNKNOWN, message: STATUS_MESSAGE };
    const unary = await failure(stub.unaryCall({ responseStatus }, callOptions));
    assert.equal(unary.code, Status.UNKNOWN);
    assert.equal(unary.message, STATUS_MESSAGE);
    if (wire === 'grpc') {
      const duplex = await failure(stub.fullDuplexCall([{ responseStatus }], callOptions));
      assert.equal(duplex.code, Status.UNKNOWN);
      assert.equal(duplex.message, STATUS_MESSAGE);
    }
  },

  async special_status_message({ stub, callOptions }) {
    const error = await failure(stub.unaryCall({ responseStatus: { code: Status.UNKNOWN, message: SPECIAL_STATUS_MESSAGE } }, callOptions));
    assert.equal(error.code, Status.UNKNOWN);
    assert.equal(error.message, SPECIAL_STATUS_MESSAGE);
  },

  async unimplemented_method({ stub, callOptions }) {
    assert.equal((await failure(stub.unimplementedCall({}, callOptions))).code, Status.UNIMPLEMENTED);
  },

  async unimplemented_service({ unimplemented, callOptions }) {
    assert.equal((await failure(unimplemented.unimplementedCall({}, callOptions))).code, Status.UNIMPLEMENTED);
  },

  async client_compressed_unary(ctx) {
    const { stub, gzipStub, tap, callOptions } = ctx;
    const gaps = new Gaps();
    tap.clear();
    const probe = await lastValueFrom(stub.unaryCall(largeRequest({ expectCompressed: { value: true } }), callOptions)).then(
      () => undefined,
      (e: { code: number }) => e,
    );
    assert.equal(requestCompressed(ctx), false, 'the probe went uncompressed');
    gaps.check(probe?.code === Status.INVALID_ARGUMENT, GAPS.requestCompressionVisibility, `probe: expected INVALID_ARGUMENT, got ${probe?.code ?? 'OK'}`);
    tap.clear();
    const compressed = await lastValueFrom(gzipStub.unaryCall(largeRequest({ expectCompressed: { value: true } }), callOptions));
    assert.ok(isZeros(compressed.payload?.body, LARGE_RESPONSE));
    assert.equal(requestCompressed(ctx), true, 'TripleClient compressed the request');
    tap.clear();
    const plain = await lastValueFrom(stub.unaryCall(largeRequest({ expectCompressed: { value: false } }), callOptions));
    assert.ok(isZeros(plain.payload?.body, LARGE_RESPONSE));
    assert.equal(requestCompressed(ctx), false);
    gaps.done();
  },

  async server_compressed_unary(ctx) {
    const gaps = new Gaps();
    for (const want of [true, false]) {
      ctx.tap.clear();
      const response = await lastValueFrom(ctx.stub.unaryCall(largeRequest({ responseCompressed: { value: want } }), ctx.callOptions));
      assert.ok(isZeros(response.payload?.body, LARGE_RESPONSE));
      const flag = responseFlags(ctx)[0];
      gaps.check(flag === want, GAPS.responseCompressionControl, `response_compressed=${want} but the response went ${flag ? 'compressed' : 'uncompressed'}`);
    }
    gaps.done();
  },

  async client_compressed_streaming({ stub, gzipStub, tap, callOptions }) {
    const gaps = new Gaps();
    tap.clear();
    const probe = await lastValueFrom(stub.streamingInputCall([{ expectCompressed: { value: true }, payload: { body: zeros(27_182) } }], callOptions)).then(
      () => undefined,
      (e: { code: number }) => e,
    );
    assert.equal(onlyStream(tap).requests[0]?.compressed, false, 'the probe went uncompressed');
    gaps.check(probe?.code === Status.INVALID_ARGUMENT, GAPS.requestCompressionVisibility, `probe: expected INVALID_ARGUMENT, got ${probe?.code ?? 'OK'}`);
    tap.clear();
    const response = await lastValueFrom(
      gzipStub.streamingInputCall(
        [
          { expectCompressed: { value: true }, payload: { body: zeros(27_182) } },
          { expectCompressed: { value: false }, payload: { body: zeros(45_904) } },
        ],
        callOptions,
      ),
    );
    assert.equal(response.aggregatedPayloadSize, COMPRESSED_STREAMING_TOTAL);
    const flags = onlyStream(tap).requests.map((m) => m.compressed);
    assert.equal(flags[0], true, 'the first message went compressed');
    gaps.check(flags[1] === false, GAPS.perMessageRequestCompression, `TripleClient compresses every message of a call alike; flags on the wire: ${JSON.stringify(flags)}`);
    gaps.done();
  },

  async server_compressed_streaming(ctx) {
    ctx.tap.clear();
    const gaps = new Gaps();
    const responses = await lastValueFrom(
      ctx.stub.streamingOutputCall({ responseParameters: [{ compressed: { value: true }, size: 31_415 }, { compressed: { value: false }, size: 92_653 }] }, ctx.callOptions).pipe(toArray()),
    );
    assert.deepEqual(responses.map((r) => r.payload?.body?.length), [31_415, 92_653]);
    const flags = responseFlags(ctx);
    gaps.check(flags[0] === true && flags[1] === false, GAPS.responseCompressionControl, `compressed flags of the responses: ${JSON.stringify(flags)}, wanted [true,false]`);
    gaps.done();
  },
};
