import type { Metadata } from '../../core/metadata.js';
import { isStreamingRequest, isStreamingResponse, type MethodDescriptor } from '../../core/method-descriptor.js';
import type { CallInvoker } from './call-invoker.js';
import { iterableCall, promiseCall } from './call-iterable.js';
import { prepareCallOptions, type TripleCallOptions } from './call-options.js';
import { checkRequestStream } from './request-stream.js';

/**
 * How stub methods answer:
 * - 'observable' (default, what ClientGrpc users know): every method returns a cold Observable -
 *   one call per subscription, unsubscribe cancels it;
 * - 'iterable' (pull-based): unary and client-streaming methods return a Promise of the response,
 *   server-streaming and bidi methods a cold AsyncIterable of responses for `for await`.
 */
export type StubFlavour = 'observable' | 'iterable';

/** A method of a service stub; the second argument is TripleCallOptions or a bare Metadata. */
export type StubMethod = (input?: unknown, options?: TripleCallOptions | Metadata) => unknown;

/** Service stubs are plain objects of methods, keyed by proto name and lowerCamel name. */
export type ServiceStub = Record<string, StubMethod>;

/** `FindOne` -> `findOne`: the key Nest's ClientGrpc (through grpc-js) documents for methods. */
export function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * Builds the object `getService()` returns: one function per method, under both its proto name
 * (`FindOne`) and its lowerCamel name (`findOne`), so code written for ClientGrpc and code that
 * mirrors the .proto both work. If two methods differ only in the case of their first letter,
 * each proto name still reaches its own method.
 *
 * Arguments are checked when a method is called, not when its result is subscribed, so a wrong
 * option or a non-stream passed to a streaming method throws a TypeError at the calling line.
 * Methods without request fields may be called without a request (`ping()` sends `{}`).
 */
export function buildServiceStub(methods: readonly MethodDescriptor[], invoker: CallInvoker, flavour: StubFlavour = 'observable'): ServiceStub {
  const stub: ServiceStub = {};
  const built = methods.map((method) => [method, createStubMethod(method, invoker, flavour)] as const);
  for (const [method, fn] of built) stub[lowerCamel(method.name)] = fn;
  for (const [method, fn] of built) stub[method.name] = fn;
  return stub;
}

/** One stub method: checks its arguments, then defers to the invoker for its call kind. */
export function createStubMethod(method: MethodDescriptor, invoker: CallInvoker, flavour: StubFlavour): StubMethod {
  const streamingRequest = isStreamingRequest(method.kind);
  const streamingResponse = isStreamingResponse(method.kind);
  // Calls without options (the common case) share one prepared, frozen set of defaults.
  const defaults = Object.freeze(prepareCallOptions(undefined, invoker.config.defaults));
  Object.freeze(defaults.serviceKey);
  const stubMethod: StubMethod = (input, options) => {
    const request = streamingRequest ? checkRequestStream(input, method.path) : (input ?? {});
    const prepared = options === undefined ? defaults : prepareCallOptions(options, invoker.config.defaults);
    if (flavour === 'observable') return invoker.observe(method, request, prepared);
    return streamingResponse ? iterableCall(invoker, method, request, prepared) : promiseCall(invoker, method, request, prepared);
  };
  Object.defineProperty(stubMethod, 'name', { value: lowerCamel(method.name) });
  return stubMethod;
}
