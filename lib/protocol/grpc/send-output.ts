import type { CallScope } from '../../core/call-scope.js';
import type { HandlerOutput } from '../../core/method-handler.js';
import { isStreamingResponse, type MethodKind } from '../../core/method-descriptor.js';
import type { ServerHandlerOptions } from '../../core/server-options.js';
import { resolveSingleOutput } from '../../core/single-output.js';
import { sendStreamOutput } from '../../core/stream-output.js';
import type { GrpcResponder } from './grpc-responder.js';

/**
 * Writes what a handler produced. Single responses go out with the status in one write;
 * streams go through the shared sendStreamOutput (AsyncIterables pulled per drained write,
 * Observables pushed through the responder's bounded queue).
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
  return sendStreamOutput(output, responder, scope, options.mapError);
}
