import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { of, toArray, lastValueFrom, type Observable } from 'rxjs';
import type { TripleContext } from '../ctx-host/triple.context.js';
import { ProcessingHooks } from './processing-hooks.js';

const ID = Symbol('test-transport');
const context = {} as TripleContext;

function hooks(): { hooks: ProcessingHooks; log: string[] } {
  const log: string[] = [];
  const h = new ProcessingHooks(() => ID);
  h.start = (id, _ctx, done) => {
    log.push(id === ID ? 'start' : 'start:wrong-id');
    return done().then(() => log.push('done-resolved'), () => log.push('done-rejected'));
  };
  h.end = () => log.push('end');
  return { hooks: h, log };
}

describe('ProcessingHooks', () => {
  test('not installed until a hook is set', () => {
    const h = new ProcessingHooks(() => ID);
    assert.equal(h.installed, false);
    h.end = () => undefined;
    assert.equal(h.installed, true);
  });

  test('a plain value ends processing as soon as it is ready', async () => {
    const { hooks: h, log } = hooks();
    assert.equal(await h.run(context, new AbortController().signal, async () => 42), 42);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(log, ['start', 'end', 'done-resolved']);
  });

  test('an Observable ends processing when it completes', async () => {
    const { hooks: h, log } = hooks();
    const out = (await h.run(context, new AbortController().signal, async () => of(1, 2))) as Observable<number>;
    assert.deepEqual(log, ['start']);
    assert.deepEqual(await lastValueFrom(out.pipe(toArray())), [1, 2]);
    assert.deepEqual(log.filter((e) => e === 'end'), ['end']);
  });

  test('an AsyncIterable ends processing when exhausted, or when return() is called before', async () => {
    const { hooks: h, log } = hooks();
    async function* gen(): AsyncGenerator<number> {
      yield 1;
      yield 2;
    }
    const out = (await h.run(context, new AbortController().signal, async () => gen())) as AsyncIterable<number>;
    const seen: number[] = [];
    for await (const v of out) seen.push(v);
    assert.deepEqual(seen, [1, 2]);
    assert.equal(log.filter((e) => e === 'end').length, 1);

    const second = hooks();
    const early = (await second.hooks.run(context, new AbortController().signal, async () => gen())) as AsyncIterable<number>;
    const it = early[Symbol.asyncIterator]();
    await it.next();
    await it.return!();
    assert.equal(second.log.filter((e) => e === 'end').length, 1);
  });

  test('a rejecting handler: done() rejects for the hook, end runs once, the call rejects', async () => {
    const { hooks: h, log } = hooks();
    await assert.rejects(h.run(context, new AbortController().signal, async () => Promise.reject(new Error('boom'))), /boom/);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(log, ['start', 'end', 'done-rejected']);
  });

  test('an abort ends processing once, even if the output finishes later', async () => {
    const { hooks: h, log } = hooks();
    const abort = new AbortController();
    const out = (await h.run(context, abort.signal, async () => of('late'))) as Observable<string>;
    abort.abort();
    await lastValueFrom(out);
    assert.equal(log.filter((e) => e === 'end').length, 1);
  });

  test('a start hook that throws fails the call and still ends processing', async () => {
    const h = new ProcessingHooks(() => ID);
    const log: string[] = [];
    h.start = () => {
      throw new Error('hook broke');
    };
    h.end = () => log.push('end');
    await assert.rejects(h.run(context, new AbortController().signal, async () => 1), /hook broke/);
    assert.deepEqual(log, ['end']);
  });
});
