import { Observable, type Subscriber, type Unsubscribable } from 'rxjs';
import type { TripleError } from '../../core/triple-error.js';
import { isPushedMessages, type MessageReceiver, type PushedMessages } from '../../core/request-messages.js';

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
 * that pushes its messages (the server's request stream: all messages of one body chunk at
 * once) is paused and resumed instead of pulled, so a held stream costs no pending promise;
 * its bound is `maxPending` plus the rest of the last chunk's messages.
 *
 * The first subscriber gets the buffered messages synchronously, then live ones; completion
 * and errors (e.g. the call's cancel reason) follow, even if they happened before it subscribed.
 * Unsubscribing early calls the source iterator's `return()` (or cancels a pushed source), so
 * the protocol can stop reading.
 * Single-subscriber: a second subscriber gets an error (a second reader of one network stream
 * would silently steal messages); use `share()` to fan out.
 */
export function observableFromRequestStream<T>(source: AsyncIterable<T>, options: RequestStreamOptions): Observable<T> {
  const { maxPending } = options;
  if (!Number.isInteger(maxPending) || maxPending < 0) throw new RangeError(`maxPending must be an integer >= 0, got ${maxPending}`);
  return new RequestStreamObservable(new RequestStreamReader(source, maxPending));
}

/** An Observable subclass (as RxJS's Subject is): no closure per request stream. */
class RequestStreamObservable<T> extends Observable<T> {
  constructor(private readonly reader: RequestStreamReader<T>) {
    super();
  }

  /** Called by RxJS for every subscriber (Observable#_trySubscribe). */
  protected _subscribe(subscriber: Subscriber<T>): Unsubscribable {
    return this.reader.attach(subscriber);
  }
}

const NO_TEARDOWN: Unsubscribable = { unsubscribe: () => undefined };

type Ending = { kind: 'complete' } | { kind: 'error'; error: unknown };

/**
 * The read loop (or pushed source) and its buffer, shared by the Observable's (single)
 * subscription, whose teardown it is too (`unsubscribe`).
 */
class RequestStreamReader<T> implements MessageReceiver<T>, Unsubscribable {
  /** A pulled source's iterator, created when reading starts. */
  private iterator: AsyncIterator<T> | undefined;
  private readonly pushed: PushedMessages<T> | undefined;
  private buffer: T[] = [];
  private subscriber: Subscriber<T> | undefined;
  private attached = false;
  private ending: Ending | undefined;
  private started = false;
  private pulling = false;
  private paused = false;
  private stopped = false;

  constructor(
    private readonly source: AsyncIterable<T>,
    private readonly maxPending: number,
  ) {
    this.pushed = isPushedMessages(source) ? source : undefined;
    if (maxPending > 0) this.start();
  }

  attach(subscriber: Subscriber<T>): Unsubscribable {
    if (this.attached) {
      subscriber.error(new Error('a Triple request stream can be subscribed only once; use share() to give it several subscribers'));
      return NO_TEARDOWN;
    }
    this.attached = true;
    this.subscriber = subscriber;
    const buffered = this.buffer;
    for (let i = 0; i < buffered.length && !subscriber.closed; i++) subscriber.next(buffered[i]!);
    buffered.length = 0;
    if (subscriber.closed) return this;
    if (this.ending) this.finish();
    else if (!this.started) this.start();
    else if (this.paused) {
      this.paused = false;
      this.pushed?.resume();
    } else this.pump();
    return this;
  }

  onMessages(messages: readonly T[]): void {
    for (let i = 0; i < messages.length; i++) {
      if (this.stopped) return; // unsubscribed from inside next()
      const subscriber = this.subscriber;
      if (subscriber) subscriber.next(messages[i]!);
      else this.buffer.push(messages[i]!);
    }
    if (!this.subscriber && !this.stopped && !this.paused && this.buffer.length >= this.maxPending) {
      this.paused = true;
      this.pushed!.pause();
    }
  }

  onEnd(): void {
    this.end({ kind: 'complete' });
  }

  onError(error: TripleError): void {
    this.end({ kind: 'error', error });
  }

  private start(): void {
    this.started = true;
    if (this.pushed) this.pushed.receive(this);
    else {
      this.iterator = this.source[Symbol.asyncIterator]();
      this.pump();
    }
  }

  private end(ending: Ending): void {
    if (this.stopped || this.ending) return;
    this.ending = ending;
    if (this.subscriber) this.finish();
  }

  /** A pulled source: reads while someone listens or the read-ahead buffer has room; one pull at a time. */
  private pump(): void {
    if (this.pulling || this.stopped || this.ending || !this.iterator) return;
    this.pulling = true;
    void this.loop(this.iterator);
  }

  private async loop(iterator: AsyncIterator<T>): Promise<void> {
    try {
      while (this.wantsMore()) {
        const result = await iterator.next();
        if (this.stopped) return;
        if (result.done) {
          this.ending = { kind: 'complete' };
          break;
        }
        if (this.subscriber) this.subscriber.next(result.value);
        else this.buffer.push(result.value);
      }
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

  private finish(): void {
    const subscriber = this.subscriber!;
    const ending = this.ending!;
    this.stopped = true;
    if (ending.kind === 'complete') subscriber.complete();
    else subscriber.error(ending.error);
  }

  /** Teardown: after complete/error it is a no-op; an early unsubscribe stops the source. */
  unsubscribe(): void {
    this.subscriber = undefined;
    if (this.stopped) return;
    this.stopped = true;
    this.buffer.length = 0;
    try {
      if (this.pushed) this.pushed.cancel();
      else void this.iterator?.return?.()?.catch(() => undefined);
    } catch {
      // A throwing return() must not break the subscriber's unsubscribe.
    }
  }
}
