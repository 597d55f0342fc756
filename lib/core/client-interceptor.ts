import type { ServiceKey } from './call-context.js';
import type { Metadata } from './metadata.js';
import type { MethodDescriptor } from './method-descriptor.js';
import type { TripleError } from './triple-error.js';

/**
 * What an interceptor sees before a call starts. `metadata` and `options` are the call's own
 * copies: changes (an auth header, a shorter timeout, another group) go on the wire; the
 * caller's objects are never mutated.
 */
export interface ClientInterceptorContext {
  readonly method: MethodDescriptor;
  /** Request metadata sent as headers. */
  readonly metadata: Metadata;
  /** Per-call settings, mutable until the call starts. */
  readonly options: MutableCallOptions;
  /** The request of unary and server-streaming calls; undefined when requests are a stream. */
  readonly request: unknown;
  /** Free-form slot to pass data from `before` to `after` (e.g. a start time or span). */
  readonly state: Map<string, unknown>;
}

export interface MutableCallOptions {
  /** Relative deadline in ms; undefined = none. */
  timeoutMs: number | undefined;
  /** Dubbo group/version of this call. */
  serviceKey: ServiceKey;
}

/** How a call ended, as `after` observes it. */
export interface ClientCallOutcome {
  /** Undefined when the call succeeded. */
  readonly error: TripleError | undefined;
  /** Response headers, when they arrived. */
  readonly header: Metadata | undefined;
  /** Response trailers, when they arrived. */
  readonly trailer: Metadata | undefined;
  /** The response of unary and client-streaming calls (undefined for streams or on error). */
  readonly response: unknown;
  /** Attempts made, retries included (1 = no retry). */
  readonly attempts: number;
}

/**
 * A client-side hook around every call (unary and streaming alike): the answer to Nest users
 * asking for client interceptors and retries on UNAVAILABLE (nestjs/nest #8154, #9079) without
 * reaching into grpc-js channel options. Runs once per call, outside retries.
 *
 * - `before` runs in array order before anything is sent; it may change metadata and options
 *   or throw to fail the call: a TripleError keeps its code, anything else becomes UNKNOWN.
 * - `after` runs in reverse order once the call has its final status. It only observes:
 *   whatever it throws is ignored, so an observer cannot turn a success into a failure.
 */
export interface ClientInterceptor {
  before?(context: ClientInterceptorContext): void | Promise<void>;
  after?(context: ClientInterceptorContext, outcome: ClientCallOutcome): void;
}

/** Runs every `before` hook in order. */
export async function runBeforeHooks(interceptors: readonly ClientInterceptor[], context: ClientInterceptorContext): Promise<void> {
  for (const interceptor of interceptors) {
    if (interceptor.before) await interceptor.before(context);
  }
}

/** Runs every `after` hook in reverse order, isolating each from the others' failures. */
export function runAfterHooks(interceptors: readonly ClientInterceptor[], context: ClientInterceptorContext, outcome: ClientCallOutcome): void {
  for (let i = interceptors.length - 1; i >= 0; i--) {
    const after = interceptors[i]!.after;
    if (!after) continue;
    try {
      after.call(interceptors[i], context, outcome);
    } catch {
      // Observers must not change the result; a broken one is its own problem.
    }
  }
}
