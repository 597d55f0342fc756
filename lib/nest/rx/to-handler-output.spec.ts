import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isObservable, lastValueFrom, Observable, of, Subject, take, throwError, toArray } from 'rxjs';
import { flattenAsyncIterables, toHandlerOutput } from './to-handler-output.js';

async function* count(n: number, log: string[] = []): AsyncGenerator<number> {
  try {
    for (let i = 0; i < n; i++) yield i;
  } finally {
    log.push('finally');
  }
}

describe('toHandlerOutput', () => {
  test('plain values, AsyncIterables and Promises', async () => {
    assert.deepEqual(toHandlerOutput({ a: 1 }), { a: 1 });
    assert.equal(toHandlerOutput(undefined), undefined);
    const gen = count(2);
    assert.equal(toHandlerOutput(gen), gen);
    assert.deepEqual(await toHandlerOutput(Promise.resolve({ b: 2 })), { b: 2 });
    assert.equal(await toHandlerOutput(Promise.resolve(gen)), gen);
    const fromPromise = await toHandlerOutput(Promise.resolve(of(5)));
    assert.ok(isObservable(fromPromise));
  });

  test('an Observable stays lazy: nothing runs until the core subscribes', async () => {
    let subscribed = 0;
    const source = new Observable<number>((s) => {
      subscribed++;
      s.next(1);
      s.complete();
    });
    const out = toHandlerOutput(source);
    assert.ok(isObservable(out));
    assert.equal(subscribed, 0);
    assert.deepEqual(await lastValueFrom((out as Observable<unknown>).pipe(toArray())), [1]);
    assert.equal(subscribed, 1);
  });

  test('an async generator wrapped by an interceptor is flattened', async () => {
    const out = toHandlerOutput(of(count(2))) as Observable<unknown>;
    assert.deepEqual(await lastValueFrom(out.pipe(toArray())), [0, 1]);
  });

  test('errors pass through unmapped', async () => {
    const boom = { code: 5 };
    await assert.rejects(lastValueFrom(toHandlerOutput(throwError(() => boom)) as Observable<unknown>), (e) => e === boom);
  });
});

describe('flattenAsyncIterables', () => {
  test('an Observable emitting an async generator (Nest interceptor wrap) yields its values', async () => {
    const out = flattenAsyncIterables(of(count(3)));
    assert.deepEqual(await lastValueFrom(out.pipe(toArray())), [0, 1, 2]);
  });

  test('keeps order between iterables and plain values, completes after the last iterable', async () => {
    const subject = new Subject<unknown>();
    const result = lastValueFrom(flattenAsyncIterables(subject).pipe(toArray()));
    subject.next('a');
    subject.next(count(2));
    subject.next('b');
    subject.complete();
    assert.deepEqual(await result, ['a', 0, 1, 'b']);
  });

  test('unsubscribing returns the iterator', async () => {
    const log: string[] = [];
    const values = await lastValueFrom(flattenAsyncIterables(of(count(100, log))).pipe(take(2), toArray()));
    assert.deepEqual(values, [0, 1]);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(log, ['finally']);
  });

  test('an iterable that throws errors the Observable', async () => {
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      throw new Error('gen failed');
    }
    const seen: unknown[] = [];
    await assert.rejects(lastValueFrom(flattenAsyncIterables(of(failing())).pipe()).then(() => undefined, (e) => {
      seen.push(e);
      throw e;
    }), /gen failed/);
    assert.equal(seen.length, 1);
  });
});
