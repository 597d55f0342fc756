import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { Cancellable, CancelSignal } from '../core/call-cancel.js';
import type { ClientCall, ClientResponseHead } from '../core/client-call.js';
import { Code } from '../core/code.js';
import type { IncomingHeaders } from '../core/metadata.js';
import { TripleError } from '../core/triple-error.js';
import { connectionError, errorFromRstCode, isRefused } from './h2-error.js';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = constants;

const kCall = Symbol('H2ClientCall');
type CallStream = ClientHttp2Stream & { [kCall]?: H2ClientCall };

/**
 * A ClientCall over one ClientHttp2Stream. The three outcomes (response head, body, trailers)
 * settle from one memoized result, so they always agree. The body is pulled through the
 * stream's own iterator: Node stops reading DATA (and returning HTTP/2 window) while nobody
 * pulls, which is how a slow consumer holds a fast server back.
 */
export class H2ClientCall implements ClientCall, Cancellable {
  readonly response: Promise<ClientResponseHead>;
  readonly trailers: Promise<IncomingHeaders>;
  private resolveResponse!: (head: ClientResponseHead) => void;
  private rejectResponse!: (error: TripleError) => void;
  private resolveTrailers!: (trailers: IncomingHeaders) => void;
  private rejectTrailers!: (error: TripleError) => void;
  private received: IncomingHttpHeaders | undefined;
  private failure: TripleError | undefined;
  private cancelled: TripleError | undefined;
  private completed = false;
  private started = false;
  private drainWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> | undefined;

  /**
   * @param goawayLastStreamId reads the last stream id of a GOAWAY the session received (or
   *   +Infinity): streams above it were never processed
   * @param onDone called once when the stream closed (the session manager's stream accounting)
   */
  constructor(
    private readonly stream: ClientHttp2Stream,
    private readonly session: ClientHttp2Session,
    readonly peer: string,
    private readonly cancellation: CancelSignal,
    private readonly goawayLastStreamId: () => number,
    private readonly onDone: () => void,
  ) {
    this.response = new Promise((resolve, reject) => {
      this.resolveResponse = resolve;
      this.rejectResponse = reject;
    });
    this.trailers = new Promise((resolve, reject) => {
      this.resolveTrailers = resolve;
      this.rejectTrailers = reject;
    });
    // Callers may never look at one of them (e.g. trailers after a failed head): no unhandled rejections.
    this.response.catch(noop);
    this.trailers.catch(noop);
    (stream as CallStream)[kCall] = this;
    stream.on('response', H2ClientCall.streamResponse);
    stream.on('trailers', H2ClientCall.streamTrailers);
    stream.on('end', H2ClientCall.streamEnded);
    stream.on('close', H2ClientCall.streamClosed);
    stream.on('error', noop); // surfaces through 'close' / the iterator, mapped by fail()
    if (cancellation.reason) this.cancel(cancellation.reason);
    else cancellation.subscribe(this);
  }

  get responseStarted(): boolean {
    return this.started;
  }

  get unprocessed(): boolean {
    if (this.started) return false;
    const id = this.stream.id;
    return id === undefined || id > this.goawayLastStreamId() || isRefused(this.stream.rstCode ?? -1);
  }

  get body(): AsyncIterable<Uint8Array> {
    return this.readBody();
  }

  readAll(onChunk: (chunk: Uint8Array) => void): Promise<IncomingHeaders> {
    this.stream.on('data', (chunk: Buffer) => {
      if (this.failure) return;
      try {
        onChunk(chunk);
      } catch (e) {
        this.cancel(TripleError.from(e, Code.INTERNAL));
      }
    });
    return this.trailers;
  }

  write(chunk: Uint8Array): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    if (this.stream.destroyed || this.stream.writableEnded) return undefined;
    if (this.stream.write(chunk)) return undefined;
    return new Promise<void>((resolve, reject) => {
      if (!this.drainWaiters) {
        this.drainWaiters = [];
        this.stream.once('drain', H2ClientCall.streamDrained);
      }
      this.drainWaiters.push({ resolve, reject });
    });
  }

  end(last?: Uint8Array): void {
    if (this.stream.destroyed || this.stream.writableEnded) return;
    if (last) this.stream.end(last);
    else this.stream.end();
  }

  cancel(reason: TripleError): void {
    if (this.completed || this.failure) return;
    this.cancelled = reason;
    this.fail(reason);
    if (!this.stream.destroyed) this.stream.close(NGHTTP2_CANCEL);
  }

  private async *readBody(): AsyncGenerator<Uint8Array> {
    const iterator = this.stream.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<Buffer>;
    let finished = false;
    try {
      for (;;) {
        let next: IteratorResult<Buffer>;
        try {
          next = await iterator.next();
        } catch (e) {
          throw this.fail(this.failureFor(e));
        }
        if (next.done) break;
        yield next.value;
      }
      finished = true;
      if (this.failure) throw this.failure;
    } finally {
      if (!finished) this.cancel(this.failure ?? new TripleError(Code.CANCELLED, 'the caller stopped reading the response'));
    }
  }

  // The stream's listeners are shared functions, not five closures per call: each finds its
  // call through the back-reference the constructor leaves on the stream.
  private static streamResponse(this: CallStream, headers: IncomingHttpHeaders): void {
    const call = this[kCall]!;
    call.started = true;
    call.resolveResponse({ status: Number(headers[':status']), headers });
  }

  private static streamTrailers(this: CallStream, trailers: IncomingHttpHeaders): void {
    this[kCall]!.received = trailers;
  }

  /** The peer ended its side: the response is complete, trailers included. */
  private static streamEnded(this: CallStream): void {
    const call = this[kCall]!;
    if (call.failure) return;
    call.completed = true;
    call.resolveTrailers(call.received ?? {});
    // The server is done; requests still being sent would go nowhere (gRPC ends the call here).
    if (!this.writableEnded && !this.destroyed) this.close(NGHTTP2_NO_ERROR);
  }

  private static streamClosed(this: CallStream): void {
    const call = this[kCall]!;
    call.cancellation.unsubscribe(call);
    if (!call.completed) call.fail(call.failureFor(undefined));
    const waiters = call.drainWaiters;
    call.drainWaiters = undefined;
    if (waiters) for (const w of waiters) w.reject(call.failure ?? RESPONSE_COMPLETE);
    call.onDone();
  }

  private static streamDrained(this: CallStream): void {
    const call = this[kCall]!;
    const waiters = call.drainWaiters;
    call.drainWaiters = undefined;
    if (waiters) for (const w of waiters) w.resolve();
  }

  /** Records the first failure and rejects whatever is still pending with it. */
  private fail(error: TripleError): TripleError {
    if (this.failure) return this.failure;
    this.failure = error;
    this.rejectResponse(error);
    this.rejectTrailers(error);
    return error;
  }

  /** Why the stream died: our cancel, a lost connection, or the peer's RST code. */
  private failureFor(cause: unknown): TripleError {
    if (this.cancelled) return this.cancelled;
    if (this.failure) return this.failure;
    const rstCode = this.stream.rstCode;
    if (rstCode !== undefined && isRefused(rstCode)) return errorFromRstCode(rstCode);
    // A lost socket destroys the session first; its streams then close with whatever code.
    if (this.session.destroyed) return connectionError(`the connection to ${this.peer} was lost`, cause);
    if (rstCode !== undefined) return errorFromRstCode(rstCode);
    return connectionError(`the stream to ${this.peer} failed`, cause);
  }
}

/** Rejects writes still waiting for 'drain' once the server ended the call; the sender stops quietly. */
const RESPONSE_COMPLETE = new TripleError(Code.CANCELLED, 'the server completed the call before the request ended');

function noop(): void {}
