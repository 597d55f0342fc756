import { Observable, type Subscriber } from 'rxjs';
import { isBatchedMessages, type BatchedMessages } from '../../core/request-messages.js';

/** Options of {@link observableFromRequestStream}. */
export interface RequestStreamOptions {
  /** Messages read ahead of the subscriber before reading pauses. 0 reads nothing until subscribed. */
  maxPending: number;
}

/**
 * The request stream of a `@TripleStreamMethod` handler, as the Observable Nest users expect.
 *
 * Reading starts at once: between the call's arrival and the handler subscribing, Nest runs
 * guards, interceptors and pipes (possibly async), and messages arriving meanwhile must not be
 * lost (Nest issue #14094). Unlike Nest's gRPC buffer, this one is bounded: after `maxPending`
 * undelivered messages it stops pulling the source, so the protocol layer stops reading the
 * socket and HTTP/2 flow control pauses the client, until a subscriber takes them. A source
 * that hands messages over in batches (the server's request stream: all messages of one body
 * chunk) is read a batch at a time, so the bound is `maxPending` plus the rest of the last batch.
 *
 * The first subscriber gets the buffered messages synchronously, then live ones; completion
 * and errors (e.g. the call's cancel reason) follow, even if they happened before it subscribed.
 * Unsubscribing early calls the source iterator's `return()`, so the protocol can stop reading.
 * Single-subscriber: a second subscriber gets an error (a second reader of one network stream
 * would silently steal messages); use `share()` to fan out.
 */
export function observableFromRequestStream<T>(source: AsyncIterable<T>, options: RequestStreamOptions): Observable<T> {
  const { maxPending } = options;
  if (!Number.isInteger(maxPending) || maxPending < 0) throw new RangeError(`maxPending must be an integer >= 0, got ${maxPending}`);
  const reader = new RequestStreamReader(source, maxPending);
  return new Observable<T>((subscriber) => reader.attach(subscriber));
}

/** Placeholder iterator of a batched source, which is read through nextBatch() instead. */
const NO_ITERATOR: AsyncIterator<never> = { next: () => Promise.resolve({ value: undefined, done: true }) };

type Ending = { kind: 'complete' } | { kind: 'error'; error: unknown };

/** The pull loop and its buffer, shared by the Observable's (single) subscription. */
class RequestStreamReader<T> {
  private readonly iterator: AsyncIterator<T>;
  private readonly batches: BatchedMessages<T> | undefined;
  private buffer: T[] = [];
  private subscriber: Subscriber<T> | undefined;
  private attached = false;
  private ending: Ending | undefined;
  private pulling = false;
  private stopped = false;

  constructor(source: AsyncIterable<T>, private readonly maxPending: number) {
    this.batches = isBatchedMessages(source) ? source : undefined;
    this.iterator = this.batches ? NO_ITERATOR : source[Symbol.asyncIterator]();
    this.pump();
  }

  attach(subscriber: Subscriber<T>): () => void {
    if (this.attached) {
      subscriber.error(new Error('a Triple request stream can be subscribed only once; use share() to give it several subscribers'));
      return () => undefined;
    }
    this.attached = true;
    this.subscriber = subscriber;
    const buffered = this.buffer;
    for (let i = 0; i < buffered.length && !subscriber.closed; i++) subscriber.next(buffered[i]!);
    buffered.length = 0;
    if (subscriber.closed) return () => this.detach();
    if (this.ending) this.finish();
    else this.pump();
    return () => this.detach();
  }

  /** Pulls while someone listens or the read-ahead buffer has room; one pull at a time. */
  private pump(): void {
    if (this.pulling || this.stopped || this.ending) return;
    this.pulling = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      if (this.batches) await this.readBatches(this.batches);
      else await this.readMessages();
    } catch (error) {
      if (!this.stopped) this.ending = { kind: 'error', error };
    } finally {
      this.pulling = false;
    }
    if (this.ending) {
      if (this.subscriber && !this.stopped) this.finish();
    } else if (this.wantsMore()) {
      // Someone subscribed while this loop was winding down: keep reading.
      this.pump();
    }
  }

  private wantsMore(): boolean {
    return !this.stopped && (this.subscriber !== undefined || this.buffer.length < this.maxPending);
  }

  /** A promise per chunk, not per message: the batch is delivered (or buffered) synchronously. */
  private async readBatches(source: BatchedMessages<T>): Promise<void> {
    while (this.wantsMore()) {
      const batch = await source.nextBatch();
      if (this.stopped) return;
      if (batch === undefined) {
        this.ending = { kind: 'complete' };
        return;
      }
      for (let i = 0; i < batch.length; i++) {
        const subscriber = this.subscriber;
        if (subscriber) subscriber.next(batch[i]!);
        else if (!this.stopped) this.buffer.push(batch[i]!);
        if (this.stopped) return; // unsubscribed from inside next()
      }
    }
  }

  private async readMessages(): Promise<void> {
    while (this.wantsMore()) {
      const result = await this.iterator.next();
      if (this.stopped) return;
      if (result.done) {
        this.ending = { kind: 'complete' };
        return;
      }
      if (this.subscriber) this.subscriber.next(result.value);
      else this.buffer.push(result.value);
    }
  }

  private finish(): void {
    const subscriber = this.subscriber!;
    const ending = this.ending!;
    this.stopped = true;
    if (ending.kind === 'complete') subscriber.complete();
    else subscriber.error(ending.error);
  }

  /** Teardown: after complete/error it is a no-op; an early unsubscribe stops the source. */
  private detach(): void {
    this.subscriber = undefined;
    if (this.stopped) return;
    this.stopped = true;
    this.buffer.length = 0;
    try {
      if (this.batches) this.batches.cancel();
      else void this.iterator.return?.()?.catch(() => undefined);
    } catch {
      // A throwing return() must not break the subscriber's unsubscribe.
    }
  }
}
