import { CancelSource, cancellableDelay } from '../core/call-cancel.js';
import type { ServiceKey } from '../core/call-context.js';
import { newAttemptState, type AttemptInit, type AttemptState, type RequestSource } from '../core/client-attempt.js';
import type { ClientConnector } from '../core/client-call.js';
import { ClientCallScope } from '../core/client-call-scope.js';
import { runAfterHooks, runBeforeHooks, type ClientCallOutcome, type ClientInterceptorContext, type MutableCallOptions } from '../core/client-interceptor.js';
import type { ClientCallOptions, ClientConnectionState, ClientTransport, StreamResponse, UnaryResponse } from '../core/client-transport.js';
import { Code } from '../core/code.js';
import { acceptEncodingHeader } from '../core/compression.js';
import { Metadata } from '../core/metadata.js';
import type { MethodDescriptor } from '../core/method-descriptor.js';
import type { ResolvedClientOptions } from '../core/resolve-client-options.js';
import { retryDelay, shouldRetry } from '../core/retry-policy.js';
import { TripleError } from '../core/triple-error.js';
import { grpcSingleCall, startGrpcCall, type GrpcClientSettings } from './grpc/client-call.js';
import { StreamCall, toClientError } from './stream-call.js';
import { tripleUnaryCall, type TripleClientSettings } from './triple/client-call.js';

/** Where calls go: HTTP/2 for gRPC (and Triple unary over h2), HTTP/1.1 for Triple unary over 1.1. */
export interface ClientConnectors {
  readonly http2: ClientConnector;
  /** Set when Triple unary calls use HTTP/1.1. */
  readonly http1: ClientConnector | undefined;
}

/** What the attempts of one call send, after interceptors ran (if any). */
interface CallPlan {
  readonly metadata: Metadata | undefined;
  readonly options: MutableCallOptions;
}

/**
 * The ClientTransport over any pair of connectors: picks the protocol per call (Triple unary
 * for unary methods when `protocol: 'triple'`, gRPC otherwise), runs interceptors once per call,
 * applies the deadline and cancellation to everything the call waits on, and retries per
 * RetryOptions. Knows nothing of sockets: lib/http2 provides the connectors.
 */
export class TripleClientTransport implements ClientTransport {
  /** Cancelled by close(): every in-flight call's scope is subscribed (O(1) each, see CancelSource). */
  private readonly closing = new CancelSource();
  private readonly grpc: GrpcClientSettings;
  private readonly triple: TripleClientSettings;

  constructor(
    private readonly options: ResolvedClientOptions,
    private readonly connectors: ClientConnectors,
  ) {
    const common = {
      codec: options.codec,
      compression: options.compression,
      acceptCompressions: options.acceptCompressions,
      acceptEncoding: acceptEncodingHeader(options.acceptCompressions),
      compressMinBytes: options.compressMinBytes,
      readMaxBytes: options.readMaxBytes,
      writeMaxBytes: options.writeMaxBytes,
      userAgent: options.userAgent,
    };
    this.grpc = common;
    this.triple = common;
  }

  get sessionCount(): number {
    return this.connectors.http2.sessionCount;
  }

  unary<I, O>(method: MethodDescriptor, request: I, options?: ClientCallOptions): Promise<UnaryResponse<O>> {
    return this.callUnary<I, O>(method, { single: request }, request, options);
  }

  clientStream<I, O>(method: MethodDescriptor, requests: AsyncIterable<I>, options?: ClientCallOptions): Promise<UnaryResponse<O>> {
    return this.callUnary<I, O>(method, { stream: requests }, undefined, options);
  }

  serverStream<I, O>(method: MethodDescriptor, request: I, options?: ClientCallOptions): StreamResponse<O> {
    return this.callStream<I, O>(method, { single: request }, request, options);
  }

  bidiStream<I, O>(method: MethodDescriptor, requests: AsyncIterable<I>, options?: ClientCallOptions): StreamResponse<O> {
    return this.callStream<I, O>(method, { stream: requests }, undefined, options);
  }

  /** Connects the connector unary calls use first (HTTP/1.1 for Triple over 1.1, else HTTP/2). */
  connect(): Promise<void> {
    return (this.connectors.http1 ?? this.connectors.http2).connect();
  }

  async close(): Promise<void> {
    this.closing.cancel(new TripleError(Code.CANCELLED, 'the client transport was closed'));
    await Promise.all([this.connectors.http2.close(), this.connectors.http1?.close()]);
  }

  onStateChange(listener: (state: ClientConnectionState) => void): () => void {
    return (this.connectors.http1 ?? this.connectors.http2).onStateChange(listener);
  }

  private callUnary<I, O>(method: MethodDescriptor, source: RequestSource<I>, request: unknown, options: ClientCallOptions = {}): Promise<UnaryResponse<O>> {
    const useTriple = this.options.protocol === 'triple' && method.kind === 'unary';
    const attempt = (init: AttemptInit): Promise<UnaryResponse<O>> => useTriple
      ? tripleUnaryCall<I, O>(this.connectors.http1 ?? this.connectors.http2, this.triple, init, (source as { single: I }).single)
      : grpcSingleCall<I, O>(this.connectors.http2, this.grpc, init, source);
    if (this.options.interceptors.length > 0) return this.callUnaryIntercepted(method, request, options, attempt);
    // Without interceptors nothing can change the call's settings: no context, and the call is
    // a promise chain rather than one more async frame (they cost ~1 KB each, per call).
    let scope: ClientCallScope;
    try {
      const plan = this.plan(options);
      scope = new ClientCallScope(plan.options.timeoutMs, options, this.closing);
      return this.withRetries(method, plan, scope, { attempts: 0 }, attempt).then(
        (result) => {
          scope.dispose();
          return result;
        },
        (e: unknown) => {
          scope.dispose();
          throw toClientError(e);
        },
      );
    } catch (e) {
      return Promise.reject(toClientError(e));
    }
  }

  private async callUnaryIntercepted<O>(
    method: MethodDescriptor, request: unknown, options: ClientCallOptions, attempt: (init: AttemptInit) => Promise<UnaryResponse<O>>,
  ): Promise<UnaryResponse<O>> {
    const context = this.createContext(method, request, options);
    const counter = { attempts: 0 };
    let scope: ClientCallScope | undefined;
    try {
      await runBeforeHooks(this.options.interceptors, context);
      scope = new ClientCallScope(context.options.timeoutMs, options, this.closing);
      const result = await this.withRetries(method, context, scope, counter, attempt);
      this.after(context, { error: undefined, header: result.header, trailer: result.trailer, response: result.message, attempts: counter.attempts });
      return result;
    } catch (e) {
      const error = toClientError(e);
      this.after(context, { error, header: undefined, trailer: error.metadata, response: undefined, attempts: counter.attempts });
      throw error;
    } finally {
      scope?.dispose();
    }
  }

  private callStream<I, O>(method: MethodDescriptor, source: RequestSource<I>, request: unknown, options: ClientCallOptions = {}): StreamResponse<O> {
    const context = this.createContext(method, request, options);
    const counter = { attempts: 0 };
    return new StreamCall<O>(async () => {
      await runBeforeHooks(this.options.interceptors, context);
      const scope = new ClientCallScope(context.options.timeoutMs, options, this.closing);
      try {
        const attempt = await this.withRetries(method, context, scope, counter, (init) => startGrpcCall<I, O>(this.connectors.http2, this.grpc, init, source));
        return { attempt, dispose: () => scope.dispose() };
      } catch (e) {
        scope.dispose();
        throw e;
      }
    }, () => counter.attempts, (outcome) => this.after(context, { ...outcome, response: undefined }));
  }

  /**
   * Runs attempts until one succeeds, the error is not retryable, or the call's time is up. A
   * promise chain: a call that succeeds at once (the usual case) runs no code for retries.
   */
  private withRetries<T>(
    method: MethodDescriptor,
    plan: CallPlan,
    scope: ClientCallScope,
    counter: { attempts: number },
    attempt: (init: AttemptInit) => Promise<T>,
  ): Promise<T> {
    const run = (): Promise<T> => {
      counter.attempts++;
      const state = newAttemptState();
      const init: AttemptInit = {
        method,
        metadata: plan.metadata,
        serviceKey: plan.options.serviceKey,
        deadline: scope.deadline,
        cancel: scope,
        state,
      };
      let result: Promise<T>;
      try {
        result = scope.reason ? Promise.reject(scope.reason) : attempt(init);
      } catch (e) {
        result = Promise.reject(e);
      }
      return result.catch((e: unknown) => this.beforeRetry(e, state, method, scope, counter.attempts).then(run));
    };
    return run();
  }

  /** After a failed attempt: resolves once the next may start (backoff), or rejects with the call's error. */
  private beforeRetry(e: unknown, state: AttemptState, method: MethodDescriptor, scope: ClientCallScope, attempts: number): Promise<void> {
    const policy = this.options.retry;
    // Once the call's own scope ended (deadline, cancel) that is the outcome; an attempt error
    // with the same code is kept because it may say more (e.g. why no connection was ready).
    const attemptError = toClientError(e);
    const error = scope.reason && scope.reason.code !== attemptError.code ? scope.reason : attemptError;
    const retry = attempts < policy.maxAttempts && !scope.reason && !this.closing.reason
      && shouldRetry({ error, ...state }, method.idempotency, policy);
    if (!retry) return Promise.reject(error);
    return cancellableDelay(retryDelay(attempts, policy), scope);
  }

  private createContext(method: MethodDescriptor, request: unknown, options: ClientCallOptions): ClientInterceptorContext {
    return {
      method,
      request,
      metadata: options.metadata ? options.metadata.clone() : new Metadata(),
      options: { timeoutMs: options.timeoutMs ?? this.options.timeoutMs, serviceKey: { ...this.serviceKey(options) } },
      state: new Map(),
    };
  }

  /**
   * A call's settings when no interceptor runs. The metadata is copied as createContext does,
   * so a caller changing its Metadata afterwards never changes a retry's headers.
   */
  private plan(options: ClientCallOptions): CallPlan {
    return {
      metadata: options.metadata?.clone(),
      options: { timeoutMs: options.timeoutMs ?? this.options.timeoutMs, serviceKey: this.serviceKey(options) },
    };
  }

  /** The call's group/version over the transport's; the defaults object itself when nothing is overridden. */
  private serviceKey(options: ClientCallOptions): ServiceKey {
    const defaults = this.options.serviceKey;
    const own = options.serviceKey;
    if (!own || ((own.group === undefined || own.group === defaults.group) && (own.version === undefined || own.version === defaults.version))) return defaults;
    return { group: own.group ?? defaults.group, version: own.version ?? defaults.version };
  }

  private after(context: ClientInterceptorContext, outcome: ClientCallOutcome): void {
    if (this.options.interceptors.length > 0) runAfterHooks(this.options.interceptors, context, outcome);
  }
}
