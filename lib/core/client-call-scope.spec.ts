import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientCallScope } from './client-call-scope.js';
import { Code } from './code.js';
import { TripleError } from './triple-error.js';

const never = new AbortController().signal;

describe('ClientCallScope', () => {
  test('the deadline aborts with DEADLINE_EXCEEDED', async () => {
    const before = Date.now();
    const scope = new ClientCallScope(20, undefined, never);
    assert.ok(scope.deadline! >= before + 20);
    assert.equal(scope.signal.aborted, false);
    await new Promise((r) => scope.signal.addEventListener('abort', r));
    assert.ok(Date.now() >= before + 19);
    assert.equal(scope.reason?.code, Code.DEADLINE_EXCEEDED);
  });

  test('the caller signal aborts with CANCELLED, keeping a TripleError reason as is', () => {
    const caller = new AbortController();
    const scope = new ClientCallScope(undefined, caller.signal, never);
    caller.abort();
    assert.equal(scope.reason?.code, Code.CANCELLED);
    const own = new TripleError(Code.ABORTED, 'mine');
    const caller2 = new AbortController();
    caller2.abort(own);
    assert.equal(new ClientCallScope(undefined, caller2.signal, never).reason, own);
  });

  test('closing the transport aborts with CANCELLED; dispose() stops the timer', async () => {
    const close = new AbortController();
    const scope = new ClientCallScope(1000, undefined, close.signal);
    close.abort();
    assert.equal(scope.reason?.code, Code.CANCELLED);
    const quiet = new ClientCallScope(10, undefined, never);
    quiet.dispose();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(quiet.reason, undefined);
  });
});
