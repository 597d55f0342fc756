import type { CallScope } from '../../core/call-scope.js';
import type { MethodHandler, HandlerOutput } from '../../core/method-handler.js';
import { isStreamingResponse, type MethodKind } from '../../core/method-descriptor.js';
import type { ServerHandlerOptions } from '../../core/server-options.js';
import { resolveSingleOutput } from '../../core/single-output.js';
import { isAsyncIterable, isSubscribable, type Subscribable } from '../../core/subscribable.js';
import { TripleError } from '../../core/triple-error.js';
import type { GrpcResponder } from './grpc-responder.js';

export type { MethodHandler };

/**
 * Writes what a handler produced. Single responses go out with the status in one write.
 * Streams: an AsyncIterable is pulled one message per drained write (true backpressure); an
 * Observable is pushed through the responder's bounded queue. Aborting the scope stops both.
 */
export async function sendHandlerOutput(
  output: HandlerOutput,
  kind: MethodKind,
  responder: GrpcResponder,
  scope: CallScope,
  options: ServerHandlerOptions,
): Promise<void> {
  if (!isStreamingResponse(kind)) {
    const value = await resolveSingleOutput(output, scope.signal);
    if (!scope.aborted) await responder.sendLast(value);
    return;
  }
  if (isSubscribable(output)) return pushObservable(output, responder, scope, options);
  if (isAsyncIterable(output)) return pullIterable(output, responder, scope);
  // A plain value from a server-streaming handler is a stream of one message.
  if (output !== undefined) await responder.send(output);
  responder.finish();
}

async function pullIterable(source: AsyncIterable<unknown>, responder: GrpcResponder, scope: CallScope): Promise<void> {
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

function pushObservable(source: Subscribable<unknown>, responder: GrpcResponder, scope: CallScope, options: ServerHandlerOptions): Promise<void> {
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
    scope.signal.addEventListener('abort', close);
    subscription = source.subscribe({
      next: (value) => {
        if (closed) return;
        try {
          responder.push(value);
        } catch (e) {
          responder.finish(e instanceof TripleError ? e : options.mapError(e));
          close();
          return;
        }
        if (responder.isFinished) close();
      },
      error: (err) => {
        if (closed) return;
        void responder.flushed().then(() => {
          responder.finish(err instanceof TripleError ? err : options.mapError(err));
          close();
        });
      },
      complete: () => {
        if (closed) return;
        void responder.flushed().then(() => {
          responder.finish();
          close();
        });
      },
    });
    if (closed) subscription.unsubscribe();
  });
}
