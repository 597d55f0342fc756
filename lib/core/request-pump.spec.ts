import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newAttemptState } from './client-attempt.js';
import type { ClientCall } from './client-call.js';
import { Code } from './code.js';
import { RequestPump } from './request-pump.js';
import { TripleError } from './triple-error.js';

/** An in-memory ClientCall recording writes; `drainAfter` simulates backpressure. */
function recordingCall(drainAfter = Infinity) {
  const log: string[] = [];
  let release: (() => void) | undefined;
  const call = {
    write(chunk: Uint8Array) {
      log.push(`write ${Buffer.from(chunk).toString()}`);
      if (log.filter((l) => l.startsWith('write')).length < drainAfter) return undefined;
      return new Promise<void>((r) => (release = r));
    },
    end() {
      log.push('end');
    },
    cancel(reason: TripleError) {
      log.push(`cancel ${reason.code}`);
    },
  } as unknown as ClientCall;
  return { call, log, drain: () => release?.() };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('RequestPump', () => {
  test('writes every message, then half-closes', async () => {
    const { call, log } = recordingCall();
    const state = newAttemptState();
    new RequestPump(call, (async function* () { yield 'a'; yield 'b'; })(), (m) => Buffer.from(m), state).start();
    await tick();
    await tick();
    assert.deepEqual(log, ['write a', 'write b', 'end']);
    assert.equal(state.requestsConsumed, true);
  });

  test('pulls the next message only after the transport drained', async () => {
    const { call, log, drain } = recordingCall(1);
    let pulled = 0;
    const source = (async function* () {
      for (const m of ['a', 'b', 'c']) {
        pulled++;
        yield m;
      }
    })();
    new RequestPump(call, source, (m) => Buffer.from(m), newAttemptState()).start();
    await tick();
    assert.equal(pulled, 1);
    assert.deepEqual(log, ['write a']);
    drain();
    await tick();
    await tick();
    assert.equal(pulled, 2);
  });

  test('a failing source or encoder cancels the call with the error', async () => {
    const { call, log } = recordingCall();
    new RequestPump(call, (async function* () { yield 'a'; throw new Error('source broke'); })(), (m) => Buffer.from(m), newAttemptState()).start();
    await tick();
    await tick();
    assert.deepEqual(log, ['write a', `cancel ${Code.CANCELLED}`]);
    const second = recordingCall();
    const tooBig = () => { throw new TripleError(Code.RESOURCE_EXHAUSTED, 'too big'); };
    new RequestPump(second.call, (async function* () { yield 'a'; })(), tooBig, newAttemptState()).start();
    await tick();
    assert.deepEqual(second.log, [`cancel ${Code.RESOURCE_EXHAUSTED}`]);
  });

  test('stop() returns the source so its finally runs', async () => {
    const { call } = recordingCall(1);
    let finalized = false;
    const source = (async function* () {
      try {
        for (;;) yield 'x';
      } finally {
        finalized = true;
      }
    })();
    const pump = new RequestPump(call, source, (m) => Buffer.from(m), newAttemptState());
    pump.start();
    await tick();
    pump.stop();
    await tick();
    await tick();
    assert.equal(finalized, true);
  });
});
