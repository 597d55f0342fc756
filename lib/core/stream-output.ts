import type { CallScope, ScopeAbortListener } from './call-scope.js';
import type { HandlerOutput } from './method-handler.js';
import { isAsyncIterable, isEmittedIterable, isSubscribable, type Subscribable } from './subscribable.js';
import { TripleError } from './triple-error.js';

/** The response side of a server stream, whatever its framing (gRPC envelopes, SSE events). */
export interface StreamResponder {
  /** Writes one message; the promise settles once the transport accepted it (backpressure). */
  send(message: unknown): Promise<void>;
  /** Queues one message for a producer that cannot wait (bounded by maxBufferedBytes). */
  push(message: unknown): void;
  /** Resolves once every pushed message was handed to the transport. */
  flushed(): Promise<void>;
  /** Bytes pushed but not yet handed to the transport. */
  readonly bufferedBytes: number;
  /** Ends the stream with a status: OK without an error. */
  finish(error?: TripleError): void;
  readonly isFinished: boolean;
}

/**
 * How much a pulled AsyncIterable may have pushed before the loop waits for the transport to
 * take it: messages are packed into writes of about this size (a million small messages are
 * ~2,300 writes, not a million). The size of node's stream buffer (writableHighWaterMark), so
 * a stream whose client reads nothing holds one batch plus that buffer, not more (a zero-window
 * attack on many streams must not make each stream buffer more than it did unbatched).
 */
const PULL_BATCH_BYTES = 16 * 1024;

/**
 * Streams what a server-streaming handler produced. An AsyncIterable is pulled as fast as the
 * transport drains, in batches of about {@link PULL_BATCH_BYTES} (true backpressure); an
 * Observable is pushed through the responder's bounded queue; a plain value is a stream of
 * one. Aborting the scope (cancel, deadline, shutdown) stops the source.
 * Shared by every protocol that streams responses.
 *
 * An Observable needs nobody to wait for it: it ends the call itself (undefined is returned),
 * so a stream held open for hours keeps no pending promise or async frame. Otherwise the
 * returned promise settles once the call has its status.
 */
export function sendStreamOutput(
  output: HandlerOutput,
  responder: StreamResponder,
  scope: CallScope,
  mapError: (reason: unknown) => TripleError,
): Promise<void> | undefined {
  if (isSubscribable(output)) {
    new ObservablePush(output, responder, scope, mapError).start();
    return undefined;
  }
  if (isAsyncIterable(output)) return pullIterable(output, responder, scope);
  return sendOne(output, responder, scope);
}

async function sendOne(output: unknown, responder: StreamResponder, scope: CallScope): Promise<void> {
  if (output !== undefined) await responder.send(output);
  if (!scope.aborted) responder.finish();
}

/** Stops a pulled source when the call is aborted. */
class IterationStop implements ScopeAbortListener {
  constructor(private readonly iterator: AsyncIterator<unknown>) {}

  onScopeAborted(): void {
    void this.iterator.return?.()?.catch(() => undefined);
  }
}

async function pullIterable(source: AsyncIterable<unknown>, responder: StreamResponder, scope: CallScope): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  scope.setAbortListener(new IterationStop(iterator));
  try {
    for (;;) {
      try {
        const next = await iterator.next();
        if (next.done || scope.aborted) break;
        // Packed with the messages before it; sent on the next tick, or at once below when a
        // batch is full. A producer that awaits real I/O lets the tick run, so its messages
        // never wait for a batch to fill.
        responder.push(next.value);
      } catch (error) {
        // What was produced before the failure (the producer's or the encoder's) still goes
        // out, ahead of the error status.
        if (!scope.aborted && !responder.isFinished) await responder.flushed();
        throw error;
      }
      if (scope.aborted || responder.isFinished) break;
      if (responder.bufferedBytes >= PULL_BATCH_BYTES) await responder.flushed();
    }
    if (!scope.aborted && !responder.isFinished) await responder.flushed();
  } finally {
    scope.setAbortListener(undefined);
  }
  if (!scope.aborted) responder.finish();
}

/**
 * An Observable pushed into the responder's queue: the observer and the abort listener in one
 * object, so a long-lived stream costs one object here rather than a promise and five closures.
 * (No `closed`/`add`/`remove` members: RxJS would take an object with those for a Subscriber.)
 *
 * An emitted AsyncIterable stands for its values, in order with the values around it: a Nest
 * interceptor wraps a handler's `async *` result in an Observable of that generator. It is
 * pulled like a returned AsyncIterable (batches awaited while the client reads); values the
 * Observable emits meanwhile wait behind it, and completion waits for it.
 */
class ObservablePush implements ScopeAbortListener {
  private subscription: { unsubscribe(): void } | undefined;
  /** No more values are taken (the call is ending or over). */
  private closed = false;
  /** Everything stopped: unsubscribed, abort listener and iterator released. */
  private done = false;
  /** Values that arrived behind an emitted AsyncIterable still being pulled. */
  private backlog: unknown[] | undefined;
  private draining = false;
  private sourceCompleted = false;
  private iterator: AsyncIterator<unknown> | undefined;

  constructor(
    private readonly source: Subscribable<unknown>,
    private readonly responder: StreamResponder,
    private readonly scope: CallScope,
    private readonly mapError: (reason: unknown) => TripleError,
  ) {}

  start(): void {
    this.scope.setAbortListener(this);
    const subscription = this.source.subscribe(this);
    // A synchronous source may have completed (or failed) inside subscribe().
    if (this.done) subscription.unsubscribe();
    else this.subscription = subscription;
  }

  next(value: unknown): void {
    if (this.closed) return;
    if (this.draining || isEmittedIterable(value)) {
      (this.backlog ??= []).push(value);
      if (!this.draining) void this.drain();
      return;
    }
    this.pushValue(value);
  }

  error(err: unknown): void {
    if (!this.closed) this.end(err instanceof TripleError ? err : this.mapError(err));
  }

  complete(): void {
    if (this.closed) return;
    if (this.draining) this.sourceCompleted = true;
    else this.end();
  }

  onScopeAborted(): void {
    this.stop();
  }

  /** Queues one value; false once the call cannot take more (it failed or finished). */
  private pushValue(value: unknown): boolean {
    const responder = this.responder;
    try {
      responder.push(value);
    } catch (e) {
      responder.finish(e instanceof TripleError ? e : this.mapError(e));
      this.stop();
      return false;
    }
    if (!responder.isFinished) return true;
    this.stop();
    return false;
  }

  /** Pulls emitted AsyncIterables (and the values behind them) in order. */
  private async drain(): Promise<void> {
    this.draining = true;
    const backlog = this.backlog!;
    try {
      while (backlog.length > 0 && !this.closed) {
        const item = backlog.shift();
        if (!isEmittedIterable(item)) {
          this.pushValue(item);
          continue;
        }
        const iterator = (this.iterator = item[Symbol.asyncIterator]());
        for (;;) {
          const step = await iterator.next();
          if (this.closed || step.done || !this.pushValue(step.value)) break;
          if (this.responder.bufferedBytes >= PULL_BATCH_BYTES) await this.responder.flushed();
        }
        if (this.iterator === iterator) this.iterator = undefined;
      }
    } catch (e) {
      this.iterator = undefined;
      if (!this.closed) this.end(e instanceof TripleError ? e : this.mapError(e));
      return;
    } finally {
      this.draining = false;
    }
    if (this.sourceCompleted && !this.closed) this.end();
  }

  /** Sends what is queued, then the status. */
  private end(error?: TripleError): void {
    this.close();
    void this.responder.flushed().then(() => {
      this.responder.finish(error);
      this.stop();
    });
  }

  /** Takes no more values: the backlog is dropped and an iterable being pulled is returned. */
  private close(): void {
    this.closed = true;
    this.backlog = undefined;
    const active = this.iterator;
    this.iterator = undefined;
    // After the step it may be awaiting: return() on a running generator would throw.
    if (active) void Promise.resolve().then(() => active.return?.()).catch(() => undefined);
  }

  private stop(): void {
    if (this.done) return;
    this.done = true;
    this.close();
    this.scope.setAbortListener(undefined);
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.unsubscribe();
  }
}
