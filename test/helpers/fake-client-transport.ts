import type {
  ClientCallOptions,
  ClientConnectionState,
  ClientTransport,
  StreamResponse,
  UnaryResponse,
} from '../../lib/core/client-transport.js';
import { Code } from '../../lib/core/code.js';
import { Metadata } from '../../lib/core/metadata.js';
import type { MethodDescriptor } from '../../lib/core/method-descriptor.js';
import { TripleError } from '../../lib/core/triple-error.js';

/** One call the fake transport received. */
export interface RecordedCall {
  kind: 'unary' | 'clientStream' | 'serverStream' | 'bidiStream';
  method: MethodDescriptor;
  request?: unknown;
  requests?: AsyncIterable<unknown>;
  options: ClientCallOptions;
}

/** A scripted server stream: what it yields, and what the consumer did to it. */
export interface ScriptedStream<O> extends StreamResponse<O> {
  pulls: number;
  returned: boolean;
}

/**
 * In-memory ClientTransport for unit specs of the Nest client: records every call and answers
 * through replaceable handlers. Calls honour `options.signal` like the real one (rejecting with
 * its reason), so cancellation paths can be asserted without a network.
 */
export class FakeClientTransport implements ClientTransport {
  readonly calls: RecordedCall[] = [];
  sessionCount = 0;
  connectCalls = 0;
  closeCalls = 0;
  private readonly listeners = new Set<(state: ClientConnectionState) => void>();

  /** Answers unary and client-stream calls; default: echoes the request (or the collected requests). */
  single: (call: RecordedCall) => Promise<UnaryResponse<any>> = async (call) => {
    const message = call.requests ? await collect(call.requests) : call.request;
    return { message, header: new Metadata({ 'x-h': 'h' }), trailer: new Metadata({ 'x-t': 't' }) };
  };

  /** Answers server-stream and bidi calls; default: three messages. */
  stream: (call: RecordedCall) => StreamResponse<any> = (call) => scriptedStream([{ n: 0 }, { n: 1 }, { n: 2 }], call.options.signal);

  unary<I, O>(method: MethodDescriptor, request: I, options: ClientCallOptions = {}): Promise<UnaryResponse<O>> {
    return this.answer({ kind: 'unary', method, request, options });
  }

  clientStream<I, O>(method: MethodDescriptor, requests: AsyncIterable<I>, options: ClientCallOptions = {}): Promise<UnaryResponse<O>> {
    return this.answer({ kind: 'clientStream', method, requests, options });
  }

  serverStream<I, O>(method: MethodDescriptor, request: I, options: ClientCallOptions = {}): StreamResponse<O> {
    const call: RecordedCall = { kind: 'serverStream', method, request, options };
    this.calls.push(call);
    return this.stream(call);
  }

  bidiStream<I, O>(method: MethodDescriptor, requests: AsyncIterable<I>, options: ClientCallOptions = {}): StreamResponse<O> {
    const call: RecordedCall = { kind: 'bidiStream', method, requests, options };
    this.calls.push(call);
    return this.stream(call);
  }

  async connect(): Promise<void> {
    this.connectCalls++;
    this.emit('connected');
  }

  async close(): Promise<void> {
    this.closeCalls++;
    this.emit('closed');
  }

  onStateChange(listener: (state: ClientConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(state: ClientConnectionState): void {
    for (const listener of this.listeners) listener(state);
  }

  private answer<O>(call: RecordedCall): Promise<UnaryResponse<O>> {
    this.calls.push(call);
    const signal = call.options.signal;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      this.single(call).then(resolve, reject);
    });
  }
}

/** A StreamResponse over `messages`, one per `next()`, failing with the signal's reason once aborted. */
export function scriptedStream<O>(messages: O[], signal?: AbortSignal, end?: TripleError): ScriptedStream<O> {
  let index = 0;
  const header = Promise.resolve(new Metadata({ 'x-h': 'stream' }));
  let settleTrailer!: (md: Metadata) => void;
  let failTrailer!: (e: unknown) => void;
  const trailer = new Promise<Metadata>((resolve, reject) => ((settleTrailer = resolve), (failTrailer = reject)));
  trailer.catch(() => undefined);
  const stream: ScriptedStream<O> = {
    pulls: 0,
    returned: false,
    header,
    trailer,
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        stream.pulls++;
        await new Promise((r) => setImmediate(r));
        if (signal?.aborted) {
          failTrailer(signal.reason);
          throw signal.reason;
        }
        if (index < messages.length) return { done: false, value: messages[index++]! };
        if (end) {
          failTrailer(end);
          throw end;
        }
        settleTrailer(new Metadata({ 'x-t': 'stream' }));
        return { done: true, value: undefined };
      },
      return: async () => {
        stream.returned = true;
        return { done: true, value: undefined };
      },
    }),
  };
  return stream;
}

export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

export const notFound = (): TripleError => new TripleError(Code.NOT_FOUND, 'no such thing', { metadata: new Metadata({ 'x-reason': 'gone' }) });
