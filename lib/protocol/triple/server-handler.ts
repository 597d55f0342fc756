import type { CallContext } from '../../core/call-context.js';
import { CallScope } from '../../core/call-scope.js';
import { Code } from '../../core/code.js';
import { acceptEncodingHeader } from '../../core/compression.js';
import type { MethodKind } from '../../core/method-descriptor.js';
import type { ResolvedRoute } from '../../core/route.js';
import type { ServerCall } from '../../core/server-call.js';
import { ServerCallContext } from '../../core/server-call-context.js';
import type { ServerHandlerOptions } from '../../core/server-options.js';
import { resolveSingleOutput } from '../../core/single-output.js';
import { isAsyncIterable, isSubscribable, isThenable } from '../../core/subscribable.js';
import { TripleError } from '../../core/triple-error.js';
import { acceptsEventStream } from './content-type.js';
import { HEADER_ACCEPT, HEADER_ACCEPT_POST } from './headers.js';
import { BodyCollector, decodeTripleMessage, prepareTripleRequest, type TripleRequestForm, type TripleRequestSetup } from './request-setup.js';
import { SseResponder } from './sse.js';
import { sendStreamOutput } from '../../core/stream-output.js';
import { TripleResponder, writeTripleError, type ErrorResponseOptions } from './triple-responder.js';

export type { TripleRequestForm };

/** The gRPC content types, named in the 415 a streaming method answers on Triple unary. */
const GRPC_CONTENT_TYPES = 'application/grpc, application/grpc+proto, application/grpc+json';

/**
 * Serves one Triple request (POST with a raw body, or GET with the query form) for a resolved
 * route: unary methods answer with one message, server-streaming methods with Server-Sent
 * Events when the client accepts `text/event-stream`, and every other streaming call gets a
 * 415 naming gRPC as the way to call it. Header problems, limits, deadlines and handler
 * errors all end as a Triple error response; every path answers exactly once.
 */
export function serveTripleCall(call: ServerCall, route: ResolvedRoute, form: TripleRequestForm, options: ServerHandlerOptions): void {
  const acceptEncoding = acceptEncodingHeader(options.compressions);
  const { method } = route;
  const sse = method.kind === 'server_streaming' && acceptsEventStream(single(call.headers[HEADER_ACCEPT]));
  if (method.kind !== 'unary' && !sse) {
    const error = new TripleError(Code.UNIMPLEMENTED, streamingHint(method.name, method.kind));
    return writeTripleError(call, error, { acceptEncoding, httpStatus: 415, extraHeaders: { [HEADER_ACCEPT_POST]: GRPC_CONTENT_TYPES } });
  }
  const setup = prepareTripleRequest(call, form, options);
  if (setup instanceof TripleError) return writeTripleError(call, setup, { acceptEncoding });
  if (sse) return serveEventStream(call, route, form, setup, options, acceptEncoding);

  const responder = new TripleResponder(call, form.codec, method.output[form.codec], setup.responseCompression, options);
  const scope = new CallScope(call, options.shutdownSignal, setup.timeoutMs, responder);
  responder.scope = scope;
  const ctx = new ServerCallContext(call, route, 'triple', form.codec, setup.requestMetadata, scope, responder);
  void runUnary(call, route, form, setup, ctx, scope, responder, options);
}

/** Reads, runs and answers a unary call, awaiting only what is really asynchronous. */
async function runUnary(
  call: ServerCall,
  route: ResolvedRoute,
  form: TripleRequestForm,
  setup: TripleRequestSetup,
  ctx: CallContext,
  scope: CallScope,
  responder: TripleResponder,
  options: ServerHandlerOptions,
): Promise<void> {
  try {
    let bytes = requestBytes(call, form, options);
    if (isThenable(bytes)) bytes = await bytes;
    let input = decodeTripleMessage(bytes, setup, route.method.input[form.codec], options.readMaxBytes);
    if (isThenable(input)) input = await input;
    if (scope.aborted) return;
    let output = route.handler(input, ctx);
    if (isThenable(output)) output = await output;
    if (scope.aborted) return;
    if (isSubscribable(output) || isAsyncIterable(output)) {
      const value = await resolveSingleOutput(output, scope.signal);
      if (scope.aborted) return;
      output = value;
    }
    const sent = responder.sendLast(output);
    if (sent) await sent;
  } catch (e) {
    if (!scope.aborted) {
      scope.dispose();
      responder.finish(e instanceof TripleError ? e : options.mapError(e));
    }
  }
}

/** The decoded request message of a Server-Sent Events call (GET query or POST body). */
async function readTripleInput(call: ServerCall, route: ResolvedRoute, form: TripleRequestForm, setup: TripleRequestSetup, options: ServerHandlerOptions): Promise<unknown> {
  return decodeTripleMessage(await requestBytes(call, form, options), setup, route.method.input[form.codec], options.readMaxBytes);
}

/**
 * The request message's bytes: a GET carries them in the query (the body is drained); a POST
 * in the body, read in one go. Synchronous for GET, so a plain call awaits only real I/O.
 */
function requestBytes(call: ServerCall, form: TripleRequestForm, options: ServerHandlerOptions): Uint8Array | Promise<Uint8Array> {
  if (form.message !== undefined) {
    call.drainBody();
    return form.message;
  }
  const body = new BodyCollector(call, options.readMaxBytes);
  return call.readAll(body).then(() => body.bytes());
}

function serveEventStream(
  call: ServerCall,
  route: ResolvedRoute,
  form: TripleRequestForm,
  setup: TripleRequestSetup,
  options: ServerHandlerOptions,
  acceptEncoding: string,
): void {
  const responder = new SseResponder(call, {
    codec: route.method.output.json,
    acceptEncoding,
    writeMaxBytes: options.writeMaxBytes,
    maxBufferedBytes: options.maxBufferedBytes,
  });
  const scope = new CallScope(call, options.shutdownSignal, setup.timeoutMs, responder);
  responder.scope = scope;
  const ctx = new ServerCallContext(call, route, 'triple', form.codec, setup.requestMetadata, scope, responder);
  void (async () => {
    try {
      const input = await readTripleInput(call, route, form, setup, options);
      if (scope.aborted) return;
      const output = await route.handler(input, ctx);
      if (scope.aborted) return;
      await sendStreamOutput(output, responder, scope, options.mapError);
    } catch (e) {
      if (!scope.aborted) {
        scope.dispose();
        responder.finish(e instanceof TripleError ? e : options.mapError(e));
      }
    }
  })();
}

/** Why a streaming method cannot be called as Triple unary, and how to call it instead. */
function streamingHint(name: string, kind: MethodKind): string {
  const grpc = 'call it with gRPC (application/grpc) over HTTP/2';
  switch (kind) {
    case 'server_streaming':
      return `${name} is a server-streaming method: ${grpc}, or send Accept: text/event-stream for Server-Sent Events`;
    case 'client_streaming':
      return `${name} is a client-streaming method: ${grpc}`;
    default:
      return `${name} is a bidi-streaming method: ${grpc}`;
  }
}

/**
 * Answers a Triple request that never reached a handler (no route, a method that does not
 * allow GET, ...) with the Triple JSON error body, so curl users and Triple clients read the
 * same code and message a handler error would give.
 */
export function rejectTripleCall(call: ServerCall, error: TripleError, options: ServerHandlerOptions, extra?: Pick<ErrorResponseOptions, 'httpStatus' | 'extraHeaders'>): void {
  writeTripleError(call, error, { acceptEncoding: acceptEncodingHeader(options.compressions), ...extra });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
