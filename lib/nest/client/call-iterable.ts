import type { ClientCallOptions, StreamResponse } from '../../core/client-transport.js';
import type { MethodDescriptor } from '../../core/method-descriptor.js';
import { CallAbort, callerGone, toTripleException, type CallInvoker } from './call-invoker.js';
import type { PreparedCallOptions } from './call-options.js';

/**
 * Pull-based forms of a call, for code that prefers `await` and `for await` to RxJS
 * (`getService(name, { iterable: true })`). Same transport, same errors (TripleException),
 * same options; cancel through `signal`, or by leaving a `for await` loop early.
 */

/** A unary or client-streaming call as a Promise of its response message. Starts at once. */
export function promiseCall<O>(invoker: CallInvoker, method: MethodDescriptor, input: unknown, options: PreparedCallOptions): Promise<O> {
  const abort = new CallAbort(options.signal);
  let transportOptions: ClientCallOptions;
  try {
    transportOptions = invoker.transportOptions(method, input, options, abort, undefined);
  } catch (error) {
    abort.finish();
    return Promise.reject(toTripleException(error));
  }
  return invoker.startSingle<O>(method, input, transportOptions).then(
    (response) => {
      abort.finish();
      options.onHeader?.(response.header);
      options.onTrailer?.(response.trailer);
      return response.message;
    },
    (error: unknown) => {
      abort.finish();
      throw toTripleException(error);
    },
  );
}

/**
 * A server-streaming or bidi call as an AsyncIterable of responses. Cold: each
 * `[Symbol.asyncIterator]()` (each `for await`) starts one call, on its first `next()`. Every
 * `next()` reads one message, so HTTP/2 flow control holds the server back while the loop body runs.
 */
export function iterableCall<O>(invoker: CallInvoker, method: MethodDescriptor, input: unknown, options: PreparedCallOptions): AsyncIterable<O> {
  return { [Symbol.asyncIterator]: () => new ResponseIterator<O>(invoker, method, input, options) };
}

class ResponseIterator<O> implements AsyncIterator<O> {
  private abort: CallAbort | undefined;
  private response: StreamResponse<O> | undefined;
  private source: AsyncIterator<O> | undefined;
  private finished = false;

  constructor(
    private readonly invoker: CallInvoker,
    private readonly method: MethodDescriptor,
    private readonly input: unknown,
    private readonly options: PreparedCallOptions,
  ) {}

  async next(): Promise<IteratorResult<O>> {
    if (this.finished) return { done: true, value: undefined };
    try {
      const source = this.source ?? (await this.start());
      const step = await source.next();
      if (!step.done) return step;
      const trailer = this.options.onTrailer ? await this.response!.trailer : undefined;
      this.end();
      if (trailer) this.options.onTrailer!(trailer);
      return { done: true, value: undefined };
    } catch (error) {
      // A failed call is over already; cancelling also covers a throwing onHeader/onTrailer.
      this.finished = true;
      this.abort?.cancel(callerGone('the client failed the call'));
      throw toTripleException(error);
    }
  }

  async return(): Promise<IteratorResult<O>> {
    if (!this.finished) {
      this.finished = true;
      this.abort?.cancel(callerGone('the consumer stopped iterating'));
      await Promise.resolve(this.source?.return?.()).catch(() => undefined);
    }
    return { done: true, value: undefined };
  }

  private async start(): Promise<AsyncIterator<O>> {
    this.abort = new CallAbort(this.options.signal);
    const transportOptions = this.invoker.transportOptions(this.method, this.input, this.options, this.abort, undefined);
    this.response = this.invoker.startStream<O>(this.method, this.input, transportOptions);
    this.source = this.response[Symbol.asyncIterator]();
    if (this.options.onHeader) this.options.onHeader(await this.response.header);
    return this.source;
  }

  private end(): void {
    this.finished = true;
    this.abort?.finish();
  }
}
