import type { Transport } from '@nestjs/microservices';
import { finalize, isObservable } from 'rxjs';
import type { HandlerOutput } from '../../core/method-handler.js';
import { isAsyncIterable } from '../../core/subscribable.js';
import type { TripleContext } from '../ctx-host/triple.context.js';

/** Nest's `Server#setOnProcessingStartHook` hook: runs `done` inside whatever it sets up (a span, an ALS scope). */
export type ProcessingStartHook = (transportId: symbol | Transport, context: unknown, done: () => Promise<void>) => unknown;
/** Nest's `Server#setOnProcessingEndHook` hook. */
export type ProcessingEndHook = (transportId: symbol | Transport, context: unknown) => void;

/**
 * The processing hooks Nest instrumentation (OpenTelemetry spans, request-scoped ALS) installs on
 * a transport server with `setOnProcessingStartHook` / `setOnProcessingEndHook` (Nest >= 11.1.4).
 * TripleServer keeps them here so a call pays nothing when none is installed. Each call's
 * handler runs inside the start hook's `done`; the end hook runs exactly once, when the call's
 * processing is over: the handler's value is ready, its Observable or AsyncIterable finished,
 * it threw, or the call was aborted (cancel, deadline, shutdown).
 */
export class ProcessingHooks {
  start: ProcessingStartHook | undefined;
  end: ProcessingEndHook | undefined;

  constructor(private readonly transportId: () => symbol) {}

  get installed(): boolean {
    return this.start !== undefined || this.end !== undefined;
  }

  /** Runs `invoke` between the hooks; `invoke` returns the handler's adapted output. */
  run(context: TripleContext, signal: AbortSignal, invoke: () => Promise<HandlerOutput>): Promise<HandlerOutput> {
    const id = this.transportId();
    let ended = false;
    const endOnce = (): void => {
      if (ended) return;
      ended = true;
      signal.removeEventListener('abort', endOnce);
      this.end?.(id, context);
    };
    signal.addEventListener('abort', endOnce, { once: true });
    const produce = async (): Promise<HandlerOutput> => {
      try {
        return attachEnd(await invoke(), endOnce);
      } catch (error) {
        endOnce();
        throw error;
      }
    };
    if (!this.start) return produce();
    const start = this.start;
    // The result is taken from `done` itself, so a start hook that does not return done()'s
    // promise (or returns something else) cannot lose the handler's output. done() rejects when
    // the handler throws, as in Nest, so a hook can record the error on its span; the rejection
    // is marked handled, so a hook that ignores it does not cause an unhandled rejection.
    return new Promise<HandlerOutput>((resolve, reject) => {
      const done = (): Promise<void> => {
        const produced = produce();
        produced.then(resolve, reject);
        const settled = produced.then(() => undefined);
        settled.catch(() => undefined);
        return settled;
      };
      try {
        const returned = start(id, context, done);
        if (isPromiseLike(returned)) returned.then(undefined, (e: unknown) => (endOnce(), reject(e)));
      } catch (error) {
        endOnce();
        reject(error);
      }
    });
  }
}

/** Runs `end` when the output is over, without changing what it delivers. */
function attachEnd(output: HandlerOutput, end: () => void): HandlerOutput {
  if (isObservable(output)) return output.pipe(finalize(end));
  if (isAsyncIterable(output)) return endWhenIterated(output, end);
  end();
  return output;
}

function endWhenIterated<T>(source: AsyncIterable<T>, end: () => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: (): AsyncIterator<T> => {
      const it = source[Symbol.asyncIterator]();
      const settle = async (step: Promise<IteratorResult<T>>): Promise<IteratorResult<T>> => {
        try {
          const result = await step;
          if (result.done) end();
          return result;
        } catch (error) {
          end();
          throw error;
        }
      };
      return {
        next: () => settle(it.next()),
        return: (value?: unknown) => {
          end();
          return it.return ? it.return(value) : Promise.resolve({ done: true, value: undefined as T });
        },
        throw: (error?: unknown) => {
          end();
          return it.throw ? it.throw(error) : Promise.reject(error);
        },
      };
    },
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
