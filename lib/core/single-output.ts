import { Code } from './code.js';
import type { HandlerOutput } from './method-handler.js';
import { isAsyncIterable, isEmittedIterable, isSubscribable } from './subscribable.js';
import { TripleError } from './triple-error.js';

/**
 * Resolves the one response of a unary or client-streaming handler: the plain value, or the
 * first value of an Observable / AsyncIterable (the source is then unsubscribed / returned, so
 * a handler that keeps emitting is stopped). An AsyncIterable an Observable emits stands for
 * its values (see isEmittedIterable). A stream that completes empty yields undefined,
 * which encodes as the default message — what a `Promise<void>` handler for Empty means.
 * Rejects with the stream's error, or with the signal's reason when the call is aborted.
 */
export function resolveSingleOutput(output: HandlerOutput, signal: AbortSignal): Promise<unknown> | unknown {
  if (isSubscribable(output)) return firstOfSubscribable(output, signal);
  if (isAsyncIterable(output)) return firstOfIterable(output, signal);
  return output;
}

function firstOfSubscribable(source: { subscribe: Function }, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let done = false;
    let subscription: { unsubscribe(): void } | undefined;
    const settle = (fn: () => void): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      fn();
      subscription?.unsubscribe();
    };
    const onAbort = (): void => settle(() => reject(signal.reason));
    signal.addEventListener('abort', onAbort);
    const sub: { unsubscribe(): void } = source.subscribe({
      next: (value: unknown) => settle(() => resolve(isEmittedIterable(value) ? firstOfIterable(value, signal) : value)),
      error: (err: unknown) => settle(() => reject(err)),
      complete: () => settle(() => resolve(undefined)),
    });
    subscription = sub;
    if (done) sub.unsubscribe();
  });
}

async function firstOfIterable(source: AsyncIterable<unknown>, signal: AbortSignal): Promise<unknown> {
  const iterator = source[Symbol.asyncIterator]();
  const onAbort = (): void => void iterator.return?.()?.catch(() => undefined);
  signal.addEventListener('abort', onAbort);
  try {
    const first = await iterator.next();
    if (signal.aborted) throw signal.reason ?? new TripleError(Code.CANCELLED, 'call aborted');
    return first.done ? undefined : first.value;
  } finally {
    signal.removeEventListener('abort', onAbort);
    void iterator.return?.()?.catch(() => undefined);
  }
}
