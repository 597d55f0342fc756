import type { CancelSignal } from './call-cancel.js';
import type { ServiceKey } from './call-context.js';
import type { Metadata } from './metadata.js';
import type { MethodDescriptor } from './method-descriptor.js';
import type { TripleError } from './triple-error.js';

/**
 * What one attempt learned that decides whether it may be retried (see shouldRetry in
 * retry-policy.ts). Protocol code sets the flags as the attempt progresses.
 */
export interface AttemptState {
  /** The peer provably did not process the request (no connection, refused stream). */
  unprocessed: boolean;
  /** Response headers (not a final status) arrived: the call is committed to this attempt. */
  committed: boolean;
  /** The caller's request stream was pulled from: it cannot be replayed. */
  requestsConsumed: boolean;
}

export function newAttemptState(): AttemptState {
  return { unprocessed: false, committed: false, requestsConsumed: false };
}

/** Everything one attempt of a call needs besides the request itself. */
export interface AttemptInit {
  readonly method: MethodDescriptor;
  /** Request metadata after interceptors ran; undefined when the call has none. */
  readonly metadata: Metadata | undefined;
  readonly serviceKey: ServiceKey;
  /** Absolute deadline (ms since epoch) of the whole call, retries included. */
  readonly deadline: number | undefined;
  /** Fires on cancel or deadline; the reason is a TripleError. */
  readonly cancel: CancelSignal;
  readonly state: AttemptState;
}

/** The request side of a call: one message, or a stream pulled as the transport has window. */
export type RequestSource<I> = { readonly single: I } | { readonly stream: AsyncIterable<I> };

/**
 * A call whose response has started: header metadata, the messages (pulled on demand; the
 * iteration throws the call's error, and ends after an OK status), and the trailers, which
 * settle when the status arrives. Leaving the iteration early cancels the call.
 */
export interface StreamAttempt<O> {
  readonly header: Metadata;
  readonly messages: AsyncIterable<O>;
  readonly trailer: Promise<Metadata>;
  cancel(reason: TripleError): void;
}

/** A promise with its settle functions, for results produced by a generator. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A Deferred whose rejection is never "unhandled": callers may legitimately ignore it. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** Milliseconds left until `deadline`, or undefined without one. */
export function remainingMs(deadline: number | undefined): number | undefined {
  return deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
}
