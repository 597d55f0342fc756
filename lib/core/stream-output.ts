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
  /** Ends the stream with a status: OK without an error. */
  finish(error?: TripleError): void;
  readonly isFinished: boolean;
}

/**
 * Streams what a server-streaming handler produced. An AsyncIterable is pulled one message per
 * drained write (true backpressure); an Observable is pushed through the responder's bounded
 * queue; a plain value is a stream of one. Aborting the scope (cancel, deadline, shutdown)
 * stops the source.
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
      const next = await iterator.next();
      if (next.done || scope.aborted) break;
      await responder.send(next.value);
      if (scope.aborted) break;
    }
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
