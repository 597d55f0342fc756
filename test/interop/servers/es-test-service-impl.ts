import { ECHO_INITIAL_KEY, ECHO_TRAILING_KEY } from '../harness/interop-data.js';
import { TAG_KEY, type ObservedCall, type ServerObserver } from '../harness/observer.js';

/**
 * The part of a connect-es style handler context (connect-node v1, and dubbo-node 3.0.0-alpha,
 * which forked it) the TestService uses: Fetch-API headers and an AbortSignal.
 */
export interface EsHandlerContext {
  readonly signal: AbortSignal;
  readonly requestHeader: Headers;
  readonly responseHeader: Headers;
  readonly responseTrailer: Headers;
}

export interface EsFlavour {
  /** The library's error for a status (ConnectError / DubboError). */
  error(code: number, message: string): Error;
  /**
   * The status code an abort reason stands for, or undefined when the abort is just the end of
   * the call (connect and dubbo abort the context, reason-less, whenever a call ends).
   */
  abortCode(reason: unknown): number | undefined;
  /** The request compression as the call's headers announce it (per call, not per message). */
  requestEncoding(ctx: EsHandlerContext): string | undefined;
}

/**
 * grpc.testing.TestService as a connect-es style ServiceImpl (methods keyed by lowerCamel
 * name, async generators for response streams, AsyncIterables for request streams), with the
 * interop server features. CompressedRequest is checked from the request's encoding header - the
 * most these libraries expose; `response_compressed` is not obeyed (they compress every message
 * of at least 1 KiB the client accepts gzip for).
 */
export function createEsTestServiceImpl(observer: ServerObserver, flavour: EsFlavour): Record<string, (...args: any[]) => unknown> {
  const watch = (method: string, ctx: EsHandlerContext): ObservedCall => {
    const call = observer.start(method);
    call.via = { contentType: ctx.requestHeader.get('content-type') ?? undefined };
    call.tag = ctx.requestHeader.get(TAG_KEY) ?? undefined;
    ctx.signal.addEventListener(
      'abort',
      () => {
        const code = flavour.abortCode(ctx.signal.reason);
        if (code !== undefined) call.aborted = code;
      },
      { once: true },
    );
    return call;
  };
  const echoMetadata = (ctx: EsHandlerContext): void => {
    const initial = ctx.requestHeader.get(ECHO_INITIAL_KEY);
    if (initial !== null) ctx.responseHeader.set(ECHO_INITIAL_KEY, initial);
    const trailing = ctx.requestHeader.get(ECHO_TRAILING_KEY);
    if (trailing !== null) ctx.responseTrailer.set(ECHO_TRAILING_KEY, trailing);
  };
  const throwIfStatus = (status: { code?: number; message?: string } | undefined): void => {
    if (status && status.code) throw flavour.error(status.code, status.message ?? '');
  };
  const checkCompressed = (expect: { value?: boolean } | undefined, ctx: EsHandlerContext): void => {
    if (!expect?.value) return;
    const encoding = flavour.requestEncoding(ctx);
    if (!encoding || encoding === 'identity') throw flavour.error(3, 'expected a compressed request');
  };
  const payload = (size: number): object => ({ type: 0, body: new Uint8Array(size) });
  const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
    });
  async function* responses(params: any[] | undefined, ctx: EsHandlerContext, call: ObservedCall): AsyncGenerator<object> {
    for (const p of params ?? []) {
      if (p.intervalUs) await sleep(p.intervalUs / 1000, ctx.signal);
      call.sent++;
      yield { payload: payload(p.size ?? 0) };
    }
  }

  return {
    async emptyCall(_req: unknown, ctx: EsHandlerContext) {
      watch('EmptyCall', ctx).stopped = true;
      return {};
    },
    async unaryCall(req: any, ctx: EsHandlerContext) {
      const call = watch('UnaryCall', ctx);
      call.received = 1;
      try {
        echoMetadata(ctx);
        checkCompressed(req.expectCompressed, ctx);
        throwIfStatus(req.responseStatus);
        call.sent = 1;
        return { payload: payload(req.responseSize ?? 0) };
      } finally {
        call.stopped = true;
      }
    },
    async *streamingOutputCall(req: any, ctx: EsHandlerContext) {
      const call = watch('StreamingOutputCall', ctx);
      call.received = 1;
      try {
        echoMetadata(ctx);
        throwIfStatus(req.responseStatus);
        yield* responses(req.responseParameters, ctx, call);
      } finally {
        call.stopped = true;
      }
    },
    async streamingInputCall(requests: AsyncIterable<any>, ctx: EsHandlerContext) {
      const call = watch('StreamingInputCall', ctx);
      try {
        echoMetadata(ctx);
        let total = 0;
        for await (const r of requests) {
          call.received++;
          checkCompressed(r.expectCompressed, ctx);
          total += r.payload?.body?.length ?? 0;
        }
        call.sent = 1;
        return { aggregatedPayloadSize: total };
      } finally {
        call.stopped = true;
      }
    },
    async *fullDuplexCall(requests: AsyncIterable<any>, ctx: EsHandlerContext) {
      const call = watch('FullDuplexCall', ctx);
      try {
        echoMetadata(ctx);
        for await (const r of requests) {
          call.received++;
          throwIfStatus(r.responseStatus);
          yield* responses(r.responseParameters, ctx, call);
        }
      } finally {
        call.stopped = true;
      }
    },
    async *halfDuplexCall(requests: AsyncIterable<any>, ctx: EsHandlerContext) {
      const call = watch('HalfDuplexCall', ctx);
      try {
        echoMetadata(ctx);
        const all: any[] = [];
        for await (const r of requests) {
          call.received++;
          all.push(r);
        }
        for (const r of all) {
          throwIfStatus(r.responseStatus);
          yield* responses(r.responseParameters, ctx, call);
        }
      } finally {
        call.stopped = true;
      }
    },
  };
}
