import { isObservable, Observable, type Subscriber, type Unsubscribable } from 'rxjs';
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
  return new FlattenedObservable(source);
}

/**
 * An Observable subclass (as RxJS's own Subject is) rather than `new Observable(fn)` with
 * closures: every streamed response passes through here, and a stream held open for hours
 * should cost a few small objects, not a closure per callback.
 */
class FlattenedObservable extends Observable<unknown> {
  constructor(private readonly flattenedSource: Observable<unknown>) {
    super();
  }

  /** Called by RxJS for every subscriber (Observable#_trySubscribe). */
  protected _subscribe(subscriber: Subscriber<unknown>): Unsubscribable {
    return new Flattening(subscriber).start(this.flattenedSource);
  }
}

/**
 * One subscription of a FlattenedObservable: the source's observer and the teardown in one
 * object. (No `closed`/`add`/`remove` members: RxJS would take an object with those for a
 * Subscriber.)
 */
class Flattening {
  private queue: unknown[] | undefined;
  private draining = false;
  private sourceDone = false;
  private iterator: AsyncIterator<unknown> | undefined;
  private subscription: Unsubscribable | undefined;

  constructor(private readonly subscriber: Subscriber<unknown>) {}

  start(source: Observable<unknown>): Unsubscribable {
    this.subscription = source.subscribe(this);
    return this;
  }

  next(value: unknown): void {
    if (!this.draining && !this.queue?.length && !(isAsyncIterable(value) && !isObservable(value))) {
      this.subscriber.next(value);
      return;
    }
    (this.queue ??= []).push(value);
    if (!this.draining) void this.drain();
  }

  error(error: unknown): void {
    this.subscriber.error(error);
  }

  complete(): void {
    this.sourceDone = true;
    if (!this.draining && !this.queue?.length) this.subscriber.complete();
  }

  /** Teardown: stops the source and the iterable being drained. */
  unsubscribe(): void {
    this.subscription?.unsubscribe();
    if (this.queue) this.queue.length = 0;
    const active = this.iterator;
    this.iterator = undefined;
    if (active) {
      void Promise.resolve()
        .then(() => active.return?.())
        .catch(() => undefined);
    }
  }

  private async drain(): Promise<void> {
    const subscriber = this.subscriber;
    const queue = this.queue!;
    this.draining = true;
    try {
      while (queue.length > 0 && !subscriber.closed) {
        const item = queue.shift();
        if (!isAsyncIterable(item) || isObservable(item)) {
          subscriber.next(item);
          continue;
        }
        const iterator = (this.iterator = item[Symbol.asyncIterator]());
        for (;;) {
          const step = await iterator.next();
          if (subscriber.closed || step.done) break;
          subscriber.next(step.value);
        }
        this.iterator = undefined;
      }
    } catch (error) {
      this.iterator = undefined;
      subscriber.error(error);
      return;
    } finally {
      this.draining = false;
    }
    if (this.sourceDone && queue.length === 0) subscriber.complete();
  }
}
