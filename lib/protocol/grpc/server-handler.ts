import type { CallContext } from '../../core/call-context.js';
import { CallScope } from '../../core/call-scope.js';
import { Code } from '../../core/code.js';
import type { CodecName } from '../../core/codec.js';
import { negotiateCompression } from '../../core/compression.js';
import { Metadata, type OutgoingHeaders } from '../../core/metadata.js';
import { SingleMessageReader, type MessageReadOptions } from '../../core/message-reader.js';
import type { MethodHandler } from '../../core/method-handler.js';
import { isStreamingRequest } from '../../core/method-descriptor.js';
import { RequestMessages } from '../../core/request-messages.js';
import type { ResolvedRoute } from '../../core/route.js';
import type { ServerCall } from '../../core/server-call.js';
import { ServerCallContext } from '../../core/server-call-context.js';
import type { ServerHandlerOptions } from '../../core/server-options.js';
import { isThenable } from '../../core/subscribable.js';
import { TripleError } from '../../core/triple-error.js';
import { grpcContentType } from './content-type.js';
import { GrpcResponder } from './grpc-responder.js';
import { errorTrailers } from './status-trailer.js';
import { grpcReservedHeaders, HEADER_CONTENT_TYPE, HEADER_GRPC_ACCEPT_ENCODING, HEADER_GRPC_ENCODING, HEADER_GRPC_TIMEOUT } from './headers.js';
import { parseGrpcTimeout } from './timeout.js';
import { sendHandlerOutput } from './send-output.js';

/**
 * Serves one gRPC call: validates the request headers, reads the request message(s), runs the
 * handler with a CallContext whose signal fires on cancel/deadline/shutdown, and writes the
 * response messages and the status trailers. Every path ends the call with a status.
 */
export function serveGrpcCall(call: ServerCall, route: ResolvedRoute, codecName: CodecName, options: ServerHandlerOptions): void {
  const { method } = route;
  const headers = call.headers;
  const compression = negotiateCompression(
    options.compressions,
    headerValue(headers[HEADER_GRPC_ENCODING]),
    headerValue(headers[HEADER_GRPC_ACCEPT_ENCODING]),
  );
  const responder = new GrpcResponder(call, codecName, method.output[codecName], compression.response, options);
  if (call.httpVersion !== '2') {
    return responder.reject(new TripleError(Code.UNIMPLEMENTED, 'gRPC requires HTTP/2'), 505);
  }
  if (compression.error) return responder.reject(compression.error);
  const timeout = parseGrpcTimeout(headerValue(headers[HEADER_GRPC_TIMEOUT]));
  if ('error' in timeout) return responder.reject(timeout.error);
  let requestMetadata: Metadata;
  try {
    requestMetadata = Metadata.fromHeaders(headers, grpcReservedHeaders, '', call.rawHeaders);
  } catch (e) {
    return responder.reject(TripleError.from(e, Code.INVALID_ARGUMENT));
  }

  const scope = new CallScope(call, options.shutdownSignal, timeout.timeoutMs, responder);
  responder.scope = scope;
  const ctx = new ServerCallContext(call, route, 'grpc', codecName, requestMetadata, scope, responder);
  const readOptions: MessageReadOptions<unknown> = {
    readMaxBytes: options.readMaxBytes,
    compression: compression.request,
    codec: method.input[codecName],
    encodingHeader: HEADER_GRPC_ENCODING,
  };
  void run(call, route.handler, ctx, scope, responder, readOptions, options);
}

/**
 * Reads the request, runs the handler and sends its output. Awaits only what is really
 * asynchronous (the body, a compressed message, the handler's promise, a streamed or
 * compressed response): a plain unary call is one pass through this function.
 */
async function run(
  call: ServerCall,
  handler: MethodHandler,
  ctx: CallContext,
  scope: CallScope,
  responder: GrpcResponder,
  readOptions: MessageReadOptions<unknown>,
  options: ServerHandlerOptions,
): Promise<void> {
  try {
    let input: unknown;
    if (isStreamingRequest(ctx.method.kind)) {
      // A request stream that breaks (bad frame, size, codec) ends the whole call with its status.
      input = new RequestMessages(call, readOptions, (error) => scope.abort(error));
    } else {
      const reader = new SingleMessageReader(readOptions);
      await call.readAll(reader);
      input = reader.finish();
      if (isThenable(input)) input = await input;
      if (scope.aborted) return;
    }
    let output = handler(input, ctx);
    if (isThenable(output)) output = await output;
    if (scope.aborted) return;
    const sent = sendHandlerOutput(output, ctx.method.kind, responder, scope, options);
    if (sent) await sent;
  } catch (e) {
    if (!scope.aborted) {
      scope.dispose();
      responder.finish(e instanceof TripleError ? e : options.mapError(e));
    }
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** Answers a gRPC request that has no route with a trailers-only status (e.g. UNIMPLEMENTED). */
export function rejectGrpcCall(call: ServerCall, codecName: CodecName, error: TripleError): void {
  call.drainBody();
  const headers: OutgoingHeaders = { [HEADER_CONTENT_TYPE]: grpcContentType(codecName), ...errorTrailers(error, new Metadata()) };
  call.respond(200, headers, { endStream: true });
}
