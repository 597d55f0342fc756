import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runAfterHooks, runBeforeHooks, type ClientInterceptor, type ClientInterceptorContext } from './client-interceptor.js';
import { Metadata } from './metadata.js';
import type { MethodDescriptor } from './method-descriptor.js';

function context(): ClientInterceptorContext {
  return { method: { name: 'Echo' } as MethodDescriptor, metadata: new Metadata(), options: { timeoutMs: undefined, serviceKey: {} }, request: {}, state: new Map() };
}

describe('client interceptors', () => {
  test('before runs in order and may await; after runs in reverse', async () => {
    const order: string[] = [];
    const make = (name: string): ClientInterceptor => ({
      async before(ctx) {
        await new Promise((r) => setTimeout(r, 1));
        order.push(`before ${name}`);
        ctx.metadata.add('x-seen', name);
      },
      after() {
        order.push(`after ${name}`);
      },
    });
    const ctx = context();
    const interceptors = [make('a'), make('b')];
    await runBeforeHooks(interceptors, ctx);
    runAfterHooks(interceptors, ctx, { error: undefined, header: undefined, trailer: undefined, response: undefined, attempts: 1 });
    assert.deepEqual(order, ['before a', 'before b', 'after b', 'after a']);
    assert.deepEqual(ctx.metadata.getAll('x-seen'), ['a', 'b']);
  });

  test('a throwing before stops the chain; a throwing after is isolated', async () => {
    const seen: string[] = [];
    await assert.rejects(runBeforeHooks([{ before: () => { throw new Error('no'); } }, { before: () => void seen.push('second') }], context()), /no/);
    assert.equal(seen.length, 0);
    runAfterHooks([{ after: () => void seen.push('first') }, { after: () => { throw new Error('boom'); } }], context(),
      { error: undefined, header: undefined, trailer: undefined, response: undefined, attempts: 1 });
    assert.deepEqual(seen, ['first']);
  });
});
