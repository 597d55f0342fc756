import type { CallScope } from './call-scope.js';
import type { HandlerOutput } from './method-handler.js';
import { isAsyncIterable, isSubscribable, type Subscribable } from './subscribable.js';
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
 */
export async function sendStreamOutput(
  output: HandlerOutput,
  responder: StreamResponder,
  scope: CallScope,
  mapError: (reason: unknown) => TripleError,
): Promise<void> {
  if (isSubscribable(output)) return pushObservable(output, responder, scope, mapError);
  if (isAsyncIterable(output)) return pullIterable(output, responder, scope);
  if (output !== undefined) await responder.send(output);
  if (!scope.aborted) responder.finish();
}

async function pullIterable(source: AsyncIterable<unknown>, responder: StreamResponder, scope: CallScope): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  const stop = (): void => void iterator.return?.()?.catch(() => undefined);
  scope.signal.addEventListener('abort', stop);
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
    scope.signal.removeEventListener('abort', stop);
  }
  if (!scope.aborted) responder.finish();
}

function pushObservable(
  source: Subscribable<unknown>,
  responder: StreamResponder,
  scope: CallScope,
  mapError: (reason: unknown) => TripleError,
): Promise<void> {
  return new Promise<void>((resolve) => {
    let subscription: { unsubscribe(): void } | undefined;
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      scope.signal.removeEventListener('abort', close);
      subscription?.unsubscribe();
      resolve();
    };
    const end = (error?: TripleError): void => {
      void responder.flushed().then(() => {
        responder.finish(error);
        close();
      });
    };
    scope.signal.addEventListener('abort', close);
    subscription = source.subscribe({
      next: (value) => {
        if (closed) return;
        try {
          responder.push(value);
        } catch (e) {
          responder.finish(e instanceof TripleError ? e : mapError(e));
          close();
          return;
        }
        if (responder.isFinished) close();
      },
      error: (err) => {
        if (!closed) end(err instanceof TripleError ? err : mapError(err));
      },
      complete: () => {
        if (!closed) end();
      },
    });
    if (closed) subscription.unsubscribe();
  });
}
