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
