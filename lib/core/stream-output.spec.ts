import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CallScope } from './call-scope.js';
import type { CancelListener } from './server-call.js';
import { sendStreamOutput, type StreamResponder } from './stream-output.js';
import { Code } from './code.js';
import { TripleError } from './triple-error.js';

/**
 * A responder whose transport takes pushed bytes only when `drain()` is called: `flushed()`
 * stays pending until then (a client that does not read).
 */
class HeldResponder implements StreamResponder {
  readonly pushed: string[] = [];
  readonly sent: string[] = [];
  flushes = 0;
  bufferedBytes = 0;
  isFinished = false;
  status: TripleError | 'ok' | undefined;
  private queued: string[] = [];
  private waiters: Array<() => void> = [];

  constructor(private readonly autoDrain: boolean) {}

  send(): Promise<void> {
    throw new Error('a pulled stream is pushed, not sent one by one');
  }

  push(message: unknown): void {
    const text = String(message);
    this.pushed.push(text);
    this.queued.push(text);
    this.bufferedBytes += text.length;
  }

  flushed(): Promise<void> {
    this.flushes++;
    if (this.autoDrain) this.drain();
    return this.bufferedBytes === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  drain(): void {
    this.sent.push(...this.queued);
    this.queued = [];
    this.bufferedBytes = 0;
    for (const w of this.waiters.splice(0)) w();
  }

  finish(error?: TripleError): void {
    this.isFinished = true;
    this.status = error ?? 'ok';
  }
}

const call = { setCancelListener(_: CancelListener): void {} };
const scopeFor = (responder: HeldResponder): CallScope => new CallScope(call, new AbortController().signal, undefined, responder);
const KIB = 'k'.repeat(1024);
const mapError = (e: unknown): TripleError => TripleError.from(e);

describe('sendStreamOutput, pulled AsyncIterable', () => {
  test('small messages are pushed in batches of about 16 KiB, each batch awaited, all sent in order', async () => {
    const responder = new HeldResponder(true);
    const scope = scopeFor(responder);
    async function* produce(): AsyncGenerator<string> {
      for (let i = 0; i < 1000; i++) yield `${i}:${'x'.repeat(95)}`;
    }
    await sendStreamOutput(produce(), responder, scope, mapError);
    assert.equal(responder.status, 'ok');
    assert.equal(responder.sent.length, 1000);
    responder.sent.forEach((m, i) => assert.ok(m.startsWith(`${i}:`)));
    // ~100 KB in 16 KiB batches: a handful of waits (plus the final flush), not one per message.
    assert.ok(responder.flushes >= 6 && responder.flushes <= 8, `${responder.flushes} flushes`);
  });

  test('a client that does not read holds the producer after one batch', async () => {
    const responder = new HeldResponder(false);
    const scope = scopeFor(responder);
    let produced = 0;
    async function* produce(): AsyncGenerator<string> {
      for (let i = 0; i < 200; i++) {
        produced++;
        yield KIB;
      }
    }
    const done = sendStreamOutput(produce(), responder, scope, mapError);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(produced, 16, 'one 16 KiB batch, then the loop waits for the transport');
    while (!responder.isFinished) {
      responder.drain();
      await new Promise((r) => setImmediate(r));
    }
    await done;
    assert.equal(produced, 200);
    assert.equal(responder.sent.length, 200);
  });

  test('what a failing producer yielded before the failure is flushed before the error ends the call', async () => {
    const responder = new HeldResponder(false);
    const scope = scopeFor(responder);
    async function* produce(): AsyncGenerator<string> {
      yield 'first';
      throw new Error('boom');
    }
    const done = sendStreamOutput(produce(), responder, scope, mapError);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(responder.sent, [], 'nothing written yet: the failure waits for the flush');
    responder.drain();
    await assert.rejects(done!, /boom/);
    assert.deepEqual(responder.sent, ['first']);
  });
});

/** A hand-driven Subscribable (core does not depend on RxJS). */
class TestSubject {
  private observer: { next(v: unknown): void; error(e: unknown): void; complete(): void } | undefined;
  unsubscribed = 0;

  subscribe(observer: { next(v: unknown): void; error(e: unknown): void; complete(): void }): { unsubscribe(): void } {
    this.observer = observer;
    return {
      unsubscribe: () => {
        this.unsubscribed++;
        this.observer = undefined;
      },
    };
  }

  next(value: unknown): void {
    this.observer?.next(value);
  }

  complete(): void {
    this.observer?.complete();
  }
}

async function* generate(n: number, log: string[] = [], message = (i: number): string => String(i)): AsyncGenerator<string> {
  try {
    for (let i = 0; i < n; i++) yield message(i);
  } finally {
    log.push('finally');
  }
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 10));

describe('sendStreamOutput, an Observable emitting AsyncIterables (a Nest interceptor wraps async generators so)', () => {
  test('an emitted iterable stands for its values, in order with the values around it; completion waits for it', async () => {
    const responder = new HeldResponder(true);
    const subject = new TestSubject();
    assert.equal(sendStreamOutput(subject, responder, scopeFor(responder), mapError), undefined);
    subject.next('a');
    subject.next(generate(3));
    subject.next('b');
    subject.complete();
    await settle();
    responder.drain();
    await settle();
    assert.deepEqual(responder.pushed, ['a', '0', '1', '2', 'b']);
    assert.equal(responder.status, 'ok');
    assert.equal(subject.unsubscribed, 1);
  });

  test('it is pulled like a returned iterable: one 16 KiB batch while the client reads nothing', async () => {
    const responder = new HeldResponder(false);
    const subject = new TestSubject();
    sendStreamOutput(subject, responder, scopeFor(responder), mapError);
    subject.next(generate(200, [], () => KIB));
    subject.complete();
    await settle();
    assert.equal(responder.pushed.length, 16);
    while (!responder.isFinished) {
      responder.drain();
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(responder.sent.length, 200);
    assert.equal(responder.status, 'ok');
  });

  test('an abort returns the iterable being pulled and unsubscribes', async () => {
    const responder = new HeldResponder(false);
    const subject = new TestSubject();
    const scope = scopeFor(responder);
    const log: string[] = [];
    sendStreamOutput(subject, responder, scope, mapError);
    subject.next(generate(1000, log, () => KIB));
    await settle();
    scope.abort(new TripleError(Code.CANCELLED, 'client went away'));
    responder.drain();
    await settle();
    assert.deepEqual(log, ['finally']);
    assert.equal(subject.unsubscribed, 1);
    assert.ok(responder.status instanceof TripleError && responder.status.code === Code.CANCELLED);
  });

  test('an iterable that fails ends the call with its error, after what it yielded', async () => {
    const responder = new HeldResponder(true);
    const subject = new TestSubject();
    async function* failing(): AsyncGenerator<string> {
      yield 'first';
      throw new TripleError(Code.DATA_LOSS, 'generator failed');
    }
    sendStreamOutput(subject, responder, scopeFor(responder), mapError);
    subject.next(failing());
    subject.next('never');
    await settle();
    assert.deepEqual(responder.sent, ['first']);
    assert.ok(responder.status instanceof TripleError && responder.status.code === Code.DATA_LOSS);
    assert.equal(subject.unsubscribed, 1);
  });
});
