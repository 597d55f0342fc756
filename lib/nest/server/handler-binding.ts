import type { MessageHandler } from '@nestjs/microservices';
import type { CallContext } from '../../core/call-context.js';
import type { HandlerInput, MethodHandler } from '../../core/method-handler.js';
import { isStreamingRequest, type MethodDescriptor } from '../../core/method-descriptor.js';
import type { LoadedProtos } from '../../core/proto-loader.js';
import type { Router } from '../../protocol/router.js';
import { TripleContext } from '../ctx-host/triple.context.js';
import { observableFromRequestStream } from '../rx/observable-from-iterable.js';
import { toHandlerOutput } from '../rx/to-handler-output.js';
import type { ProcessingHooks } from './processing-hooks.js';

/** A Nest handler as TripleServer received it through addHandler. */
export interface NestRoute {
  readonly pattern: { service?: string; rpc?: string; streaming?: string };
  readonly handler: MessageHandler;
  readonly group?: string;
  readonly version?: string;
}

/**
 * Connects Nest's decorated handlers to proto methods. A handler naming a service or method
 * that the protos do not have is a startup error (a typo would otherwise silently answer
 * UNIMPLEMENTED); so is a @TripleMethod on a streaming-request method or vice versa.
 */
export function bindHandlers(routes: readonly NestRoute[], protos: LoadedProtos, router: Router, maxPendingMessages: number, hooks: ProcessingHooks): void {
  for (const route of routes) {
    const method = findMethod(route, protos);
    router.register(method, adaptHandler(method, route.handler, maxPendingMessages, hooks), { group: route.group, version: route.version });
  }
}

function findMethod(route: NestRoute, protos: LoadedProtos): MethodDescriptor {
  const { service, rpc, streaming } = route.pattern;
  const svc = service ? protos.findService(service) : undefined;
  if (!svc) {
    const known = protos.services.map((s) => s.name).join(', ') || 'none';
    throw new Error(`TripleServer: handler for ${service}.${rpc} names service "${service}", which the loaded protos do not define (services: ${known})`);
  }
  const method = svc.methods.find((m) => m.name === rpc);
  if (!method) {
    const known = svc.methods.map((m) => m.name).join(', ');
    throw new Error(`TripleServer: handler names method "${rpc}", which service ${svc.name} does not define (methods: ${known})`);
  }
  const wantsStream = streaming === 'rx_stream';
  if (wantsStream !== isStreamingRequest(method.kind)) {
    const fix = isStreamingRequest(method.kind) ? '@TripleStreamMethod' : '@TripleMethod';
    throw new Error(`TripleServer: ${method.path} is ${method.kind.replace('_', '-')}; decorate its handler with ${fix}`);
  }
  return method;
}

/**
 * Wraps a Nest handler (guards, interceptors, pipes and filters already applied by Nest) as a
 * protocol-level MethodHandler. Request streams become an Observable that buffers only a
 * bounded number of messages before pausing the socket.
 */
function adaptHandler(method: MethodDescriptor, handler: MessageHandler, maxPendingMessages: number, hooks: ProcessingHooks): MethodHandler {
  const streamingRequest = isStreamingRequest(method.kind);
  return (input: HandlerInput, ctx: CallContext) => {
    const data = streamingRequest ? observableFromRequestStream(input as AsyncIterable<unknown>, { maxPending: maxPendingMessages }) : input;
    const context = new TripleContext(ctx);
    if (hooks.installed) return hooks.run(context, ctx.signal, async () => toHandlerOutput(await handler(data, context)));
    // No async wrapper: Nest's proxy already returns a promise, adapted once it settles.
    return toHandlerOutput(handler(data, context));
  };
}
