import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CallScope } from './call-scope.js';
import { Code } from './code.js';
import { TripleError } from './triple-error.js';

describe('CallScope', () => {
  test('deadline, client cancel and shutdown each abort once, with the matching code', async () => {
    const reasons: number[] = [];
    const scope = new CallScope(new AbortController().signal, new AbortController().signal, 5, (r) => reasons.push(r.code));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal((scope.signal.reason as TripleError).code, Code.DEADLINE_EXCEEDED);
    const client = new AbortController();
    const shutdown = new AbortController();
    const second = new CallScope(client.signal, shutdown.signal, undefined, (r) => reasons.push(r.code));
    shutdown.abort();
    client.abort(new TripleError(Code.CANCELLED, 'gone'));
    assert.equal((second.signal.reason as TripleError).code, Code.UNAVAILABLE, 'first cause wins');
    assert.deepEqual(reasons, [Code.DEADLINE_EXCEEDED, Code.UNAVAILABLE]);
  });

  test('after dispose, shutdown and the deadline no longer abort, but a late client cancel still does', async () => {
    const client = new AbortController();
    const shutdown = new AbortController();
    const reasons: number[] = [];
    const scope = new CallScope(client.signal, shutdown.signal, 10, (r) => reasons.push(r.code));
    scope.dispose();
    shutdown.abort();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(scope.aborted, false, 'the call had its status: shutdown and deadline are moot');
    client.abort(new TripleError(Code.CANCELLED, 'reset after the answer'));
    assert.equal((scope.signal.reason as TripleError).code, Code.CANCELLED);
    assert.deepEqual(reasons, [Code.CANCELLED]);
  });

  test('a signal already aborted when the call starts aborts it on the next microtask', async () => {
    const client = new AbortController();
    client.abort(new TripleError(Code.CANCELLED, 'early'));
    const scope = new CallScope(client.signal, new AbortController().signal, undefined, () => undefined);
    assert.equal(scope.aborted, false);
    await Promise.resolve();
    assert.equal(scope.aborted, true);
  });
});
