import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { Code } from '../core/code.js';
import type { OutgoingHeaders } from '../core/metadata.js';
import type { RespondOptions, ServerCall } from '../core/server-call.js';
import { TripleError } from '../core/triple-error.js';
import { readBody } from './body-reader.js';

const { NGHTTP2_CANCEL } = constants;

/**
 * A ServerCall over one HTTP/2 stream. Headers are sent when the protocol asks (after the
 * handler had its chance to add metadata); trailers are held until Node asks for them
 * ('wantTrailers'), which keeps the last DATA frame and the trailers in order.
 */
export class H2ServerCall implements ServerCall {
  readonly httpMethod: string;
  readonly path: string;
  readonly query: string;
  readonly httpVersion = '2' as const;
  readonly peer: string;
  private readonly abort = new AbortController();
  private trailers: OutgoingHeaders | undefined;
  private finished = false;
  private drainWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> | undefined;

  constructor(
    private readonly stream: ServerHttp2Stream,
    readonly headers: IncomingHttpHeaders,
  ) {
    const fullPath = (headers[':path'] as string | undefined) ?? '/';
    const q = fullPath.indexOf('?');
    this.path = q < 0 ? fullPath : fullPath.slice(0, q);
    this.query = q < 0 ? '' : fullPath.slice(q + 1);
    this.httpMethod = (headers[':method'] as string | undefined) ?? 'GET';
    const socket = stream.session?.socket;
    this.peer = socket ? `${socket.remoteAddress}:${socket.remotePort}` : 'unknown';
    stream.on('close', this.onClose);
    stream.on('error', noop); // errors surface through 'close' and rstCode
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get body(): AsyncIterable<Uint8Array> {
    return readBody(this.stream);
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
    headers[':status'] = status;
    if (options?.endStream) {
      this.finished = true;
      this.stream.respond(headers, { endStream: true });
      this.finishRequest();
      return;
    }
    this.stream.respond(headers, { waitForTrailers: options?.trailers === true });
    if (options?.trailers) this.stream.once('wantTrailers', this.sendTrailers);
  }

  write(chunk: Uint8Array): Promise<void> | undefined {
    if (this.closed) return undefined;
    if (this.stream.write(chunk)) return undefined;
    return new Promise<void>((resolve, reject) => {
      if (!this.drainWaiters) {
        this.drainWaiters = [];
        this.stream.once('drain', this.onDrain);
      }
      this.drainWaiters.push({ resolve, reject });
    });
  }

  end(last?: Uint8Array, trailers?: OutgoingHeaders): void {
    if (this.closed) return;
    this.finished = true;
    this.trailers = trailers;
    if (last) this.stream.end(last);
    else this.stream.end();
    this.finishRequest();
  }

  /** After the response is complete, unread request bytes are not worth waiting for. */
  private finishRequest(): void {
    if (!this.stream.readableEnded) this.stream.resume();
  }

  private readonly sendTrailers = (): void => {
    if (this.stream.destroyed) return;
    this.stream.sendTrailers(this.trailers ?? {});
  };

  private readonly onDrain = (): void => {
    const waiters = this.drainWaiters;
    this.drainWaiters = undefined;
    if (waiters) for (const w of waiters) w.resolve();
  };

  private readonly onClose = (): void => {
    const waiters = this.drainWaiters;
    this.drainWaiters = undefined;
    const cancelled = !this.finished || this.stream.rstCode === NGHTTP2_CANCEL;
    if (cancelled && !this.abort.signal.aborted) {
      this.abort.abort(new TripleError(Code.CANCELLED, 'the client cancelled the call'));
    }
    this.finished = true;
    if (waiters) for (const w of waiters) w.reject(this.abort.signal.reason ?? new TripleError(Code.CANCELLED, 'stream closed'));
  };
}

function noop(): void {}
