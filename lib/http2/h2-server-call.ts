import { constants, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { Code } from '../core/code.js';
import type { OutgoingHeaders } from '../core/metadata.js';
import { settleFinishedBody, WholeBodyReader, type BodyReader, type CancelListener, type ChunkSink, type RespondOptions, type ServerCall } from '../core/server-call.js';
import { TripleError } from '../core/triple-error.js';

const { NGHTTP2_CANCEL } = constants;

/** node:http2 copies its options, so these can be shared by every call. */
const RESPOND_PLAIN = {};
const RESPOND_END_STREAM = { endStream: true };
const RESPOND_WITH_TRAILERS = { waitForTrailers: true };
const NO_TRAILERS: OutgoingHeaders = {};

/**
 * The stream's listeners are shared functions (one per event, not one closure per call); they
 * find their call through this back-reference on the stream.
 */
const kCall = Symbol('H2ServerCall');
type CallStream = ServerHttp2Stream & { [kCall]?: H2ServerCall };

/** `address:port` per session: every stream of a connection has the same peer. */
const peers = new WeakMap<Http2Session, string>();

/** Told when a call's stream has closed (the session guard counts open streams and resets). */
export interface StreamCloseObserver {
  onStreamClosed(stream: ServerHttp2Stream): void;
}


/**
 * A ServerCall over one HTTP/2 stream. Headers are sent when the protocol asks (after the
 * handler had its chance to add metadata); trailers are held until Node asks for them
 * ('wantTrailers'), which keeps the last DATA frame and the trailers in order. A call costs no
 * AbortController unless someone reads `signal`: the protocol layer listens through
 * setCancelListener.
 */
export class H2ServerCall implements ServerCall {
  readonly httpMethod: string;
  readonly path: string;
  readonly query: string;
  readonly httpVersion = '2' as const;
  readonly peer: string;
  private abort: AbortController | undefined;
  private cancelReason: TripleError | undefined;
  private cancelListener: CancelListener | undefined;
  private trailers: OutgoingHeaders | undefined;
  private finished = false;
  private reading: BodyReader | undefined;
  private drainWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> | undefined;

  constructor(
    private readonly stream: ServerHttp2Stream,
    readonly headers: IncomingHttpHeaders,
    readonly rawHeaders: readonly string[],
    private readonly closeObserver?: StreamCloseObserver,
  ) {
    const fullPath = (headers[':path'] as string | undefined) ?? '/';
    const q = fullPath.indexOf('?');
    this.path = q < 0 ? fullPath : fullPath.slice(0, q);
    this.query = q < 0 ? '' : fullPath.slice(q + 1);
    this.httpMethod = (headers[':method'] as string | undefined) ?? 'GET';
    this.peer = peerOf(stream.session);
    (stream as CallStream)[kCall] = this;
    stream.on('close', H2ServerCall.streamClosed);
    stream.on('error', noop); // errors surface through 'close' and rstCode
  }

  get signal(): AbortSignal {
    if (!this.abort) {
      this.abort = new AbortController();
      if (this.cancelReason) this.abort.abort(this.cancelReason);
    }
    return this.abort.signal;
  }

  setCancelListener(listener: CancelListener): void {
    this.cancelListener = listener;
    const reason = this.cancelReason;
    if (reason) queueMicrotask(() => listener.onCallCancelled(reason));
  }

  readBody(reader: BodyReader): void {
    const stream = this.stream;
    if (settleFinishedBody(stream, reader, requestCancelled)) return;
    this.reading = reader;
    stream.on('data', H2ServerCall.streamData);
    stream.on('end', H2ServerCall.streamEnded);
  }

  pauseBody(): void {
    if (this.reading) this.stream.pause();
  }

  resumeBody(): void {
    if (this.reading) this.stream.resume();
  }

  stopBody(): void {
    this.stopReading();
    this.drainBody();
  }

  readAll(sink: ChunkSink): Promise<void> {
    return new Promise<void>((resolve, reject) => this.readBody(new WholeBodyReader(sink, resolve, reject)));
  }

  get pendingBytes(): number {
    return this.stream.writableLength;
  }

  get closed(): boolean {
    return this.finished || this.stream.destroyed;
  }

  drainBody(): void {
    if (!this.stream.readableEnded) this.stream.resume();
  }

  respond(status: number, headers: OutgoingHeaders, options?: RespondOptions): void {
    if (this.closed) return;
    // node:http2 answers 200 when ':status' is absent, and copies the headers it is given.
    const withStatus = status === 200 ? headers : { ...headers, ':status': status };
    if (options?.endStream) {
      this.finished = true;
      this.stream.respond(withStatus, RESPOND_END_STREAM);
      this.finishRequest();
      return;
    }
    if (options?.trailers) {
      this.stream.respond(withStatus, RESPOND_WITH_TRAILERS);
      this.stream.on('wantTrailers', H2ServerCall.trailersWanted);
      return;
    }
    this.stream.respond(withStatus, RESPOND_PLAIN);
  }

  write(chunk: Uint8Array, onWritten?: () => void): Promise<void> | undefined {
    if (this.closed) {
      onWritten?.();
      return undefined;
    }
    // node:http2 calls back once nghttp2 has sent the chunk (or the stream dropped it).
    if (onWritten ? this.stream.write(chunk, () => onWritten()) : this.stream.write(chunk)) return undefined;
    return new Promise<void>((resolve, reject) => {
      if (!this.drainWaiters) {
        this.drainWaiters = [];
        this.stream.once('drain', H2ServerCall.streamDrained);
      }
      this.drainWaiters.push({ resolve, reject });
    });
  }

  end(last?: Uint8Array, trailers?: OutgoingHeaders): void {
    if (this.closed) return;
    this.finished = true;
    // The cancel listener stays until 'close': a Node client that half-closed and then sends
    // RST_STREAM(CANCEL) cancels a call whose handler already answered (see CallScope).
    this.trailers = trailers;
    if (last) this.stream.end(last);
    else this.stream.end();
    this.finishRequest();
  }

  /**
   * After the response is complete, unread request bytes are not worth waiting for: they are
   * discarded, and a reader still reading the body is told it was cut short (a request stream
   * must not keep buffering what a client sends after the call's end).
   */
  private finishRequest(): void {
    if (this.stream.readableEnded) return;
    this.stopReading()?.onBodyError(new TripleError(Code.CANCELLED, 'the call ended before its request stream did'));
    this.stream.resume();
  }

  private stopReading(): BodyReader | undefined {
    const reading = this.reading;
    if (!reading) return undefined;
    this.reading = undefined;
    this.stream.off('data', H2ServerCall.streamData);
    this.stream.off('end', H2ServerCall.streamEnded);
    return reading;
  }

  private static streamDrained(this: CallStream): void {
    const call = this[kCall];
    const waiters = call?.drainWaiters;
    if (!call || !waiters) return;
    call.drainWaiters = undefined;
    for (const w of waiters) w.resolve();
  }

  private onClose(): void {
    this.closeObserver?.onStreamClosed(this.stream);
    const waiters = this.drainWaiters;
    this.drainWaiters = undefined;
    const cancelled = !this.finished || this.stream.rstCode === NGHTTP2_CANCEL;
    if (cancelled && !this.cancelReason) {
      this.cancelReason = new TripleError(Code.CANCELLED, 'the client cancelled the call');
      this.abort?.abort(this.cancelReason);
      this.cancelListener?.onCallCancelled(this.cancelReason);
    }
    this.cancelListener = undefined;
    this.finished = true;
    // 'close' before 'end' means the peer reset the stream mid-request.
    this.stopReading()?.onBodyError(requestCancelled());
    if (waiters) for (const w of waiters) w.reject(this.cancelReason ?? new TripleError(Code.CANCELLED, 'stream closed'));
  }

  private static streamClosed(this: CallStream): void {
    this[kCall]?.onClose();
  }

  private static streamData(this: CallStream, chunk: Buffer): void {
    const call = this[kCall];
    const reading = call?.reading;
    if (!reading) return;
    try {
      reading.onBodyChunk(chunk);
    } catch (e) {
      call.stopReading();
      call.drainBody();
      reading.onBodyError(e);
    }
  }

  private static streamEnded(this: CallStream): void {
    const call = this[kCall];
    const reading = call?.reading;
    if (!reading) return;
    // The body is complete: no more 'data' can come, so the listeners can stay.
    call.reading = undefined;
    reading.onBodyEnd();
  }

  private static trailersWanted(this: CallStream): void {
    const call = this[kCall];
    if (!call || this.destroyed) return;
    this.sendTrailers(call.trailers ?? NO_TRAILERS);
  }
}

function peerOf(session: Http2Session | undefined): string {
  if (!session) return 'unknown';
  let peer = peers.get(session);
  if (peer === undefined) {
    const socket = session.socket;
    peer = socket ? `${socket.remoteAddress}:${socket.remotePort}` : 'unknown';
    // A socket already gone has no address yet to remember.
    if (socket?.remoteAddress) peers.set(session, peer);
  }
  return peer;
}

function requestCancelled(): TripleError {
  return new TripleError(Code.CANCELLED, 'the client cancelled the request stream');
}

function noop(): void {}
