import type { Observable, Unsubscribable } from 'rxjs';
import { Code } from '../../core/code.js';
import { TripleError } from '../../core/triple-error.js';

/** Options of {@link iterableFromObservable}. */
export interface IterableFromObservableOptions {
  /** Values that may wait for the consumer; one more is an overflow. */
  highWaterMark: number;
}

/**
 * Turns an Observable (a client's request stream, or a handler's pushed responses when a pull
 * consumer wants them) into the pull-based AsyncIterable the protocol layer writes from.
 *
 * Subscribes lazily, on the first `next()`, so nothing is produced for a call that never starts.
 * An Observable cannot be paused, so values the consumer has not taken yet are buffered, at most
 * `highWaterMark` of them. Overflow policy: one more value fails the stream - the Observable is
 * unsubscribed, the buffer dropped, and the next `next()` rejects with TripleError
 * RESOURCE_EXHAUSTED - rather than growing memory without bound (Nest issue #1434). A source
 * that must send faster than the peer reads should be an AsyncIterable instead.
 * A source error is raised after the values buffered before it; `return()` (a `break` out of
 * `for await`) unsubscribes. Each `[Symbol.asyncIterator]()` call subscribes anew (cold).
 */
export function iterableFromObservable<T>(source: Observable<T>, options: IterableFromObservableOptions): AsyncIterable<T> {
  const { highWaterMark } = options;
  if (!Number.isInteger(highWaterMark) || highWaterMark < 0) throw new RangeError(`highWaterMark must be an integer >= 0, got ${highWaterMark}`);
  return { [Symbol.asyncIterator]: () => new ObservableIterator(source, highWaterMark) };
}

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

class ObservableIterator<T> implements AsyncIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private subscription: Unsubscribable | undefined;
  private subscribed = false;
  /** Set once the source completed, errored or overflowed, or the consumer returned. */
  private end: { error?: unknown; failed: boolean } | undefined;

  constructor(private readonly source: Observable<T>, private readonly highWaterMark: number) {}

  next(): Promise<IteratorResult<T>> {
    if (!this.subscribed && !this.end) this.subscribe();
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.end) return this.end.failed ? Promise.reject(this.end.error) : Promise.resolve(done<T>());
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    if (!this.end) this.end = { failed: false };
    this.stop();
    for (const waiter of this.waiters.splice(0)) waiter.resolve(done<T>());
    return Promise.resolve(done<T>());
  }

  private subscribe(): void {
    this.subscribed = true;
    const subscription = this.source.subscribe({
      next: (value) => this.push(value),
      error: (error: unknown) => this.settle({ failed: true, error }),
      complete: () => this.settle({ failed: false }),
    });
    // The source may have ended (or overflowed) synchronously, inside subscribe().
    if (this.end) subscription.unsubscribe();
    else this.subscription = subscription;
  }

  private push(value: T): void {
    if (this.end) return;
    const waiter = this.waiters.shift();
    if (waiter) return waiter.resolve({ value, done: false });
    if (this.buffer.length < this.highWaterMark) {
      this.buffer.push(value);
      return;
    }
    this.buffer.length = 0;
    const error = new TripleError(
      Code.RESOURCE_EXHAUSTED,
      `client stream buffer overflow: more than ${this.highWaterMark} messages waiting to be sent`,
    );
    const subscription = this.subscription;
    this.settle({ failed: true, error });
    subscription?.unsubscribe();
  }

  private settle(end: { error?: unknown; failed: boolean }): void {
    if (this.end) return;
    this.end = end;
    this.subscription = undefined;
    // Waiters exist only while the buffer is empty, so nothing buffered is skipped here.
    for (const waiter of this.waiters.splice(0)) {
      if (end.failed) waiter.reject(end.error);
      else waiter.resolve(done<T>());
    }
  }

  private stop(): void {
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.unsubscribe();
  }
}

function done<T>(): IteratorResult<T> {
  return { value: undefined, done: true };
}
