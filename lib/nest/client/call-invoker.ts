import { Observable, type Subscriber, type TeardownLogic } from 'rxjs';
import { CancelSource } from '../../core/call-cancel.js';
import type { ServiceKey } from '../../core/call-context.js';
import type { ClientCallOptions, ClientTransport, StreamResponse, UnaryResponse } from '../../core/client-transport.js';
import { Code } from '../../core/code.js';
import type { Metadata } from '../../core/metadata.js';
import { isStreamingRequest, type MethodDescriptor } from '../../core/method-descriptor.js';
import { TripleError } from '../../core/triple-error.js';
import { TripleException } from '../exceptions/triple.exception.js';
import { mergePacketMetadata, type PreparedCallOptions } from './call-options.js';
import type { CallDefaults } from './client-options.js';
import { toRequestIterable, type RequestStream } from './request-stream.js';

/** What the stubs of one client share: one transport, its defaults, the dispatch hook. */
export interface CallInvokerConfig {
  readonly transport: ClientTransport;
  readonly defaults: CallDefaults;
  readonly maxBufferedRequests: number;
  /**
   * Packet metadata for a call that did not come through `ClientProxy#send` (where Nest already
   * ran the hook): Nest 12's dispatch hook, so stub calls carry trace ids too. Undefined on Nest 11.
   */
  readonly dispatchMetadata?: (method: MethodDescriptor, input: unknown) => Record<string, string> | undefined;
}

/** How a call gets its packet metadata: from a packet Nest already built, or from the hook. */
export type PacketSource = { readonly metadata: Record<string, string> | undefined } | undefined;

/** Reason a call is aborted with when its caller stops listening (sent as RST_STREAM CANCEL). */
export function callerGone(what: string): TripleError {
  return new TripleError(Code.CANCELLED, `call cancelled: ${what}`);
}

/** The caller sees TripleExceptions only: code, message, details and metadata (trailers) kept. */
export function toTripleException(error: unknown): TripleException {
  if (error instanceof TripleException) return error;
  return TripleException.fromTripleError(TripleError.from(error, Code.UNKNOWN));
}

/**
 * The cancellation of one call, linked to the caller's own signal. The caller's abort reason is
 * kept as the cause of a CANCELLED TripleError, which is what the transport fails the call with.
 * No AbortController per call: the transport subscribes to this CancelSource; `signal` (an
 * AbortSignal mirror) is only created for a transport that reads it.
 */
export class CallAbort extends CancelSource {
  private unlink: (() => void) | undefined;

  constructor(userSignal: AbortSignal | undefined) {
    super();
    if (!userSignal) return;
    const onAbort = (): void => this.cancel(cancelReason(userSignal.reason));
    if (userSignal.aborted) {
      onAbort();
      return;
    }
    userSignal.addEventListener('abort', onAbort, { once: true });
    this.unlink = () => userSignal.removeEventListener('abort', onAbort);
  }

  /** Aborts the call (idempotent). */
  override cancel(reason: TripleError): void {
    this.finish();
    super.cancel(reason);
  }

  /** The call ended: stop listening to the caller's signal. */
  finish(): void {
    this.unlink?.();
    this.unlink = undefined;
  }
}

/** The transport's options of one call: `cancel` for transports that take it, `signal` made on demand for the others. */
class TransportCallOptions implements ClientCallOptions {
  metadata: Metadata | undefined = undefined;
  timeoutMs: number | undefined = undefined;

  constructor(
    readonly cancel: CallAbort,
    readonly serviceKey: ServiceKey,
  ) {}

  get signal(): AbortSignal {
    return this.cancel.signal;
  }
}

function cancelReason(reason: unknown): TripleError {
  if (reason instanceof TripleError) return reason;
  return new TripleError(Code.CANCELLED, 'call cancelled by its AbortSignal', { cause: reason });
}

/**
 * Turns transport calls into cold Observables: one call (one HTTP/2 stream) per subscription,
 * unsubscribe = cancel. Streamed responses are pulled one message per emission, so a slow
 * synchronous subscriber holds the HTTP/2 stream back instead of filling memory (nestjs/nest #1434).
 */
export class CallInvoker {
  constructor(readonly config: CallInvokerConfig) {}

  /** `input` is the request message, or a RequestStream for client-streaming and bidi methods. */
  observe<O>(method: MethodDescriptor, input: unknown, options: PreparedCallOptions, packet?: PacketSource): Observable<O> {
    return new Observable<O>((subscriber) => {
      const abort = new CallAbort(options.signal);
      let transportOptions: ClientCallOptions;
      try {
        transportOptions = this.transportOptions(method, input, options, abort, packet);
      } catch (error) {
        abort.finish();
        subscriber.error(toTripleException(error));
        return;
      }
      switch (method.kind) {
        case 'unary':
        case 'client_streaming':
          return this.runSingle(method, input, transportOptions, options, abort, subscriber);
        default:
          return this.runStream(method, input, transportOptions, options, abort, subscriber);
      }
    });
  }

  /** What the transport gets for one call; runs at call start (the hook sees the live context). */
  transportOptions(method: MethodDescriptor, input: unknown, options: PreparedCallOptions, abort: CallAbort, packet: PacketSource): ClientCallOptions {
    const packetMetadata = packet ? packet.metadata : this.config.dispatchMetadata?.(method, input);
    const out = new TransportCallOptions(abort, options.serviceKey);
    out.metadata = mergePacketMetadata(packetMetadata, options.metadata);
    out.timeoutMs = options.timeoutMs;
    return out;
  }

  /** Starts a unary or client-streaming call. */
  startSingle<O>(method: MethodDescriptor, input: unknown, options: ClientCallOptions): Promise<UnaryResponse<O>> {
    const { transport, maxBufferedRequests } = this.config;
    try {
      if (method.kind === 'client_streaming') {
        return transport.clientStream<unknown, O>(method, toRequestIterable(input as RequestStream<unknown>, maxBufferedRequests), options);
      }
      return transport.unary<unknown, O>(method, input, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Starts a server-streaming or bidi call; the returned response's promises never go unhandled. */
  startStream<O>(method: MethodDescriptor, input: unknown, options: ClientCallOptions): StreamResponse<O> {
    const { transport, maxBufferedRequests } = this.config;
    const response = isStreamingRequest(method.kind)
      ? transport.bidiStream<unknown, O>(method, toRequestIterable(input as RequestStream<unknown>, maxBufferedRequests), options)
      : transport.serverStream<unknown, O>(method, input, options);
    response.header.catch(() => undefined);
    response.trailer.catch(() => undefined);
    return response;
  }

  private runSingle<O>(
    method: MethodDescriptor, input: unknown, transportOptions: ClientCallOptions, options: PreparedCallOptions,
    abort: CallAbort, subscriber: Subscriber<O>,
  ): TeardownLogic {
    let done = false;
    const fail = (error: unknown): void => {
      done = true;
      abort.finish();
      subscriber.error(toTripleException(error));
    };
    this.startSingle<O>(method, input, transportOptions).then((response) => {
      done = true;
      abort.finish();
      try {
        options.onHeader?.(response.header);
        options.onTrailer?.(response.trailer);
      } catch (error) {
        fail(error);
        return;
      }
      subscriber.next(response.message);
      subscriber.complete();
    }, fail);
    return () => {
      if (!done) abort.cancel(callerGone('the subscriber unsubscribed'));
    };
  }

  private runStream<O>(
    method: MethodDescriptor, input: unknown, transportOptions: ClientCallOptions, options: PreparedCallOptions,
    abort: CallAbort, subscriber: Subscriber<O>,
  ): TeardownLogic {
    const state = { done: false };
    let iterator: AsyncIterator<O> | undefined;
    const pump = async (): Promise<void> => {
      const response = this.startStream<O>(method, input, transportOptions);
      iterator = response[Symbol.asyncIterator]();
      if (options.onHeader) {
        const header = await response.header;
        if (subscriber.closed) return;
        options.onHeader(header);
      }
      while (!subscriber.closed) {
        const step = await iterator.next();
        if (subscriber.closed) return;
        if (step.done) break;
        subscriber.next(step.value);
      }
      if (subscriber.closed) return;
      const trailer = options.onTrailer ? await response.trailer : undefined;
      state.done = true;
      abort.finish();
      if (trailer) options.onTrailer?.(trailer);
      subscriber.complete();
    };
    pump().catch((error: unknown) => {
      // After an unsubscribe this is the cancel coming back; error() on a closed subscriber is a no-op.
      state.done = true;
      abort.finish();
      subscriber.error(toTripleException(error));
    });
    subscriber.add(() => {
      if (state.done || !iterator) return;
      // Abort first, so return() never waits on a live stream; then let the transport release
      // whatever the iterator holds. (observe's own teardown aborts again: a no-op.)
      abort.cancel(callerGone('the subscriber unsubscribed'));
      Promise.resolve()
        .then(() => iterator?.return?.())
        .catch(() => undefined);
    });
    return () => {
      if (!state.done) abort.cancel(callerGone('the subscriber unsubscribed'));
    };
  }
}
