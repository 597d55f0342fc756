/**
 * The subset of an RxJS Observable the protocol layer consumes. Declared structurally so core
 * never imports rxjs: any Observable satisfies it.
 */
export interface Subscribable<T> {
  subscribe(observer: {
    next: (value: T) => void;
    error: (err: unknown) => void;
    complete: () => void;
  }): { unsubscribe(): void };
}

export function isSubscribable<T = unknown>(value: unknown): value is Subscribable<T> {
  return typeof value === 'object' && value !== null && typeof (value as Subscribable<T>).subscribe === 'function';
}

export function isAsyncIterable<T = unknown>(value: unknown): value is AsyncIterable<T> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

/**
 * An AsyncIterable emitted by an Observable as one of its values (a Nest interceptor wraps an
 * `async *` handler's generator that way): it stands for its values. Not an Observable that
 * also happens to be async-iterable.
 */
export function isEmittedIterable(value: unknown): value is AsyncIterable<unknown> {
  return isAsyncIterable(value) && !isSubscribable(value);
}

/** A Promise or any object with a `then` method, as `await` treats it. */
export function isThenable<T = unknown>(value: unknown): value is PromiseLike<T> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<T>).then === 'function';
}
