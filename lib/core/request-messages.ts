import { Code } from './code.js';
import { EnvelopeDecoder } from './envelope-decoder.js';
import { decodeEnvelope, type MessageReadOptions } from './message-reader.js';
import type { BodyReader, ServerCall } from './server-call.js';
import { TripleError } from './triple-error.js';

/** The part of a ServerCall a request stream reads from. */
export type RequestBody = Pick<ServerCall, 'readBody' | 'pauseBody' | 'resumeBody' | 'stopBody'>;

/** Receives the messages of a request stream pushed by {@link RequestMessages.receive}. */
export interface MessageReceiver<T> {
  /** The messages one body chunk completed, in order (at least one). */
  onMessages(messages: readonly T[]): void;
  onEnd(): void;
  onError(error: TripleError): void;
}

/** A request stream that can push its messages (see RequestMessages); others are only pulled. */
export interface PushedMessages<T> extends AsyncIterable<T> {
  receive(receiver: MessageReceiver<T>): void;
  pause(): void;
  resume(): void;
  cancel(): void;
}

export function isPushedMessages<T>(value: AsyncIterable<T>): value is PushedMessages<T> {
  return typeof (value as Partial<PushedMessages<T>>).receive === 'function';
}

/**
 * The request messages of a client-streaming or bidi call, decoded as the body arrives.
 *
 * Pushed (`receive`): every message one body chunk completed goes to the receiver at once,
 * straight from the transport's data event, with no promise or async frame per chunk, which
 * is what a call held open for hours should cost. The receiver paces the body with
 * pause/resume (the Nest request Observable pauses once its read-ahead is full).
 * Pulled (`for await`): the body is paused whenever decoded messages wait for the consumer.
 * Either way a paused body makes HTTP/2 flow control hold a fast sender back.
 *
 * The size limit is checked on each envelope header (an oversized message is refused before
 * it is buffered); compressed messages are decompressed in order, the body paused meanwhile.
 * A broken stream (bad frame, size, codec, peer reset) is reported once to `onError` (the
 * call ends with its status) and then to the receiver.
 */
export class RequestMessages<T> implements PushedMessages<T>, BodyReader {
  private readonly decoder: EnvelopeDecoder;
  private receiver: MessageReceiver<T> | undefined;
  private done = false;
  private paused = false;
  /** A chunk's compressed messages are being decompressed: later chunks wait in `backlog`. */
  private decoding = false;
  private backlog: Uint8Array[] | undefined;
  private endPending = false;

  constructor(
    private readonly body: RequestBody,
    private readonly options: MessageReadOptions<T>,
    private readonly onError?: (error: TripleError) => void,
  ) {
    this.decoder = new EnvelopeDecoder(options.readMaxBytes);
  }

  /** Starts reading, pushing every message to `receiver`. Once per stream (or one iteration). */
  receive(receiver: MessageReceiver<T>): void {
    if (this.receiver) throw new Error('a request stream can be read only once');
    this.receiver = receiver;
    // Cancelled before anyone read: the stream is over.
    if (this.done) queueMicrotask(() => receiver.onEnd());
    else this.body.readBody(this);
  }

  pause(): void {
    this.paused = true;
    this.body.pauseBody();
  }

  resume(): void {
    this.paused = false;
    if (!this.decoding && !this.done) this.body.resumeBody();
  }

  /** Stops reading: the rest of the body is discarded (the response can still be sent). */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.backlog = undefined;
    this.body.stopBody();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return new PulledMessages(this);
  }

  onBodyChunk(chunk: Uint8Array): void {
    if (this.done) return;
    if (this.decoding) (this.backlog ??= []).push(chunk);
    else this.decodeChunk(chunk);
  }

  onBodyEnd(): void {
    if (this.done) return;
    if (this.decoding) this.endPending = true;
    else this.end();
  }

  onBodyError(error: unknown): void {
    this.fail(error);
  }

  private decodeChunk(chunk: Uint8Array): void {
    let messages: Array<T | Promise<T>>;
    let compressed = false;
    try {
      const envelopes = this.decoder.push(chunk);
      if (envelopes.length === 0) return;
      messages = new Array<T | Promise<T>>(envelopes.length);
      for (let i = 0; i < envelopes.length; i++) {
        const { flags, data } = envelopes[i]!;
        const message = decodeEnvelope(flags, data, this.options);
        if (message instanceof Promise) compressed = true;
        messages[i] = message;
      }
    } catch (e) {
      this.fail(e);
      return;
    }
    if (!compressed) {
      this.receiver!.onMessages(messages as T[]);
      return;
    }
    this.decoding = true;
    this.body.pauseBody();
    Promise.all(messages).then(
      (decoded) => this.afterDecoding(decoded),
      (e: unknown) => this.fail(e),
    );
  }

  private afterDecoding(decoded: T[]): void {
    this.decoding = false;
    if (this.done) return;
    this.receiver!.onMessages(decoded);
    while (this.backlog?.length && !this.decoding && !this.done) this.decodeChunk(this.backlog.shift()!);
    if (this.decoding || this.done) return;
    if (this.endPending) this.end();
    else if (!this.paused) this.body.resumeBody();
  }

  private end(): void {
    try {
      this.decoder.finish();
    } catch (e) {
      this.fail(e);
      return;
    }
    this.done = true;
    this.receiver!.onEnd();
  }

  private fail(cause: unknown): void {
    if (this.done) return;
    this.done = true;
    this.backlog = undefined;
    this.body.stopBody();
    const error = TripleError.from(cause, Code.INTERNAL);
    this.onError?.(error);
    this.receiver?.onError(error);
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** Per-message iteration: decoded messages wait here, the body paused, until they are pulled. */
class PulledMessages<T> implements AsyncIterator<T>, MessageReceiver<T> {
  private queue: T[] = [];
  private index = 0;
  private ended = false;
  private error: TripleError | undefined;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;

  constructor(private readonly source: RequestMessages<T>) {
    source.receive(this);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.index < this.queue.length) {
      const value = this.queue[this.index++]!;
      if (this.index === this.queue.length) {
        this.queue = [];
        this.index = 0;
        if (!this.ended) this.source.resume();
      }
      return Promise.resolve({ value, done: false });
    }
    const error = this.error;
    if (error) {
      this.error = undefined;
      return Promise.reject(error);
    }
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.ended = true;
    this.queue = [];
    this.source.cancel();
    return Promise.resolve(DONE);
  }

  onMessages(messages: readonly T[]): void {
    let i = 0;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ value: messages[i++]!, done: false });
    }
    if (i === messages.length) return;
    for (; i < messages.length; i++) this.queue.push(messages[i]!);
    this.source.pause();
  }

  onEnd(): void {
    this.ended = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(DONE);
  }

  onError(error: TripleError): void {
    this.ended = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter.reject(error);
    else this.error = error;
  }
}
