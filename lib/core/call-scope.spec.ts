import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CallScope } from './call-scope.js';
import { Code } from './code.js';
import type { CancelListener } from './server-call.js';
import { TripleError } from './triple-error.js';

/** The part of a ServerCall a scope uses: the cancel listener slot. */
class FakeCall {
  listener: CancelListener | undefined;
  setCancelListener(listener: CancelListener): void {
    this.listener = listener;
  }
  cancel(): void {
    this.listener?.onCallCancelled(new TripleError(Code.CANCELLED, 'the client cancelled the call'));
  }
}

class Target {
  readonly reasons: TripleError[] = [];
  finish(reason: TripleError): void {
    this.reasons.push(reason);
  }
}

describe('CallScope', () => {
  test('a client cancel aborts once, telling the target and the (lazily created) signal', () => {
    const call = new FakeCall();
    const target = new Target();
    const scope = new CallScope(call, new AbortController().signal, undefined, target);
    const signal = scope.signal;
    assert.equal(signal.aborted, false);
    call.cancel();
    call.cancel();
    assert.equal(scope.aborted, true);
    assert.equal(target.reasons.length, 1);
    assert.equal(target.reasons[0]!.code, Code.CANCELLED);
    assert.equal(signal.reason, target.reasons[0]);
  });

  test('a signal first read after the abort is already aborted with the reason', () => {
    const call = new FakeCall();
    const target = new Target();
    const scope = new CallScope(call, new AbortController().signal, undefined, target);
    call.cancel();
    assert.equal(scope.signal.aborted, true);
    assert.equal(scope.signal.reason, target.reasons[0]);
  });

  test('a cancel after the call ended OK still aborts its signal (the transport only reports it until the stream closes)', async () => {
    const call = new FakeCall();
    const target = new Target();
    const shutdown = new AbortController();
    const scope = new CallScope(call, shutdown.signal, 5, target);
    const signal = scope.signal;
    scope.end();
    shutdown.abort();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(scope.aborted, false, 'shutdown and deadline no longer apply to an answered call');
    call.cancel();
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as TripleError).code, Code.CANCELLED);
  });

  test('ending with an error aborts the signal with it', () => {
    const target = new Target();
    const scope = new CallScope(new FakeCall(), new AbortController().signal, undefined, target);
    const error = new TripleError(Code.INTERNAL, 'boom');
    scope.end(error);
    assert.equal(scope.signal.reason, error);
    assert.deepEqual(target.reasons, [error]);
  });

  test('one shutdown aborts every live scope with UNAVAILABLE, but not the ended ones', () => {
    const shutdown = new AbortController();
    const live = [new Target(), new Target()];
    const ended = new Target();
    for (const t of live) new CallScope(new FakeCall(), shutdown.signal, undefined, t);
    new CallScope(new FakeCall(), shutdown.signal, undefined, ended).end();
    shutdown.abort();
    for (const t of live) assert.deepEqual(t.reasons.map((r) => r.code), [Code.UNAVAILABLE]);
    assert.equal(ended.reasons.length, 0);
  });

  test('scopes ended in any order (first, last, middle) leave exactly the others to shutdown', () => {
    const shutdown = new AbortController();
    const targets = Array.from({ length: 50 }, () => new Target());
    const scopes = targets.map((t) => new CallScope(new FakeCall(), shutdown.signal, undefined, t));
    const ended = new Set([0, 49, 25, 24, 26, 1, 48, 10, 11, 12]);
    for (const i of ended) scopes[i]!.end();
    scopes[30]!.abort(new TripleError(Code.INTERNAL, 'failed on its own'));
    shutdown.abort();
    targets.forEach((t, i) => {
      const expected = ended.has(i) ? [] : i === 30 ? [Code.INTERNAL] : [Code.UNAVAILABLE];
      assert.deepEqual(t.reasons.map((r) => r.code), expected, `scope ${i}`);
    });
  });

  test('a scope created after shutdown aborts from a microtask', async () => {
    const shutdown = new AbortController();
    shutdown.abort();
    const target = new Target();
    const scope = new CallScope(new FakeCall(), shutdown.signal, undefined, target);
    assert.equal(scope.aborted, false);
    await Promise.resolve();
    assert.deepEqual(target.reasons.map((r) => r.code), [Code.UNAVAILABLE]);
  });

  test('the deadline aborts with DEADLINE_EXCEEDED; ending first clears it', async () => {
    const before = Date.now();
    const target = new Target();
    const scope = new CallScope(new FakeCall(), new AbortController().signal, 15, target);
    assert.ok(scope.deadline! >= before + 15);
    const cleared = new Target();
    new CallScope(new FakeCall(), new AbortController().signal, 15, cleared).end();
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(target.reasons.map((r) => r.code), [Code.DEADLINE_EXCEEDED]);
    assert.equal(cleared.reasons.length, 0);
  });
});
