import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lastValueFrom, take, toArray } from 'rxjs';
import type { MessageReceiver, PushedMessages } from '../../core/request-messages.js';
import type { TripleError } from '../../core/triple-error.js';
import { observableFromRequestStream } from './observable-from-iterable.js';

/** A controllable AsyncIterable that counts pulls, like the protocol's request reader. */
class Source<T> implements AsyncIterable<T> {
  pulls = 0;
  returned = 0;
  private readonly values: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private failWith: unknown;
  private ended = false;
  push(...values: T[]): void {
    for (const v of values) {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w({ value: v, done: false });
      } else this.values.push(v);
    }
  }
  end(): void {
    this.ended = true;
    this.waiting?.({ value: undefined, done: true });
  }
  fail(error: unknown): void {
    this.failWith = error;
    this.waiting?.(Promise.reject(error) as never);
  }
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        this.pulls++;
        if (this.values.length) return Promise.resolve({ value: this.values.shift()!, done: false });
        if (this.failWith) return Promise.reject(this.failWith);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting = (r) => (r instanceof Promise ? r.then(resolve, reject) : resolve(r));
        });
      },
      return: () => {
        this.returned++;
        this.waiting?.({ value: undefined, done: true });
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A source that pushes batches (like the server's RequestMessages) while not paused. */
class PushSource<T> implements PushedMessages<T> {
  receiving = 0;
  pauses = 0;
  cancelled = 0;
  private receiver: MessageReceiver<T> | undefined;
  private paused = false;
  private readonly batches: Array<T[] | undefined | Error> = [];
  add(batch: T[] | undefined | Error): void {
    this.batches.push(batch);
    this.flow();
  }
  receive(receiver: MessageReceiver<T>): void {
    this.receiving++;
    this.receiver = receiver;
    this.flow();
  }
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
    this.flow();
  }
  cancel(): void {
    this.cancelled++;
    this.receiver = undefined;
  }
  get waiting(): number {
    return this.batches.length;
  }
  private flow(): void {
    while (this.receiver && !this.paused && this.batches.length > 0) {
      const next = this.batches.shift();
      if (next instanceof Error) this.receiver.onError(next as TripleError);
      else if (next === undefined) this.receiver.onEnd();
      else this.receiver.onMessages(next);
    }
  }
  [Symbol.asyncIterator](): AsyncIterator<T> {
    throw new Error('a pushed source is read with receive()');
  }
}

describe('observableFromRequestStream', () => {
  test('reads ahead before anyone subscribes, then replays to the first subscriber', async () => {
    const source = new Source<number>();
    const stream$ = observableFromRequestStream(source, { maxPending: 10 });
    source.push(1, 2);
    await tick();
    assert.ok(source.pulls >= 3, 'reading started without a subscriber');
    const all = lastValueFrom(stream$.pipe(toArray()));
    source.push(3);
    source.end();
    assert.deepEqual(await all, [1, 2, 3]);
  });

  test('stops pulling at maxPending until a subscriber takes the messages', async () => {
    const source = new Source<number>();
    source.push(1, 2, 3, 4, 5);
    const stream$ = observableFromRequestStream(source, { maxPending: 2 });
    await tick();
    assert.equal(source.pulls, 2, 'paused after 2 buffered messages');
    const all = lastValueFrom(stream$.pipe(toArray()));
    source.end();
    assert.deepEqual(await all, [1, 2, 3, 4, 5]);
  });

  test('maxPending 0 reads nothing until subscribed', async () => {
    const source = new Source<number>();
    source.push(1);
    const stream$ = observableFromRequestStream(source, { maxPending: 0 });
    await tick();
    assert.equal(source.pulls, 0);
    source.end();
    assert.deepEqual(await lastValueFrom(stream$.pipe(toArray())), [1]);
  });

  test('delivers buffered messages, then an error that happened before subscribing', async () => {
    const source = new Source<number>();
    const boom = new Error('client cancelled');
    source.push(1);
    source.fail(boom);
    const stream$ = observableFromRequestStream(source, { maxPending: 5 });
    await tick();
    const seen: number[] = [];
    await assert.rejects(new Promise((resolve, reject) => stream$.subscribe({ next: (v) => seen.push(v), error: reject, complete: () => resolve(undefined) })), (e) => e === boom);
    assert.deepEqual(seen, [1]);
  });

  test('a live error reaches the subscriber', async () => {
    const source = new Source<number>();
    const stream$ = observableFromRequestStream(source, { maxPending: 5 });
    const result = lastValueFrom(stream$);
    source.push(1);
    await tick();
    source.fail(new Error('late'));
    await assert.rejects(result, /late/);
  });

  test('unsubscribing early returns the source iterator and stops reading', async () => {
    const source = new Source<number>();
    source.push(1, 2, 3);
    const stream$ = observableFromRequestStream(source, { maxPending: 1 });
    await tick();
    assert.deepEqual(await lastValueFrom(stream$.pipe(take(2), toArray())), [1, 2]);
    assert.equal(source.returned, 1);
    const pulls = source.pulls;
    source.push(4);
    await tick();
    assert.equal(source.pulls, pulls);
  });

  test('is single-subscriber', async () => {
    const source = new Source<number>();
    const stream$ = observableFromRequestStream(source, { maxPending: 1 });
    stream$.subscribe({ error: () => undefined });
    await assert.rejects(lastValueFrom(stream$), /only once/);
  });

  test('a pushed source: read ahead by whole batches up to maxPending, paused, then replayed in order', async () => {
    const source = new PushSource<number>();
    source.add([1, 2, 3]);
    source.add([4, 5]);
    source.add([6]);
    const stream$ = observableFromRequestStream(source, { maxPending: 4 });
    assert.equal(source.pauses, 1, 'paused once 5 >= maxPending messages wait');
    assert.equal(source.waiting, 1);
    const all = lastValueFrom(stream$.pipe(toArray()));
    source.add(undefined);
    assert.deepEqual(await all, [1, 2, 3, 4, 5, 6]);
    assert.equal(source.cancelled, 0);
  });

  test('a pushed source with maxPending 0 is not read until subscribed', async () => {
    const source = new PushSource<number>();
    source.add([1]);
    const stream$ = observableFromRequestStream(source, { maxPending: 0 });
    assert.equal(source.receiving, 0);
    const all = lastValueFrom(stream$.pipe(toArray()));
    source.add(undefined);
    assert.deepEqual(await all, [1]);
  });

  test('a pushed source: unsubscribing in the middle of a batch cancels it and delivers nothing more', async () => {
    const source = new PushSource<number>();
    source.add([1, 2, 3, 4]);
    const stream$ = observableFromRequestStream(source, { maxPending: 0 });
    assert.deepEqual(await lastValueFrom(stream$.pipe(take(2), toArray())), [1, 2]);
    assert.equal(source.cancelled, 1);
    source.add([5]);
    assert.equal(source.waiting, 1, 'nobody takes it');
  });

  test('a pushed source: an error after some batches reaches the subscriber after them', async () => {
    const source = new PushSource<number>();
    const stream$ = observableFromRequestStream(source, { maxPending: 8 });
    source.add([1, 2]);
    source.add(new Error('reset'));
    await tick();
    const seen: number[] = [];
    await assert.rejects(new Promise((resolve, reject) => stream$.subscribe({ next: (v) => seen.push(v), error: reject, complete: () => resolve(undefined) })), /reset/);
    assert.deepEqual(seen, [1, 2]);
  });

  test('validates maxPending', () => {
    assert.throws(() => observableFromRequestStream(new Source(), { maxPending: -1 }), RangeError);
  });
});
