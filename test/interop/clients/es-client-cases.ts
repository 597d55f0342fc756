import assert from 'node:assert/strict';
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
} from '../harness/interop-data.js';
import type { CaseId } from '../harness/matrix.js';
import { expectServerAbort, TAG_KEY, type ServerObserver } from '../harness/observer.js';
import type { CaseFn } from '../harness/suite.js';
import type { TappedStream, WireTap } from '../harness/wire-tap.js';

/**
 * What differs between connect-es v1 and its fork dubbo-js 3.0.0-alpha for these cases: the
 * error class and the binary-header helpers. Everything else (promise clients, AsyncIterable
 * streams, call options `headers` / `onHeader` / `onTrailer` / `signal` / `timeoutMs`, numeric
 * codes) is the same API.
 */
export interface EsClientLib {
  /** The library's error for a failed call: numeric code and message without the code prefix. */
  toError(e: unknown): { code: number; rawMessage: string };
  encodeBinaryHeader(value: Uint8Array): string;
  decodeBinaryHeader(value: string): Uint8Array;
}

export interface EsClientCtx {
  tap: WireTap;
  observer: ServerObserver;
  client: any;
  /** Same target, with gzip request compression. */
  gzipClient: any;
  unimplemented: any;
  lib: EsClientLib;
  /** 'grpc': gRPC messages (per-message flags on the wire); 'triple': Triple unary bodies. */
  wire: 'grpc' | 'triple';
  /** What the server must have seen of the EmptyCall (protocol, HTTP version, codec). */
  expectVia: { protocol: string; httpVersion: string; codec: string };
}

function onlyStream(tap: WireTap): TappedStream {
  assert.equal(tap.streams.length, 1, `expected one HTTP/2 stream on the wire, saw ${tap.streams.length}`);
  return tap.streams[0]!;
}

/** Request compressed on the wire: the message flag (gRPC) or, for Triple unary, the byte count. */
function requestCompressed(ctx: EsClientCtx): boolean | undefined {
  if (ctx.wire === 'grpc') return onlyStream(ctx.tap).requests[0]?.compressed;
  return ctx.tap.bytes.up < 10_000;
}
function responseFlags(ctx: EsClientCtx): Array<boolean | undefined> {
  if (ctx.wire === 'grpc') return onlyStream(ctx.tap).responses.map((m) => m.compressed);
  return [ctx.tap.bytes.down < 10_000];
}

function largeRequest(extra: object = {}): object {
  return { responseSize: LARGE_RESPONSE, payload: { body: zeros(LARGE_REQUEST) }, ...extra };
}

/** Runs `fn` and returns the error it failed with (asserting it failed). */
async function failure(lib: EsClientLib, fn: () => Promise<unknown>): Promise<{ code: number; rawMessage: string }> {
  try {
    await fn();
  } catch (e) {
    return lib.toError(e);
  }
  assert.fail('the call succeeded but was expected to fail');
}

async function drain<T>(responses: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of responses) out.push(r);
  return out;
}

/** Request streams are AsyncIterables (async generators) in connect-es. */
async function* stream<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

/** A request stream that sends `first` (if any) and then stays open until `signal` aborts. */
async function* openStream<T>(signal: AbortSignal, first?: T): AsyncGenerator<T> {
  if (first !== undefined) yield first;
  await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
}

/** The interop cases written against a connect-es style client, run against our TripleServer. */
export const esClientCases: Partial<Record<CaseId, CaseFn<EsClientCtx>>> = {
  async empty_unary({ client, observer, expectVia }) {
    observer.reset();
    const response = await client.emptyCall({});
    assert.equal(response.getType().typeName, 'grpc.testing.Empty');
    assert.deepEqual(observer.last('EmptyCall')?.via, expectVia, 'how the server saw the call');
  },

  async large_unary({ client }) {
    const response = await client.unaryCall(largeRequest());
    assert.ok(isZeros(response.payload?.body, LARGE_RESPONSE));
  },

  async client_streaming({ client }) {
    const response = await client.streamingInputCall(stream(CLIENT_STREAMING_SIZES.map((size) => ({ payload: { body: zeros(size) } }))));
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
      sizes.push((r as any).payload.body.length);
      replied();
    }
    assert.deepEqual(sizes, [...SERVER_STREAMING_SIZES]);
  },

  async empty_stream({ client }) {
    assert.equal((await drain(client.fullDuplexCall(stream([])))).length, 0);
  },

  async cancel_after_begin({ client, observer, lib }) {
    observer.reset();
    const abort = new AbortController();
    const call = failure(lib, () => client.streamingInputCall(openStream(abort.signal), { signal: abort.signal }));
    const seen = await observer.started('StreamingInputCall');
    abort.abort();
    const error = await call;
    assert.equal(error.code, Status.CANCELLED, error.rawMessage);
    assert.equal(seen.received, 0);
    await expectServerAbort(observer, seen, [Status.CANCELLED]);
  },

  async cancel_after_first_response({ client, observer, lib }) {
    observer.reset();
    const abort = new AbortController();
    const first = { responseParameters: [{ size: 31_415 }], payload: { body: zeros(27_182) } };
    const error = await failure(lib, async () => {
      for await (const r of client.fullDuplexCall(openStream(abort.signal, first), { signal: abort.signal })) {
        assert.equal((r as any).payload.body.length, 31_415);
        abort.abort();
      }
    });
    assert.equal(error.code, Status.CANCELLED);
    await expectServerAbort(observer, observer.last('FullDuplexCall')!, [Status.CANCELLED]);
  },

  async timeout_on_sleeping_server({ client, observer, lib, tap }) {
    const stop = new AbortController();
    try {
      const request = { payload: { body: zeros(27_182) } };
      const quick = await failure(lib, () => drain(client.fullDuplexCall(openStream(stop.signal, request), { timeoutMs: 1 })));
      assert.equal(quick.code, Status.DEADLINE_EXCEEDED);
      observer.reset();
      const sleeping = failure(lib, () => drain(client.fullDuplexCall(openStream(stop.signal, request), { timeoutMs: SLEEPING_DEADLINE_MS, headers: { [TAG_KEY]: 'sleeping' } })));
      const seen = await observer.started('FullDuplexCall', 'sleeping');
      // A slow uplink: the client's RST_STREAM reaches the server only after its own deadline.
      tap.holdUpstream(UPLINK_HOLD_MS);
      assert.equal((await sleeping).code, Status.DEADLINE_EXCEEDED);
      await expectServerAbort(observer, seen, [Status.DEADLINE_EXCEEDED]);
    } finally {
      stop.abort();
    }
  },

  async custom_metadata({ client, lib, wire }) {
    const headers = { [ECHO_INITIAL_KEY]: ECHO_INITIAL_VALUE, [ECHO_TRAILING_KEY]: lib.encodeBinaryHeader(ECHO_TRAILING_VALUE) };
    for (const kind of wire === 'grpc' ? (['unary', 'duplex'] as const) : (['unary'] as const)) {
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
      assert.deepEqual(Buffer.from(lib.decodeBinaryHeader(trailing)), ECHO_TRAILING_VALUE, `${kind}: trailing metadata value`);
    }
  },

  async status_code_and_message({ client, lib, wire }) {
    const responseStatus = { code: Status.UNKNOWN, message: STATUS_MESSAGE };
    const unary = await failure(lib, () => client.unaryCall({ responseStatus }));
    assert.equal(unary.code, Status.UNKNOWN);
    assert.equal(unary.rawMessage, STATUS_MESSAGE);
    if (wire === 'grpc') {
      const duplex = await failure(lib, () => drain(client.fullDuplexCall(stream([{ responseStatus }]))));
      assert.equal(duplex.code, Status.UNKNOWN);
      assert.equal(duplex.rawMessage, STATUS_MESSAGE);
    }
  },

  async special_status_message({ client, lib }) {
    const error = await failure(lib, () => client.unaryCall({ responseStatus: { code: Status.UNKNOWN, message: SPECIAL_STATUS_MESSAGE } }));
    assert.equal(error.code, Status.UNKNOWN);
    assert.equal(error.rawMessage, SPECIAL_STATUS_MESSAGE);
  },

  async unimplemented_method({ client, lib }) {
    assert.equal((await failure(lib, () => client.unimplementedCall({}))).code, Status.UNIMPLEMENTED);
  },

  async unimplemented_service({ unimplemented, lib }) {
    assert.equal((await failure(lib, () => unimplemented.unimplementedCall({}))).code, Status.UNIMPLEMENTED);
  },

  async client_compressed_unary(ctx) {
    const { client, gzipClient, tap, lib } = ctx;
    const gaps = new Gaps();
    tap.clear();
    const probe = await client.unaryCall(largeRequest({ expectCompressed: { value: true } })).then(
      () => undefined,
      (e: unknown) => lib.toError(e),
    );
    assert.equal(requestCompressed(ctx), false, 'the probe went uncompressed');
    gaps.check(probe?.code === Status.INVALID_ARGUMENT, GAPS.requestCompressionVisibility, `probe: expected INVALID_ARGUMENT, got ${probe?.code ?? 'OK'}`);
    tap.clear();
    const compressed = await gzipClient.unaryCall(largeRequest({ expectCompressed: { value: true } }));
    assert.ok(isZeros(compressed.payload?.body, LARGE_RESPONSE));
    assert.equal(requestCompressed(ctx), true, 'the client compressed the request');
    tap.clear();
    const plain = await client.unaryCall(largeRequest({ expectCompressed: { value: false } }));
    assert.ok(isZeros(plain.payload?.body, LARGE_RESPONSE));
    assert.equal(requestCompressed(ctx), false);
    gaps.done();
  },

  async server_compressed_unary(ctx) {
    const gaps = new Gaps();
    for (const want of [true, false]) {
      ctx.tap.clear();
      const response = await ctx.client.unaryCall(largeRequest({ responseCompressed: { value: want } }));
      assert.ok(isZeros(response.payload?.body, LARGE_RESPONSE));
      const flag = responseFlags(ctx)[0];
      gaps.check(flag === want, GAPS.responseCompressionControl, `response_compressed=${want} but the response went ${flag ? 'compressed' : 'uncompressed'}`);
    }
    gaps.done();
  },

  async client_compressed_streaming({ client, gzipClient, tap, lib }) {
    const gaps = new Gaps();
    tap.clear();
    const probe = await client.streamingInputCall(stream([{ expectCompressed: { value: true }, payload: { body: zeros(27_182) } }])).then(
      () => undefined,
      (e: unknown) => lib.toError(e),
    );
    assert.equal(onlyStream(tap).requests[0]?.compressed, false, 'the probe went uncompressed');
    gaps.check(probe?.code === Status.INVALID_ARGUMENT, GAPS.requestCompressionVisibility, `probe: expected INVALID_ARGUMENT, got ${probe?.code ?? 'OK'}`);
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
    // connect-es (and dubbo-js) compress every message of a call alike (sendCompression + compressMinBytes).
    gaps.check(flags[1] === false, GAPS.perMessageRequestCompression, `the second message must go uncompressed; flags on the wire: ${JSON.stringify(flags)}`);
    gaps.done();
  },

  async server_compressed_streaming(ctx) {
    ctx.tap.clear();
    const gaps = new Gaps();
    const responses = await drain<any>(
      ctx.client.streamingOutputCall({ responseParameters: [{ compressed: { value: true }, size: 31_415 }, { compressed: { value: false }, size: 92_653 }] }),
    );
    assert.deepEqual(responses.map((r) => r.payload.body.length), [31_415, 92_653]);
    const flags = responseFlags(ctx);
    gaps.check(flags[0] === true && flags[1] === false, GAPS.responseCompressionControl, `compressed flags of the responses: ${JSON.stringify(flags)}, wanted [true,false]`);
    gaps.done();
  },
};
