import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Observable, of, Subject, throwError, concat } from 'rxjs';
import { Code } from '../../core/code.js';
import { TripleError } from '../../core/triple-error.js';
import { iterableFromObservable } from './iterable-from-observable.js';

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of source) out.push(v);
  return out;
}

describe('iterableFromObservable', () => {
  test('subscribes lazily, on the first next()', async () => {
    let subscriptions = 0;
    const source = new Observable<number>((s) => {
      subscriptions++;
      s.next(1);
      s.next(2);
      s.complete();
    });
    const iterable = iterableFromObservable(source, { highWaterMark: 8 });
    const iterator = iterable[Symbol.asyncIterator]();
    assert.equal(subscriptions, 0);
    assert.deepEqual(await iterator.next(), { value: 1, done: false });
    assert.equal(subscriptions, 1);
    assert.deepEqual(await collect(iterable), [1, 2]);
  });

  test('hands values to waiting consumers without buffering', async () => {
    const subject = new Subject<number>();
    const iterator = iterableFromObservable(subject, { highWaterMark: 0 })[Symbol.asyncIterator]();
    const first = iterator.next();
    subject.next(7);
    assert.deepEqual(await first, { value: 7, done: false });
    const second = iterator.next();
    subject.complete();
    assert.deepEqual(await second, { value: undefined, done: true });
  });

  test('raises a source error after the values before it', async () => {
    const iterable = iterableFromObservable(concat(of(1, 2), throwError(() => new Error('src'))), { highWaterMark: 4 });
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const v of iterable) seen.push(v);
    }, /src/);
    assert.deepEqual(seen, [1, 2]);
  });

  test('overflow beyond highWaterMark fails with RESOURCE_EXHAUSTED and unsubscribes', async () => {
    let unsubscribed = false;
    const subject = new Subject<number>();
    const source = new Observable<number>((s) => {
      const sub = subject.subscribe(s);
      return () => {
        unsubscribed = true;
        sub.unsubscribe();
      };
    });
    const iterator = iterableFromObservable(source, { highWaterMark: 2 })[Symbol.asyncIterator]();
    const first = iterator.next();
    subject.next(0);
    assert.deepEqual(await first, { value: 0, done: false });
    subject.next(1);
    subject.next(2);
    assert.equal(unsubscribed, false);
    subject.next(3);
    assert.equal(unsubscribed, true);
    await assert.rejects(iterator.next(), (e) => e instanceof TripleError && e.code === Code.RESOURCE_EXHAUSTED && /overflow/.test(e.rawMessage));
  });

  test('overflow during a synchronous subscribe also unsubscribes', async () => {
    let unsubscribed = false;
    const source = new Observable<number>((s) => {
      for (let i = 0; i < 5; i++) s.next(i);
      return () => {
        unsubscribed = true;
      };
    });
    const iterator = iterableFromObservable(source, { highWaterMark: 2 })[Symbol.asyncIterator]();
    await assert.rejects(iterator.next(), (e) => e instanceof TripleError && e.code === Code.RESOURCE_EXHAUSTED);
    assert.equal(unsubscribed, true);
  });

  test('return() (break) unsubscribes and ends pending reads', async () => {
    let unsubscribed = false;
    const subject = new Subject<number>();
    const source = new Observable<number>((s) => {
      const sub = subject.subscribe(s);
      return () => {
        unsubscribed = true;
        sub.unsubscribe();
      };
    });
    const iterator = iterableFromObservable(source, { highWaterMark: 4 })[Symbol.asyncIterator]();
    const first = iterator.next();
    subject.next(1);
    assert.deepEqual(await first, { value: 1, done: false });
    const waiting = iterator.next();
    assert.deepEqual(await iterator.return!(), { value: undefined, done: true });
    assert.equal(unsubscribed, true);
    assert.deepEqual(await waiting, { value: undefined, done: true });
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
    subject.next(2);
  });

  test('validates highWaterMark', () => {
    assert.throws(() => iterableFromObservable(of(1), { highWaterMark: -1 }), RangeError);
  });
});
