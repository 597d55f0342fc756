import type { CallScope } from '../../core/call-scope.js';
import type { HandlerOutput } from '../../core/method-handler.js';
import { isStreamingResponse, type MethodKind } from '../../core/method-descriptor.js';
import type { ServerHandlerOptions } from '../../core/server-options.js';
import { resolveSingleOutput } from '../../core/single-output.js';
import { sendStreamOutput } from '../../core/stream-output.js';
import { isAsyncIterable, isSubscribable } from '../../core/subscribable.js';
import type { GrpcResponder } from './grpc-responder.js';

/**
 * Writes what a handler produced. Single responses go out with the status in one write,
 * synchronously for a plain value (undefined is returned then, no promise); streams go through
 * the shared sendStreamOutput (AsyncIterables pulled per drained write, Observables pushed
 * through the responder's bounded queue).
 */
export function sendHandlerOutput(
  output: HandlerOutput,
  kind: MethodKind,
  responder: GrpcResponder,
  scope: CallScope,
  options: ServerHandlerOptions,
): Promise<void> | undefined {
  if (isStreamingResponse(kind)) return sendStreamOutput(output, responder, scope, options.mapError);
  if (!isSubscribable(output) && !isAsyncIterable(output)) return responder.sendLast(output);
  return sendFirstValue(output, responder, scope);
}

/** The response of a unary call whose handler returned an Observable or AsyncIterable. */
async function sendFirstValue(output: HandlerOutput, responder: GrpcResponder, scope: CallScope): Promise<void> {
  const value = await resolveSingleOutput(output, scope.signal);
  if (!scope.aborted) await responder.sendLast(value);
}
