import { isObservable, Observable } from 'rxjs';
import type { HandlerOutput } from '../../core/method-handler.js';
import { isAsyncIterable, isThenable } from '../../core/subscribable.js';

/**
 * Adapts what a Nest handler proxy resolved to into the core HandlerOutput, without subscribing
 * or pulling anything (the protocol layer does that, and stops it when the call is aborted):
 * - an Observable stays an Observable (the core pushes it and unsubscribes on abort);
 * - an AsyncIterable (e.g. an `async *` handler) stays one, so the core pulls it only as fast as
 *   the client reads;
 * - a Promise (thenable) is awaited and its value adapted the same way;
 * - anything else is the response value.
 *
 * With an interceptor or a pre-request hook in the chain, Nest wraps the handler's return in an
 * Observable of that value, so an `async *` handler arrives as an Observable *emitting* the
 * AsyncIterable. Such Observables are flattened: an emitted AsyncIterable is iterated and its
 * values emitted in order (before anything the source emits after it). That path is pushed, so
 * it is paced by the core's buffered-bytes limit rather than by the client; the Observable's
 * teardown calls the iterator's `return()`.
 * Errors are passed through unmapped (the server maps them).
 */
export function toHandlerOutput(result: unknown): HandlerOutput | Promise<HandlerOutput> {
  if (isObservable(result)) return flattenAsyncIterables(result);
  if (isAsyncIterable(result)) return result;
  if (isThenable(result)) return Promise.resolve(result).then(toHandlerOutput);
  return result;
}

/**
 * `source` with every emitted AsyncIterable replaced by its values (concat order). Plain values
 * pass straight through when no iterable is being drained, so ordinary Observables pay only one
 * extra function call per value.
 */
export function flattenAsyncIterables(source: Observable<unknown>): Observable<unknown> {
  return new Observable<unknown>((subscriber) => {
    const queue: unknown[] = [];
    let draining = false;
    let sourceDone = false;
    let iterator: AsyncIterator<unknown> | undefined;

    const drain = async (): Promise<void> => {
      draining = true;
      try {
        while (queue.length > 0 && !subscriber.closed) {
          const item = queue.shift();
          if (!isAsyncIterable(item) || isObservable(item)) {
            subscriber.next(item);
            continue;
          }
          iterator = item[Symbol.asyncIterator]();
          for (;;) {
            const step = await iterator.next();
            if (subscriber.closed || step.done) break;
            subscriber.next(step.value);
          }
          iterator = undefined;
        }
      } catch (error) {
        iterator = undefined;
        subscriber.error(error);
        return;
      } finally {
        draining = false;
      }
      if (sourceDone && queue.length === 0) subscriber.complete();
    };

    const subscription = source.subscribe({
      next: (value) => {
        if (!draining && queue.length === 0 && !(isAsyncIterable(value) && !isObservable(value))) {
          subscriber.next(value);
          return;
        }
        queue.push(value);
        if (!draining) void drain();
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => {
        sourceDone = true;
        if (!draining && queue.length === 0) subscriber.complete();
      },
    });

    return () => {
      subscription.unsubscribe();
      queue.length = 0;
      const active = iterator;
      iterator = undefined;
      void Promise.resolve()
        .then(() => active?.return?.())
        .catch(() => undefined);
    };
  });
}
