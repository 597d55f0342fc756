import type { CallContext } from '../../core/call-context.js';
import { CallScope } from '../../core/call-scope.js';
import { Code } from '../../core/code.js';
import type { CodecName } from '../../core/codec.js';
import { negotiateCompression } from '../../core/compression.js';
import { Metadata, type OutgoingHeaders } from '../../core/metadata.js';
import { SingleMessageReader, type MessageReadOptions } from '../../core/message-reader.js';
import type { HandlerOutput, MethodHandler } from '../../core/method-handler.js';
import { isStreamingRequest } from '../../core/method-descriptor.js';
import { RequestMessages } from '../../core/request-messages.js';
import type { ResolvedRoute } from '../../core/route.js';
import type { BodyReader, ServerCall } from '../../core/server-call.js';
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
  const run = new GrpcCallRun(route.handler, ctx, scope, responder, options);
  if (isStreamingRequest(method.kind)) {
    // A request stream that breaks (bad frame, size, codec) ends the whole call with its status.
    run.invoke(new RequestMessages(call, readOptions, (error) => scope.abort(error)));
  } else {
    call.readBody(new SingleRequestRead(new SingleMessageReader(readOptions), run));
  }
}

/**
 * Runs the handler and sends its output, as callbacks rather than an async function: the
 * common unary call goes from the request's last byte to the response with one promise (the
 * Nest handler's), and a stream held open keeps no suspended frame. Whatever fails before the
 * call has its status ends it with the error's status.
 */
class GrpcCallRun {
  constructor(
    private readonly handler: MethodHandler,
    private readonly ctx: CallContext,
    private readonly scope: CallScope,
    private readonly responder: GrpcResponder,
    private readonly options: ServerHandlerOptions,
  ) {}

  invoke(input: unknown): void {
    if (this.scope.aborted) return;
    let output: unknown;
    try {
      output = this.handler(input, this.ctx);
    } catch (e) {
      this.fail(e);
      return;
    }
    if (isThenable(output)) output.then((value) => this.send(value), (e: unknown) => this.fail(e));
    else this.send(output);
  }

  fail(e: unknown): void {
    if (this.scope.aborted) return;
    this.scope.dispose();
    this.responder.finish(e instanceof TripleError ? e : this.options.mapError(e));
  }

  private send(output: unknown): void {
    if (this.scope.aborted) return;
    try {
      const sent = sendHandlerOutput(output as HandlerOutput, this.ctx.method.kind, this.responder, this.scope, this.options);
      if (sent) sent.then(undefined, (e: unknown) => this.fail(e));
    } catch (e) {
      this.fail(e);
    }
  }
}

/** Reads the one request message of a unary or server-streaming call, then runs the handler. */
class SingleRequestRead implements BodyReader {
  constructor(
    private readonly reader: SingleMessageReader<unknown>,
    private readonly run: GrpcCallRun,
  ) {}

  onBodyChunk(chunk: Uint8Array): void {
    this.reader.push(chunk);
  }

  onBodyEnd(): void {
    let input: unknown;
    try {
      input = this.reader.finish();
    } catch (e) {
      this.run.fail(e);
      return;
    }
    // A compressed message is decompressed asynchronously.
    if (isThenable(input)) input.then((value) => this.run.invoke(value), (e: unknown) => this.run.fail(e));
    else this.run.invoke(input);
  }

  onBodyError(error: unknown): void {
    this.run.fail(error);
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
