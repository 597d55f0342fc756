import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isObservable, lastValueFrom, Observable, of, throwError, toArray } from 'rxjs';
import { toHandlerOutput } from './to-handler-output.js';

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

  test('an async generator wrapped by an interceptor stays an Observable emitting it (the core streams its values)', () => {
    const wrapped = of(count(2));
    assert.equal(toHandlerOutput(wrapped), wrapped);
  });

  test('errors pass through unmapped', async () => {
    const boom = { code: 5 };
    await assert.rejects(lastValueFrom(toHandlerOutput(throwError(() => boom)) as Observable<unknown>), (e) => e === boom);
  });
});
