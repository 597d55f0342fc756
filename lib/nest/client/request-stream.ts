import { isObservable, type Observable } from 'rxjs';
import { isAsyncIterable } from '../../core/subscribable.js';
import { iterableFromObservable } from '../rx/iterable-from-observable.js';

/**
 * The request messages of a client-streaming or bidi call:
 * - an Observable, buffered up to the client's `maxBufferedRequests` while the network is
 *   slower than the Observable (an Observable cannot be paused);
 * - an AsyncIterable (e.g. an `async *` generator), pulled only as fast as HTTP/2 flow control
 *   lets the call send - the way to stream more than fits in memory;
 * - an Iterable such as an array, pulled the same way.
 */
export type RequestStream<T> = Observable<T> | AsyncIterable<T> | Iterable<T>;

/** True for the three forms of {@link RequestStream} (strings excluded). */
export function isRequestStream(value: unknown): value is RequestStream<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  return isObservable(value) || isAsyncIterable(value) || typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/**
 * The pull-based form the transport writes from. The Observable is subscribed only when the
 * transport asks for the first message, once per call, so a cold request Observable starts with
 * the call and is unsubscribed when the call ends early.
 */
export function toRequestIterable<T>(requests: RequestStream<T>, highWaterMark: number): AsyncIterable<T> {
  if (isObservable(requests)) return iterableFromObservable(requests as Observable<T>, { highWaterMark });
  if (isAsyncIterable<T>(requests)) return requests;
  const iterable = requests as Iterable<T>;
  return {
    [Symbol.asyncIterator]: () => {
      const iterator = iterable[Symbol.iterator]();
      return {
        next: async () => iterator.next(),
        return: async () => {
          iterator.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/** For a method whose requests are a stream: the argument checked, with a message naming the method. */
export function checkRequestStream<T>(value: unknown, methodPath: string): RequestStream<T> {
  if (!isRequestStream(value)) {
    throw new TypeError(`TripleClient: ${methodPath} streams its requests; pass an Observable, an AsyncIterable or an array of messages`);
  }
  return value as RequestStream<T>;
}
