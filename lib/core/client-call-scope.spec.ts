import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CancelSource } from './call-cancel.js';
import { ClientCallScope } from './client-call-scope.js';
import { Code } from './code.js';
import { TripleError } from './triple-error.js';

const never = new CancelSource();

function cancelled(scope: ClientCallScope): Promise<TripleError> {
  return new Promise((resolve) => scope.subscribe({ cancel: resolve }));
}

describe('ClientCallScope', () => {
  test('the deadline cancels with DEADLINE_EXCEEDED', async () => {
    const before = Date.now();
    const scope = new ClientCallScope(20, {}, never);
    assert.ok(scope.deadline! >= before + 20);
    assert.equal(scope.reason, undefined);
    const reason = await cancelled(scope);
    assert.ok(Date.now() >= before + 19);
    assert.equal(reason.code, Code.DEADLINE_EXCEEDED);
    assert.equal(scope.reason, reason);
  });

  test('the caller signal cancels with CANCELLED, keeping a TripleError reason as is', () => {
    const caller = new AbortController();
    const scope = new ClientCallScope(undefined, { signal: caller.signal }, never);
    caller.abort();
    assert.equal(scope.reason?.code, Code.CANCELLED);
    const own = new TripleError(Code.ABORTED, 'mine');
    const caller2 = new AbortController();
    caller2.abort(own);
    assert.equal(new ClientCallScope(undefined, { signal: caller2.signal }, never).reason, own);
  });

  test('the caller CancelSignal is preferred over its signal, and passes its reason through', () => {
    const cancel = new CancelSource();
    const signal = new AbortController();
    const scope = new ClientCallScope(undefined, { cancel, signal: signal.signal }, never);
    signal.abort();
    assert.equal(scope.reason, undefined, 'the signal is ignored when a CancelSignal is given');
    const reason = new TripleError(Code.CANCELLED, 'unsubscribed');
    cancel.cancel(reason);
    assert.equal(scope.reason, reason);
    const early = new CancelSource();
    early.cancel(reason);
    assert.equal(new ClientCallScope(undefined, { cancel: early }, never).reason, reason);
  });

  test('closing the transport cancels with its reason; dispose() stops the timer and unsubscribes', async () => {
    const close = new CancelSource();
    const scope = new ClientCallScope(1000, {}, close);
    const quiet = new ClientCallScope(10, {}, close);
    quiet.dispose();
    const reason = new TripleError(Code.CANCELLED, 'the client transport was closed');
    close.cancel(reason);
    assert.equal(scope.reason, reason);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(quiet.reason, undefined);
    assert.equal(new ClientCallScope(undefined, {}, close).reason, reason, 'a scope made after close starts cancelled');
  });

  test('cancel reaches every subscriber once; the mirrored AbortSignal follows', () => {
    const source = new CancelSource();
    const seen: string[] = [];
    const a = { cancel: () => seen.push('a') };
    const b = { cancel: () => seen.push('b') };
    const c = { cancel: () => seen.push('c') };
    source.subscribe(a);
    source.subscribe(a);
    source.subscribe(b);
    source.subscribe(c);
    source.unsubscribe(b);
    const signal = source.signal;
    assert.equal(signal.aborted, false);
    const reason = new TripleError(Code.CANCELLED, 'x');
    source.cancel(reason);
    source.cancel(new TripleError(Code.ABORTED, 'second'));
    assert.deepEqual(seen.sort(), ['a', 'c']);
    assert.equal(signal.aborted, true);
    assert.equal(signal.reason, reason);
    const late = new CancelSource();
    late.cancel(reason);
    assert.equal(late.signal.aborted, true, 'a signal read after the cancel starts aborted');
  });
});
