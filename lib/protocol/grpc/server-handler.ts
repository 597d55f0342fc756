import type { CallContext } from '../../core/call-context.js';
import { CallScope } from '../../core/call-scope.js';
import { Code } from '../../core/code.js';
import type { Codec, CodecName } from '../../core/codec.js';
import { acceptEncodingHeader, negotiateCompression } from '../../core/compression.js';
import { Metadata, type OutgoingHeaders } from '../../core/metadata.js';
import { readSingleMessage, type MessageReadOptions } from '../../core/message-reader.js';
import type { MethodHandler } from '../../core/method-handler.js';
import { isStreamingRequest } from '../../core/method-descriptor.js';
import { RequestMessages } from '../../core/request-messages.js';
import type { ResolvedRoute } from '../../core/route.js';
import type { ServerCall } from '../../core/server-call.js';
import type { ServerHandlerOptions } from '../../core/server-options.js';
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
  const outputCodec: Codec = method.output[codecName];
  const responder = new GrpcResponder(call, {
    codecName,
    codec: outputCodec,
    compression: compression.response,
    acceptEncoding: acceptEncodingHeader(options.compressions),
    writeMaxBytes: options.writeMaxBytes,
    compressMinBytes: options.compressMinBytes,
    maxBufferedBytes: options.maxBufferedBytes,
  });
  if (call.httpVersion !== '2') {
    return responder.reject(new TripleError(Code.UNIMPLEMENTED, 'gRPC requires HTTP/2'), 505);
  }
  if (compression.error) return responder.reject(compression.error);
  const timeout = parseGrpcTimeout(headerValue(headers[HEADER_GRPC_TIMEOUT]));
  if ('error' in timeout) return responder.reject(timeout.error);
  let requestMetadata: Metadata;
  try {
    requestMetadata = Metadata.fromHeaders(headers, grpcReservedHeaders);
  } catch (e) {
    return responder.reject(TripleError.from(e, Code.INVALID_ARGUMENT));
  }

  const scope = new CallScope(call.signal, options.shutdownSignal, timeout.timeoutMs, (reason) => responder.finish(reason));
  responder.onFinish = (error) => (error ? scope.abort(error) : scope.dispose());
  const ctx = createContext(call, route, codecName, requestMetadata, scope, responder);
  responder.context = ctx;
  const readOptions: MessageReadOptions<unknown> = {
    readMaxBytes: options.readMaxBytes,
    compression: compression.request,
    codec: method.input[codecName],
    encodingHeader: HEADER_GRPC_ENCODING,
  };
  void run(call, route.handler, ctx, scope, responder, readOptions, options);
}

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
    const input = isStreamingRequest(ctx.method.kind)
      ? // A request stream that breaks (bad frame, size, codec) ends the whole call with its status.
        new RequestMessages(call.body, readOptions, (error) => scope.abort(error))
      : await readSingleMessage(call.body, readOptions);
    if (scope.aborted) return;
    const output = await handler(input, ctx);
    if (scope.aborted) return;
    await sendHandlerOutput(output, ctx.method.kind, responder, scope, options);
  } catch (e) {
    if (!scope.aborted) {
      scope.dispose();
      responder.finish(e instanceof TripleError ? e : options.mapError(e));
    }
  }
}

function createContext(
  call: ServerCall,
  route: ResolvedRoute,
  codecName: CodecName,
  requestMetadata: Metadata,
  scope: CallScope,
  responder: GrpcResponder,
): CallContext {
  return {
    method: route.method,
    protocol: 'grpc',
    codec: codecName,
    httpVersion: call.httpVersion,
    requestMetadata,
    deadline: scope.deadline,
    signal: scope.signal,
    peer: call.peer,
    serviceKey: route.serviceKey,
    responseHeader: responder.responseHeader,
    responseTrailer: responder.responseTrailer,
    get headersSent() {
      return responder.headersSent;
    },
  };
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
