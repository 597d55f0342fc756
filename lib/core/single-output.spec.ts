import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveSingleOutput } from './single-output.js';

/** A Subscribable emitting `values` synchronously, then completing; counts unsubscribes. */
function emitting(...values: unknown[]): { subscribe(o: { next(v: unknown): void; complete(): void }): { unsubscribe(): void }; unsubscribed: number } {
  const source = {
    unsubscribed: 0,
    subscribe(observer: { next(v: unknown): void; complete(): void }) {
      for (const v of values) observer.next(v);
      observer.complete();
      return { unsubscribe: () => void source.unsubscribed++ };
    },
  };
  return source;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function* generate(log: string[], ...values: string[]): AsyncGenerator<string> {
  try {
    yield* values;
  } finally {
    log.push('finally');
  }
}

describe('resolveSingleOutput', () => {
  test('a plain value, the first value of an Observable or AsyncIterable, undefined for an empty one', async () => {
    const signal = new AbortController().signal;
    assert.deepEqual(resolveSingleOutput({ a: 1 }, signal), { a: 1 });
    const source = emitting('x', 'y');
    assert.equal(await resolveSingleOutput(source, signal), 'x');
    assert.equal(source.unsubscribed, 1);
    const log: string[] = [];
    assert.equal(await resolveSingleOutput(generate(log, 'g1', 'g2'), signal), 'g1');
    await tick();
    assert.deepEqual(log, ['finally'], 'the iterable was returned');
    assert.equal(await resolveSingleOutput(emitting(), signal), undefined);
  });

  test('an Observable emitting an AsyncIterable (a Nest interceptor wrap) resolves to the iterable\'s first value', async () => {
    const log: string[] = [];
    assert.equal(await resolveSingleOutput(emitting(generate(log, 'first', 'second')), new AbortController().signal), 'first');
    await tick();
    assert.deepEqual(log, ['finally']);
  });
});
