import { setMaxListeners } from 'node:events';
import { newAttemptState, type AttemptInit, type RequestSource, type StreamAttempt } from '../core/client-attempt.js';
import type { ClientConnector } from '../core/client-call.js';
import { ClientCallScope } from '../core/client-call-scope.js';
import { runAfterHooks, runBeforeHooks, type ClientCallOutcome, type ClientInterceptorContext } from '../core/client-interceptor.js';
import type { ClientCallOptions, ClientConnectionState, ClientTransport, StreamResponse, UnaryResponse } from '../core/client-transport.js';
import { Code } from '../core/code.js';
import { acceptEncodingHeader } from '../core/compression.js';
import { Metadata } from '../core/metadata.js';
import type { MethodDescriptor } from '../core/method-descriptor.js';
import type { ResolvedClientOptions } from '../core/resolve-client-options.js';
import { retryDelay, shouldRetry } from '../core/retry-policy.js';
import { TripleError } from '../core/triple-error.js';
import { startGrpcCall, type GrpcClientSettings } from './grpc/client-call.js';
import { StreamCall, toClientError } from './stream-call.js';
import { tripleUnaryCall, type TripleClientSettings } from './triple/client-call.js';

/** Where calls go: HTTP/2 for gRPC (and Triple unary over h2), HTTP/1.1 for Triple unary over 1.1. */
export interface ClientConnectors {
  readonly http2: ClientConnector;
  /** Set when Triple unary calls use HTTP/1.1. */
  readonly http1: ClientConnector | undefined;
}

/**
 * The ClientTransport over any pair of connectors: picks the protocol per call (Triple unary
 * for unary methods when `protocol: 'triple'`, gRPC otherwise), runs interceptors once per call,
 * applies the deadline and cancellation to everything the call waits on, and retries per
 * RetryOptions. Knows nothing of sockets: lib/http2 provides the connectors.
 */
export class TripleClientTransport implements ClientTransport {
  private readonly closeController = new AbortController();
  private readonly grpc: GrpcClientSettings;
  private readonly triple: TripleClientSettings;

  constructor(
    private readonly options: ResolvedClientOptions,
    private readonly connectors: ClientConnectors,
  ) {
    // Every in-flight call listens on this signal; thousands of concurrent calls are normal,
    // so Node's "possible EventTarget memory leak" warning (default limit 10) does not apply.
    setMaxListeners(0, this.closeController.signal);
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
    this.closeController.abort();
    await Promise.all([this.connectors.http2.close(), this.connectors.http1?.close()]);
  }

  onStateChange(listener: (state: ClientConnectionState) => void): () => void {
    return (this.connectors.http1 ?? this.connectors.http2).onStateChange(listener);
  }

  private async callUnary<I, O>(method: MethodDescriptor, source: RequestSource<I>, request: unknown, options: ClientCallOptions = {}): Promise<UnaryResponse<O>> {
    const context = this.createContext(method, request, options);
    const counter = { attempts: 0 };
    let scope: ClientCallScope | undefined;
    try {
      await runBeforeHooks(this.options.interceptors, context);
      scope = new ClientCallScope(context.options.timeoutMs, options.signal, this.closeController.signal);
      const useTriple = this.options.protocol === 'triple' && method.kind === 'unary';
      const result = await this.withRetries(method, context, scope, counter, (init) =>
        useTriple
          ? tripleUnaryCall<I, O>(this.connectors.http1 ?? this.connectors.http2, this.triple, init, (source as { single: I }).single)
          : startGrpcCall<I, O>(this.connectors.http2, this.grpc, init, source).then(collectSingle));
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
      const scope = new ClientCallScope(context.options.timeoutMs, options.signal, this.closeController.signal);
      try {
        const attempt = await this.withRetries(method, context, scope, counter, (init) => startGrpcCall<I, O>(this.connectors.http2, this.grpc, init, source));
        return { attempt, dispose: () => scope.dispose() };
      } catch (e) {
        scope.dispose();
        throw e;
      }
    }, () => counter.attempts, (outcome) => this.after(context, { ...outcome, response: undefined }));
  }

  /** Runs attempts until one succeeds, the error is not retryable, or the call's time is up. */
  private async withRetries<T>(
    method: MethodDescriptor,
    context: ClientInterceptorContext,
    scope: ClientCallScope,
    counter: { attempts: number },
    attempt: (init: AttemptInit) => Promise<T>,
  ): Promise<T> {
    const policy = this.options.retry;
    for (;;) {
      counter.attempts++;
      const state = newAttemptState();
      const init: AttemptInit = {
        method,
        metadata: context.metadata,
        serviceKey: context.options.serviceKey,
        deadline: scope.deadline,
        signal: scope.signal,
        state,
      };
      try {
        if (scope.reason) throw scope.reason;
        return await attempt(init);
      } catch (e) {
        // Once the call's own scope ended (deadline, cancel) that is the outcome; an attempt error
        // with the same code is kept because it may say more (e.g. why no connection was ready).
        const attemptError = toClientError(e);
        const error = scope.reason && scope.reason.code !== attemptError.code ? scope.reason : attemptError;
        const retry = counter.attempts < policy.maxAttempts && !scope.reason && !this.closeController.signal.aborted
          && shouldRetry({ error, ...state }, method.idempotency, policy);
        if (!retry) throw error;
        await sleep(retryDelay(counter.attempts, policy), scope.signal);
      }
    }
  }

  private createContext(method: MethodDescriptor, request: unknown, options: ClientCallOptions): ClientInterceptorContext {
    const defaults = this.options;
    return {
      method,
      request,
      metadata: options.metadata ? options.metadata.clone() : new Metadata(),
      options: {
        timeoutMs: options.timeoutMs ?? defaults.timeoutMs,
        serviceKey: {
          group: options.serviceKey?.group ?? defaults.serviceKey.group,
          version: options.serviceKey?.version ?? defaults.serviceKey.version,
        },
      },
      state: new Map(),
    };
  }

  private after(context: ClientInterceptorContext, outcome: ClientCallOutcome): void {
    if (this.options.interceptors.length > 0) runAfterHooks(this.options.interceptors, context, outcome);
  }
}

/**
 * Reads the one response of a unary or client-streaming gRPC call. Zero or two messages break
 * the method's cardinality: UNIMPLEMENTED, as gRPC clients report it. A non-OK status wins
 * over both, because the messages iteration throws it first.
 */
async function collectSingle<O>(attempt: StreamAttempt<O>): Promise<UnaryResponse<O>> {
  let message: O | undefined;
  let count = 0;
  for await (const m of attempt.messages) {
    if (++count > 1) {
      const error = new TripleError(Code.UNIMPLEMENTED, 'protocol error: received more than one response message for a single-response method');
      attempt.cancel(error);
      throw error;
    }
    message = m;
  }
  if (count === 0) throw new TripleError(Code.UNIMPLEMENTED, 'protocol error: missing response message for a single-response method');
  return { message: message as O, header: attempt.header, trailer: await attempt.trailer };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
